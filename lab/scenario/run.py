"""The datapath scenario, run inside the guest by lab-run after cloud-init configured srv1.

Usage: cd / && python3 -m lab.scenario.run LAB_DIR
(LAB_DIR = the 9p share, mounted on /lab: seeds/, scenario/, evidence/)
Builds the topology, drives TCP/UDP traffic through the VIPs (IP-in-IP v4/v6 and GRE), captures on
the LB, on srv1's NIC and on the client, configures an existing server live over SSH, then judges
checks 0-10 (verdicts.py). Writes evidence/summary.json, summary.txt, facts.json, pcaps/*.pcap,
servers/<name>/*; prints "N passed, N failed".
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

import yaml

from lab.scenario import live as lab_live
from lab.scenario import topo as lab_topo
from lab.scenario import verdicts
from lab.scenario.shell import (
    ZERO_STATS,
    all_link_stats,
    delta,
    kernel_counters,
    link_stats,
    run_logged,
    sh,
)

HERE = Path(__file__).resolve().parent
BLOB = Path("/tmp/blob")
BLOB_SIZE = 2 << 20
UPLOAD_SIZE = 2 << 20
FALLBACK = {"ipip": "tunl0", "ip6tnl": "ip6tnl0", "gre": "gre0"}
FAMILY_OF_KIND = {"ipip": "v4", "ip6tnl": "v6", "gre": "gre"}
# per traffic family: the outer protocol the LB adds (BPF), and which lab service carries it
ENCAP = {"v4": "ip proto 4", "v6": "ip6 proto 41", "gre": "ip proto 47"}
SERVICE_OF = {"v4": "ipip", "v6": "ipip", "gre": "gre"}


NO_MSS_UPLOAD = 256 << 10
LOG_TROUBLE = re.compile(r"\[(WARNING|ERROR|CRITICAL)\]")
WHY_DROPPED = re.compile(r"Filter|AddrErr|Unknown|NoRoute|Discard|Drop|Err|Unreach|TooBig|FragFail")


def explaining(counters: dict[str, int]) -> dict[str, int]:
    """The kernel counters that say why a packet went nowhere (rp_filter, no address, ICMP...)."""
    return {k: v for k, v in counters.items() if WHY_DROPPED.search(k)}


class Lab:
    def __init__(self, lab_dir: Path):
        self.dir = lab_dir
        self.out = lab_dir / "evidence"
        self.seeds = lab_dir / "seeds"
        self.topo = json.loads((self.seeds / "topology.json").read_text())
        self.iface = self.topo["interface"]
        self.servers = {s["name"]: s for s in self.topo["servers"]}
        self.pool = [s["name"] for s in self.topo["servers"] if s["role"] == "pool"]
        self.srv1 = self.servers["srv1"]
        self.live = [
            lab_live.LiveServer(
                s, self.seeds / s["name"], self.topo, self.out / "servers" / s["name"]
            )
            for s in self.topo["servers"]
            if s["role"] == "existing"
        ]
        self.captures: dict[str, tuple[subprocess.Popen, Path]] = {}
        self.facts: dict = {}
        rendered = yaml.safe_load((self.seeds / "srv1" / "network-config").read_text())
        self.netplan = rendered.get("network", rendered)
        self.tunnels = self.netplan.get("tunnels") or {}
        self.has_v6_vip = self.holds(self.topo["vip6"])
        self.has_gre_vip = self.holds(self.topo["gre_vip4"])
        self.families = ["v4"] + ["v6"] * self.has_v6_vip + ["gre"] * self.has_gre_vip

    def holds(self, vip: str) -> bool:
        """Does srv1's render put this VIP on one of its tunnels?"""
        return any(
            str(a).split("/")[0] == vip
            for t in self.tunnels.values()
            for a in t.get("addresses", [])
        )

    def vip(self, family: str) -> str:
        return {"v4": self.topo["vip4"], "v6": self.topo["vip6"], "gre": self.topo["gre_vip4"]}[
            family
        ]

    def members(self, family: str, role: str = "pool") -> list[str]:
        """Servers of that role in the lab service that carries this traffic family."""
        return [
            s["name"]
            for s in self.topo["servers"]
            if s["role"] == role and SERVICE_OF[family] in s["services"]
        ]

    # ---- setup -------------------------------------------------------------------------
    def wait_for_cloud_init_server(self) -> None:
        """srv1 is configured by cloud-init + networkd: wait until its routes and tunnels exist."""

        def ready() -> bool:
            routes4 = sh("ip -4 route show default", check=False, quiet=True)
            routes6 = sh("ip -6 route show default", check=False, quiet=True)
            links = sh("ip -o link show", check=False, quiet=True)
            return (
                bool(routes4.strip())
                and bool(routes6.strip())
                and all(f" {name}@" in links or f" {name}:" in links for name in self.tunnels)
            )

        lab_topo.wait_for("srv1 default routes and rendered tunnels", ready, timeout=60)

    def cloud_init_facts(self) -> None:
        """What cloud-init itself says about the boot of the rendered seed (check 0)."""
        status = run_logged(["cloud-init", "status", "--long"], timeout=120)
        schema = run_logged(["cloud-init", "schema", "--system"], timeout=120)
        (self.out / "cloud-init-status.txt").write_text(status.stdout + status.stderr)
        schema_text = (schema.stdout + schema.stderr).strip()
        log = Path("/var/log/cloud-init.log")
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        self.facts["cloud_init"] = {
            "status": next(
                (
                    ln.split(":", 1)[1].strip()
                    for ln in status.stdout.splitlines()
                    if ln.startswith("status:")
                ),
                "unknown",
            ),
            "status_rc": status.returncode,
            "schema_rc": schema.returncode,
            "schema": schema_text.splitlines()[-1] if schema_text else "",
            "log_warnings": [ln for ln in lines if LOG_TROUBLE.search(ln)],
        }
        print(f"# cloud-init: {self.facts['cloud_init']}")

    def record_server(self, name: str, ns: str) -> None:
        folder = self.out / "servers" / name
        folder.mkdir(parents=True, exist_ok=True)
        for file, cmd in [
            ("ip-addr.txt", "ip -d addr"),
            ("ip-route.txt", "ip route"),
            ("ip6-route.txt", "ip -6 route"),
            ("ip-link.txt", "ip -d link"),
            ("sysctl.txt", ["sysctl", *self.sysctl_keys()]),
        ]:
            (folder / file).write_text(sh(cmd, ns=ns, check=False, quiet=True))

    def sysctl_keys(self) -> list[str]:
        devices = ["all", "default", self.iface, *self.tunnels]
        return [
            f"net.ipv4.conf.{dev}.{key}"
            for dev in devices
            for key in ("rp_filter", "arp_ignore", "arp_announce")
        ]

    def start_services(self) -> None:
        BLOB.write_bytes(os.urandom(BLOB_SIZE))
        for server in self.topo["servers"]:
            ready = Path(f"/tmp/ready-{server['name']}")
            vip6 = self.topo["vip6"] if self.has_v6_vip else ""
            argv = [
                "python3",
                str(HERE / "services.py"),
                server["name"],
                str(BLOB),
                self.topo["vip4"],
                vip6,
                str(self.topo["tcp_port"]),
                str(self.topo["udp_port"]),
                str(ready),
            ]
            if server["namespace"]:
                argv = ["ip", "netns", "exec", server["namespace"], *argv]
            log = (self.out / "servers" / server["name"] / "services.log").open("w")
            subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        for server in self.topo["servers"]:
            ready = Path(f"/tmp/ready-{server['name']}")
            lab_topo.wait_for(f"services on {server['name']}", ready.exists, timeout=60)

    def start_capture(self, label: str, ns: str, dev: str) -> None:
        pcap = self.out / "pcaps" / f"{label}.pcap"
        pcap.parent.mkdir(parents=True, exist_ok=True)
        argv = ["tcpdump", "-i", dev, "-nn", "-s", "200", "-U", "-w", str(pcap)]
        if ns:
            argv = ["ip", "netns", "exec", ns, *argv]
        err = (self.out / "pcaps" / f"{label}.tcpdump.log").open("w")
        self.captures[label] = (subprocess.Popen(argv, stderr=err), pcap)

    def wait_captures(self) -> None:
        def listening() -> bool:
            return all(
                "listening on" in (self.out / "pcaps" / f"{label}.tcpdump.log").read_text()
                for label, (proc, _) in self.captures.items()
                if proc.poll() is None
            )

        lab_topo.wait_for("tcpdump to listen", listening, timeout=30)

    def stop_captures(self, *labels: str) -> None:
        """Stops the named captures (all that run if none is named); their pcaps stay readable."""
        time.sleep(2)  # under TCG tcpdump lags: let it drain the last packets before SIGINT
        running = [
            proc
            for label, (proc, _) in self.captures.items()
            if (not labels or label in labels) and proc.poll() is None
        ]
        for proc in running:
            proc.send_signal(signal.SIGINT)
        for proc in running:
            proc.wait(timeout=30)

    def lines(self, label: str, bpf: str, verbose: bool = False) -> list[str]:
        """Packets of one capture matching a BPF filter, one line each (-e: frame length shown)."""
        pcap = self.captures[label][1]
        argv = ["tcpdump", "-r", str(pcap), "-nn", "-e", *(["-v"] if verbose else []), bpf]
        return sh(argv, check=False, quiet=True).splitlines()

    def count(self, label: str, bpf: str, must_be_zero: str = "") -> int:
        """Matching packets; for ones that must not exist, the first few go into the facts."""
        found = self.lines(label, bpf)
        if found and must_be_zero:
            self.facts.setdefault("offending_packets", {})[must_be_zero] = found[:5]
        return len(found)

    def frame_bytes(self, label: str, bpf: str) -> list[int]:
        return [int(x) for x in re.findall(r"length (\d+):", "\n".join(self.lines(label, bpf)))]

    # ---- traffic -----------------------------------------------------------------------
    def url(self, family: str, path: str) -> str:
        host = f"[{self.vip(family)}]" if family == "v6" else self.vip(family)
        return f"http://{host}:{self.topo['tcp_port']}{path}"

    def curl(self, family: str, path: str, max_time: float = 60, upload: int = 0) -> dict:
        argv = [
            "curl",
            "-sS",
            "-g",
            "-o",
            "/tmp/curl-body",
            "--max-time",
            str(max_time),
            "-w",
            "%{http_code} %{size_download} %{time_total}",
            self.url(family, path),
        ]
        if upload:
            Path("/tmp/upload").write_bytes(os.urandom(upload))
            argv[1:1] = ["--data-binary", "@/tmp/upload", "-H", "Expect:"]
        out = sh(argv, ns="cli", check=False, timeout=max_time + 10)
        code, size, took = [*out.split(), "0", "0", "0"][:3]
        result = {"code": int(code), "size": int(size), "time": float(took)}
        body = Path("/tmp/curl-body")
        if body.exists() and int(size) < 200:
            result["body"] = body.read_text(errors="replace").strip()
        if upload:
            result["expected"] = upload
        match = re.search(r"received (\d+)", result.get("body", ""))
        if match:
            result["received"] = int(match.group(1))
        return result

    def tunnel_rx(self, stats: dict[str, dict[str, int]]) -> dict[str, int]:
        names = [*self.tunnels, *FALLBACK.values()]
        return {name: stats.get(name, ZERO_STATS)["rx_packets"] for name in names}

    def byte_counters(self) -> dict:
        """LB and client NICs, srv1's NIC and tunnel rx: what a download is measured with."""
        srv = all_link_stats("")
        return {
            "lb": link_stats("lb", "eth0"),
            "cli": link_stats("cli", "eth0"),
            "srv": srv.get(self.iface, ZERO_STATS),
            "tun": self.tunnel_rx(srv),
        }

    def download(self, family: str) -> dict:
        before = self.byte_counters()
        curl = self.curl(family, "/blob")
        after = self.byte_counters()
        return {
            "curl": curl,
            "lb_rx_bytes": after["lb"]["rx_bytes"] - before["lb"]["rx_bytes"],
            "lb_tx_bytes": after["lb"]["tx_bytes"] - before["lb"]["tx_bytes"],
            "client_rx_bytes": after["cli"]["rx_bytes"] - before["cli"]["rx_bytes"],
            "server_tx_bytes": after["srv"]["tx_bytes"] - before["srv"]["tx_bytes"],
            "server_rx_bytes": after["srv"]["rx_bytes"] - before["srv"]["rx_bytes"],
            "tunnel_rx_packets": delta(before["tun"], after["tun"]),
        }

    def probe_neighbours(self) -> None:
        """Ask the segment who has the VIP (ARP and NS), so a misconfigured server would answer."""
        sh("ip neigh flush all", check=False)
        probes = HERE / "probes.py"
        sender = lab_topo.ip_only(self.topo["router_server4"])
        sh(["python3", str(probes), "arp-who-has", "br0", self.topo["vip4"], sender], ns="rtr")
        if self.has_v6_vip:
            sh(["python3", str(probes), "ns", "br0", self.topo["vip6"]], ns="rtr")

    def run_pool(self) -> None:
        lab_topo.set_pool(self.topo, set(self.pool))
        before = {name: self.pool_tunnel_rx(name) for name in self.pool}
        expected = {fam: self.members(fam) for fam in self.families}
        answers = {
            fam: [self.curl(fam, "/whoami").get("body") for _ in range(len(expected[fam]) * 2)]
            for fam in self.families
        }
        after = {name: self.pool_tunnel_rx(name) for name in self.pool}
        self.facts["pool"] = {
            "servers": expected,
            "answers": answers,
            "tunnel_rx_packets": {n: after[n] - before[n] for n in self.pool},
        }
        self.facts["udp"] = {}
        for fam in [f for f in self.families if f != "gre"]:
            vip = self.topo["vip4"] if fam == "v4" else self.topo["vip6"]
            out = sh(
                [
                    "python3",
                    str(HERE / "probes.py"),
                    "udp",
                    vip,
                    str(self.topo["udp_port"]),
                    str(len(self.pool) * 2),
                ],
                ns="cli",
                check=False,
            )
            expected_from = f"{vip}:{self.topo['udp_port']}"
            self.facts["udp"][fam] = {
                "answers": json.loads(out or "[]"),
                "pool": self.pool,
                "expected_from": expected_from,
            }

    def pool_tunnel_rx(self, name: str) -> int:
        ns = self.servers[name]["namespace"]
        stats = all_link_stats(ns)
        return sum(stats.get(t, ZERO_STATS)["rx_packets"] for t in ("dsr4", "dsr6", "dsr4gre"))

    def run_negative(self) -> None:
        self.facts["negative"] = []
        for server in self.topo["servers"]:
            if not server["role"].startswith("negative:"):
                continue
            lab_topo.set_pool(self.topo, {server["name"]})
            ns = server["namespace"]
            families = [
                f for f in self.families if server["name"] in self.members(f, server["role"])
            ]
            if server["variant"] == "strict-rp-filter":
                families = [f for f in families if f != "v6"]  # IPv6 has no rp_filter
            control = server["role"].split(":", 1)[1]
            for fam in families:
                before_nic = link_stats(ns, self.iface)
                before_k, before_lb = kernel_counters(ns), kernel_counters("lb")
                if control == "no-mss":  # client segments must be full size to hit the limit
                    curl = self.curl(fam, "/upload", max_time=4, upload=NO_MSS_UPLOAD)
                else:
                    curl = self.curl(fam, "/whoami", max_time=2)
                after_nic = link_stats(ns, self.iface)
                after_k, after_lb = kernel_counters(ns), kernel_counters("lb")
                self.facts["negative"].append(
                    {
                        "control": control,
                        "server": server["name"],
                        "family": fam,
                        "curl": curl,
                        "kernel_counters": explaining(delta(before_k, after_k)),
                        "lb_kernel_counters": explaining(delta(before_lb, after_lb)),
                        "server_rx_packets": after_nic["rx_packets"] - before_nic["rx_packets"],
                    }
                )

    # ---- evidence from captures ----------------------------------------------------------
    def pcap_facts(self) -> None:
        vip4, vip6 = self.topo["vip4"], self.topo["vip6"]
        srv4, srv6 = (lab_topo.ip_only(self.srv1["ipv4"]), lab_topo.ip_only(self.srv1["ipv6"]))
        port = self.topo["tcp_port"]
        for fam in self.families:
            if fam not in self.facts:
                continue
            vip, encap = self.vip(fam), ENCAP[fam]
            srv = srv6 if fam == "v6" else srv4
            proto = "ip6" if fam == "v6" else "ip"
            client = lab_topo.ip_only(self.topo["client6" if fam == "v6" else "client4"])
            self.facts[fam]["lb_return_bytes"] = sum(
                self.frame_bytes("lb", f"{proto} dst host {client}")
            )
            self.facts[fam]["pcap"] = {
                "lb_src_vip": self.count("lb", f"src host {vip}", f"{fam} LB src=VIP"),
                "server_plain_replies_from_vip": self.count(
                    "srv1", f"{proto} src host {vip} and tcp src port {port}"
                ),
                "server_encapsulated_out": self.count(
                    "srv1", f"{encap} and src host {srv}", f"{fam} server encapsulated out"
                ),
                "server_encapsulated_in": self.count("srv1", f"{encap} and dst host {srv}"),
                "client_from_vip": self.count("cli", f"{proto} src host {vip}"),
            }
        vip4_hex = "0x" + ipaddress.IPv4Address(vip4).packed.hex()
        srv4_hex = "0x" + ipaddress.IPv4Address(srv4).packed.hex()
        v6 = ipaddress.IPv6Address(vip6).packed
        target_vip6 = " and ".join(
            f"ip6[{48 + i}:4] = 0x{v6[i : i + 4].hex()}" for i in range(0, 16, 4)
        )
        neighbour = {
            "arp_sender_vip": self.count(
                "srv1", f"arp and arp[14:4] = {vip4_hex}", "ARP sender VIP"
            ),
            "arp_probe_seen": self.count("srv1", f"arp and arp[24:4] = {vip4_hex}"),
            "arp_own_sender": self.count("srv1", f"arp and arp[14:4] = {srv4_hex}"),
        }
        if self.has_v6_vip:
            neighbour["ndp_from_vip"] = self.count(
                "srv1",
                f"icmp6 and ip6 src host {vip6} and ip6[40] >= 133 and ip6[40] <= 137",
                "NDP from VIP6",
            )
            neighbour["na_for_vip"] = self.count(
                "srv1", f"icmp6 and ip6[40] = 136 and {target_vip6}", "NA for VIP6"
            )
            neighbour["ns_probe_seen"] = self.count(
                "srv1", f"icmp6 and ip6[40] = 135 and {target_vip6}"
            )
        self.facts["neighbour"] = neighbour
        for fam, m in self.facts.get("mtu", {}).items():
            vip, encap = self.vip(fam), ENCAP[fam]
            synack = "ip6[53] & 18 = 18" if fam == "v6" else "tcp[13] & 18 = 18"
            lines = self.lines("srv1", f"src host {vip} and {synack}", verbose=True)
            m["syn_ack_mss"] = [int(x) for x in re.findall(r"mss (\d+)", " ".join(lines))]
            m["oversize_encapsulated"] = self.count(
                "lb", f"{encap} and greater 1515", f"{fam} encapsulated > 1500 B"
            )
            # frame length - 14 B Ethernet header = IP packet size on the wire
            m["largest_encapsulated"] = max(self.frame_bytes("lb", encap), default=14) - 14
        for fam, u in self.facts.get("udp", {}).items():
            vip = vip4 if fam == "v4" else vip6
            proto = "ip" if fam == "v4" else "ip6"
            u["lb_src_vip"] = self.count(
                "lb", f"{proto} src host {vip} and udp", f"{fam} UDP LB src=VIP"
            )
            u["server_replies_from_vip"] = self.count(
                "srv1", f"{proto} src host {vip} and udp src port {self.topo['udp_port']}"
            )

    def tunnel_facts(self) -> None:
        tunnels = []
        for name, spec in self.tunnels.items():
            info = json.loads(
                sh(["ip", "-d", "-j", "link", "show", "dev", name], check=False, quiet=True)
                or "[{}]"
            )[0]
            data = info.get("linkinfo", {}).get("info_data", {})
            kind = info.get("linkinfo", {}).get("info_kind", "missing")
            # the family the render meant this tunnel for, whatever the kernel made of it
            fam = FAMILY_OF_KIND.get(spec.get("mode", "").replace("ip6ip6", "ip6tnl"), "v4")
            if fam not in self.families:
                continue
            download = self.facts.get(fam, {})
            rx = download.get("tunnel_rx_packets", {})
            fallback = FALLBACK.get(kind, "tunl0")
            tunnels.append(
                {
                    "name": name,
                    "kind": kind,
                    "family": fam,
                    "local": data.get("local"),
                    "expected_local": str(spec.get("local")),
                    "rx_packets": rx.get(name, 0),
                    "fallback": fallback,
                    "fallback_rx_packets": rx.get(fallback, 0),
                    # our other tunnels during this family's download: each VIP on its own type
                    "other_tunnels_rx_packets": {
                        other: rx.get(other, 0) for other in self.tunnels if other != name
                    },
                }
            )
        self.facts["tunnels"] = tunnels

    # ---- the whole run -------------------------------------------------------------------
    def run(self) -> list[verdicts.Result]:
        self.facts["has_v6_vip"] = self.has_v6_vip
        self.facts["has_gre_vip"] = self.has_gre_vip
        self.cloud_init_facts()  # lab-run starts the scenario after cloud-final: cloud-init is done
        self.wait_for_cloud_init_server()
        self.record_server("srv1", "")
        lab_topo.build_router_client_lb(self.topo)
        lab_topo.no_offload("", self.iface)
        for server in self.live:  # boots in the background while the other checks run
            server.start()
        ns_servers = [s for s in self.topo["servers"] if s["namespace"] and s["role"] != "existing"]
        roots = {
            s["name"]: lab_topo.prepare_namespace_server(s, self.seeds / s["name"], self.iface)
            for s in ns_servers
        }
        lab_topo.netplan_generate(list(roots.values()))
        for server in ns_servers:
            lab_topo.apply_namespace_server(
                server,
                self.seeds / server["name"],
                roots[server["name"]],
                self.out / "servers" / server["name"],
            )
            self.record_server(server["name"], server["namespace"])
        lab_topo.configure_lb(self.topo)
        self.start_services()
        self.start_capture("lb", "lb", "eth0")
        self.start_capture("srv1", "", self.iface)
        self.start_capture("cli", "cli", "eth0")
        self.wait_captures()
        sh("ping -c1 -W2 " + lab_topo.ip_only(self.srv1["ipv4"]), ns="cli", check=False)
        self.probe_neighbours()
        lab_topo.set_pool(self.topo, {"srv1"})
        self.facts["mtu"] = {}
        for fam in self.families:
            self.facts[fam] = self.download(fam)
            self.facts["mtu"][fam] = {
                "download": self.facts[fam]["curl"],
                "upload_size": UPLOAD_SIZE,
                "upload": self.curl(fam, "/upload", upload=UPLOAD_SIZE),
            }
        self.tunnel_facts()
        self.run_pool()
        (self.out / "ipvsadm-stats.txt").write_text(sh("ipvsadm -Ln --stats", ns="lb"))
        # the captures cover the positive checks only: a broken negative-control server may
        # legitimately make the LB emit ICMP on the client's behalf
        self.stop_captures()
        self.run_negative()
        self.pcap_facts()
        for server in self.live:
            self.facts["existing"] = self.run_existing(server)
        (self.out / "facts.json").write_text(json.dumps(self.facts, indent=2) + "\n")
        return verdicts.evaluate(self.facts)

    # ---- existing server, live over SSH ---------------------------------------------------
    def run_existing(self, server: lab_live.LiveServer) -> dict:
        """Apply, prove DSR through it, re-apply (no change), remove (back as it was)."""
        facts: dict = {"server": server.name, "families": self.families}
        self.facts["existing"] = facts  # partial facts still reach the verdict on a failure
        facts["ready_after_seconds"] = round(server.wait_ready(), 1)
        facts["states"] = {"before": server.snapshot("before")}
        facts["apply"] = server.run_script("apply")
        facts["states"]["applied"] = server.snapshot("applied")
        lab_topo.set_pool(self.topo, {server.name})
        self.start_capture(server.name, server.ns, self.iface)
        self.wait_captures()
        facts["traffic"] = {fam: self.live_download(server, fam) for fam in self.families}
        self.stop_captures(server.name)
        facts["syn_ack_mss"] = {
            fam: self.syn_ack_mss(server.name, self.vip(fam), fam) for fam in self.families
        }
        facts["reapply"] = server.run_script("apply", "reapply")
        facts["states"]["reapplied"] = server.snapshot("reapplied")
        facts["remove"] = server.run_script("remove")
        facts["states"]["removed"] = server.snapshot("removed")
        facts["after_remove"] = {
            fam: self.curl(fam, "/whoami", max_time=2) for fam in self.families
        }
        server.stop()
        return facts

    def live_download(self, server: lab_live.LiveServer, family: str) -> dict:
        """Who answers, and the download's bytes on the LB vs the client (counters only)."""
        whoami = self.curl(family, "/whoami")
        before = (link_stats("lb", "eth0"), link_stats("cli", "eth0"))
        curl = self.curl(family, "/blob")
        after = (link_stats("lb", "eth0"), link_stats("cli", "eth0"))
        return {
            "whoami": whoami.get("body"),
            "curl": curl,
            "lb_rx_bytes": after[0]["rx_bytes"] - before[0]["rx_bytes"],
            "client_rx_bytes": after[1]["rx_bytes"] - before[1]["rx_bytes"],
        }

    def syn_ack_mss(self, label: str, vip: str, family: str) -> list[int]:
        synack = "ip6[53] & 18 = 18" if family == "v6" else "tcp[13] & 18 = 18"
        lines = self.lines(label, f"src host {vip} and {synack}", verbose=True)
        return [int(x) for x in re.findall(r"mss (\d+)", " ".join(lines))]


def write_summary(out: Path, results: list[verdicts.Result], error: str = "") -> str:
    line = verdicts.summary_line(results)
    payload = {"summary": line, "error": error, "results": [r.to_dict() for r in results]}
    (out / "summary.json").write_text(json.dumps(payload, indent=2) + "\n")
    text = [
        f"{'PASS' if r.passed else 'SKIP' if r.passed is None else 'FAIL'} "
        f"[{r.check}] {r.name}: {r.detail}" + "".join(f"\n      - {p}" for p in r.problems)
        for r in results
    ]
    (out / "summary.txt").write_text("\n".join([*text, f"RESULT: {line}", error]).strip() + "\n")
    return line


def main(argv: list[str]) -> int:
    sys.stdout.reconfigure(line_buffering=True)  # run.log must show progress if the guest hangs
    lab = Lab(Path(argv[0]))
    lab.out.mkdir(parents=True, exist_ok=True)
    try:
        results = lab.run()
        error = ""
    except Exception:  # the summary must still be written, with the reason
        error = traceback.format_exc()
        print(error)
        (lab.out / "facts.json").write_text(json.dumps(lab.facts, indent=2) + "\n")
        results = verdicts.evaluate(lab.facts)
    line = write_summary(lab.out, results, error)
    print((lab.out / "summary.txt").read_text())
    print(f"RESULT: {line}")
    return 0 if not error and all(r.passed is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
