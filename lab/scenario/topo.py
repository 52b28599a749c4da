"""Builds the lab network inside the guest, in namespaces:

  cli (192.0.2.2) -- rtr (bridge br0, routes the VIPs to the LB) -- lb (IPVS, tunnel mode)
                                  |-- srv1 (root namespace: configured by cloud-init + networkd)
                                  |-- srv2, srv3, neg-* (namespaces: rendered netplan, applied by
                                      netplan generate + networkd_apply)

lab-topo.service (in the image) already created netns rtr and the root namespace's server NIC,
whose peer "srv1" waits in rtr.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import yaml

from lab.scenario import networkd_apply
from lab.scenario.shell import sh


def ip_only(cidr: str) -> str:
    return cidr.split("/")[0]


def veth_to_router(ns: str, dev: str, peer: str) -> None:
    """A veth from namespace ns (named dev) to rtr (named peer), plugged into br0."""
    sh(["ip", "-n", ns, "link", "add", dev, "type", "veth", "peer", "name", peer, "netns", "rtr"])
    sh(["ip", "-n", "rtr", "link", "set", peer, "master", "br0", "up"])


def no_offload(ns: str, dev: str) -> None:
    """Real segment sizes on the wire (no TSO/GSO super-packets): honest MTU limits and pcaps."""
    sh(["ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off"], ns=ns, check=False)


def build_router_client_lb(topo: dict) -> None:
    for ns in ("cli", "lb"):
        sh(["ip", "netns", "add", ns])
    for ns in ("rtr", "cli", "lb"):
        sh(["ip", "-n", ns, "link", "set", "lo", "up"])
    # router
    sh("ip -n rtr link add br0 type bridge")
    sh(["ip", "-n", "rtr", "addr", "add", topo["router_server4"], "dev", "br0"])
    sh(["ip", "-n", "rtr", "addr", "add", topo["router_server6"], "dev", "br0", "nodad"])
    sh("ip -n rtr link set br0 up")
    sh("ip -n rtr link set srv1 master br0 up")
    sh("sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1", ns="rtr")
    # client
    sh("ip -n cli link add eth0 type veth peer name cli netns rtr")
    sh(["ip", "-n", "rtr", "addr", "add", topo["router_client4"], "dev", "cli"])
    sh(["ip", "-n", "rtr", "addr", "add", topo["router_client6"], "dev", "cli", "nodad"])
    sh("ip -n rtr link set cli up")
    sh(["ip", "-n", "cli", "addr", "add", topo["client4"], "dev", "eth0"])
    sh(["ip", "-n", "cli", "addr", "add", topo["client6"], "dev", "eth0", "nodad"])
    sh("ip -n cli link set eth0 up")
    sh(["ip", "-n", "cli", "route", "add", "default", "via", ip_only(topo["router_client4"])])
    sh(["ip", "-n", "cli", "-6", "route", "add", "default", "via", ip_only(topo["router_client6"])])
    no_offload("cli", "eth0")
    # the router routes the VIPs to the LB, as the upstream network routes them to Avi's SEs
    for vip in (topo["vip4"], topo["gre_vip4"]):
        sh(["ip", "-n", "rtr", "route", "add", f"{vip}/32", "via", ip_only(topo["lb4"])])
    sh(
        [
            "ip",
            "-n",
            "rtr",
            "-6",
            "route",
            "add",
            f"{topo['vip6']}/128",
            "via",
            ip_only(topo["lb6"]),
        ]
    )
    # like a real SE, nothing tells the client about the tunnel overhead: drop PMTU ICMP towards
    # it, so only the server's MSS/MTU settings can keep large client packets flowing
    sh("iptables -A FORWARD -p icmp --icmp-type fragmentation-needed -j DROP", ns="rtr")
    sh("ip6tables -A FORWARD -p icmpv6 --icmpv6-type packet-too-big -j DROP", ns="rtr")
    # load balancer: VIPs local, IPVS in tunnel mode (IP-in-IP / ip6ip6 / GRE to real servers)
    veth_to_router("lb", "eth0", "lb")
    sh(["ip", "-n", "lb", "addr", "add", topo["lb4"], "dev", "eth0"])
    sh(["ip", "-n", "lb", "addr", "add", topo["lb6"], "dev", "eth0", "nodad"])
    sh("ip -n lb link set eth0 up")
    sh(["ip", "-n", "lb", "route", "add", "default", "via", ip_only(topo["router_server4"])])
    sh(["ip", "-n", "lb", "-6", "route", "add", "default", "via", ip_only(topo["router_server6"])])
    for vip in (topo["vip4"], topo["gre_vip4"]):
        sh(["ip", "-n", "lb", "addr", "add", f"{vip}/32", "dev", "lo"])
    sh(["ip", "-n", "lb", "addr", "add", f"{topo['vip6']}/128", "dev", "lo", "nodad"])


def virtual_services(topo: dict) -> list[tuple[str, str, str]]:
    """(ipvsadm proto flag, service address, lab service) for every virtual service: TCP and UDP
    on the IP-in-IP VIPs (v4 and v6), TCP on the GRE VIP."""
    v4, v6 = topo["vip4"], f"[{topo['vip6']}]"
    return [
        ("-t", f"{v4}:{topo['tcp_port']}", "ipip"),
        ("-u", f"{v4}:{topo['udp_port']}", "ipip"),
        ("-t", f"{v6}:{topo['tcp_port']}", "ipip"),
        ("-u", f"{v6}:{topo['udp_port']}", "ipip"),
        ("-t", f"{topo['gre_vip4']}:{topo['tcp_port']}", "gre"),
    ]


# how the director encapsulates towards the real servers of each lab service: IPVS tunnel mode,
# IP-in-IP (the default) or GRE (kernel >= 5.3, ipvsadm >= 1.31); GRE without checksum is the
# plain 4-byte header, as an Avi Service Engine sends it (avi_dsr.server.netplan)
TUNNEL_OPTIONS = {"ipip": "-i", "gre": "-i --tun-type gre"}


def real_address(server: dict, service: str) -> str:
    port = service.rsplit(":", 1)[1]
    if service.startswith("["):
        return f"[{ip_only(server['ipv6'])}]:{port}"
    return f"{ip_only(server['ipv4'])}:{port}"


def ipvs_rules(topo: dict, verb: str, active: set[str]) -> str:
    """ipvsadm -R input: every member server on each service; weight 0 = quiesced."""
    lines = []
    for proto, service, lab_service in virtual_services(topo):
        if verb == "-a":
            lines.append(f"-A {proto} {service} -s rr")
        for server in topo["servers"]:
            if lab_service not in server["services"]:
                continue
            weight = 1 if server["name"] in active else 0
            lines.append(
                f"{verb} {proto} {service} -r {real_address(server, service)} "
                f"{TUNNEL_OPTIONS[lab_service]} -w {weight}"
            )
    return "\n".join(lines) + "\n"


def configure_lb(topo: dict) -> None:
    sh(["ipvsadm", "-R"], ns="lb", stdin=ipvs_rules(topo, "-a", set()))


def set_pool(topo: dict, active: set[str]) -> None:
    """Only the named servers get new connections; the others are quiesced (weight 0)."""
    print(f"# LB pool now: {sorted(active)}")
    sh(["ipvsadm", "-R"], ns="lb", stdin=ipvs_rules(topo, "-e", active), quiet=True)


def write_netplan(network_config: str, root: Path) -> Path:
    """The rendered network-config as cloud-init writes it to /etc/netplan (under network:)."""
    doc = yaml.safe_load(network_config)
    if "network" not in doc:
        doc = {"network": doc}
    target = root / "etc/netplan/50-cloud-init.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(doc, sort_keys=False))
    os.chmod(target, 0o600)
    return target


def sysctl_files(user_data: str) -> list[tuple[str, str]]:
    """(path, content) of every /etc/sysctl.d file the rendered user-data writes."""
    doc = yaml.safe_load(user_data) or {}
    return [
        (f["path"], f.get("content", ""))
        for f in doc.get("write_files", [])
        if str(f.get("path", "")).startswith("/etc/sysctl.d/")
    ]


def prepare_namespace_server(server: dict, seed_dir: Path, interface: str) -> Path:
    """Namespace + NIC for one server, and its rendered netplan under a private root dir."""
    ns = server["namespace"]
    sh(["ip", "netns", "add", ns])
    sh(["ip", "-n", ns, "link", "set", "lo", "up"])
    veth_to_router(ns, interface, server["name"])
    no_offload(ns, interface)
    root = Path("/tmp/netplan-root") / server["name"]
    write_netplan((seed_dir / "network-config").read_text(), root)
    return root


def netplan_generate(roots: list[Path]) -> None:
    """`netplan generate --root-dir` for every root, in parallel (seconds each under TCG)."""
    started = time.monotonic()
    procs = [
        (
            root,
            subprocess.Popen(
                ["netplan", "generate", "--root-dir", str(root)],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ),
        )
        for root in roots
    ]
    for root, proc in procs:
        output, _ = proc.communicate(timeout=120)
        print(
            f"[root] $ netplan generate --root-dir {root}  (rc={proc.returncode}) {output.strip()}"
        )
        if proc.returncode != 0:
            raise RuntimeError(f"netplan generate --root-dir {root} failed: {output}")
    print(f"# netplan generate for {len(roots)} servers took {time.monotonic() - started:.1f}s")


def apply_namespace_server(server: dict, seed_dir: Path, root: Path, evidence: Path) -> None:
    """A namespace server, configured only from its own rendered seed (not from cloud-init)."""
    ns = server["namespace"]
    networkd_dir = root / "run/systemd/network"
    # sysctl first, as at boot (systemd-sysctl runs before networkd creates the tunnels): new
    # devices then inherit the rendered net.ipv4.conf.default.* values
    commands = []
    for path, content in sysctl_files((seed_dir / "user-data").read_text()):
        local = root / path.lstrip("/")
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(content)
        commands.append(["sysctl", "-p", str(local)])
    networkd_commands, unknown = networkd_apply.plan(networkd_dir)
    commands += networkd_commands
    evidence.mkdir(parents=True, exist_ok=True)
    for unit in sorted(networkd_dir.glob("*")):
        (evidence / f"networkd-{unit.name}").write_text(unit.read_text())
    with (evidence / "configured-by.txt").open("w") as log:
        log.write(
            f"# {server['name']}: netns {ns}, rendered seed {seed_dir}, variant "
            f"{server['variant']}\n# netplan generate --root-dir {root}, then:\n"
        )
        for cmd in commands:
            log.write(" ".join(cmd) + "\n")
            sh(cmd, ns=ns)
        for key in unknown:
            log.write(f"# not applied (unknown to the translator): {key}\n")


def wait_for(description: str, predicate, timeout: float = 60) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {description}")
        time.sleep(0.5)
    took = time.monotonic() - started
    print(f"# waited {took:.1f}s for {description}")
    return took
