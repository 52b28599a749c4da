"""Turns the measurements the scenario collected (facts) into the lab's checks 0-10.

Pure: facts in, results out. The host-side tests feed it tables of facts, so every threshold here
is tested to fail as well as to pass. Each result names its check number; check 7 has one result
per negative control. Check 0 is the precondition for the rest: cloud-init took the rendered
config without complaint, as a real VM's first boot must.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

MAX_LB_SHARE = 0.01  # bytes through the LB / bytes received by the client
# counters only (no capture on the LB in check 10): the LB's rx holds the request direction
# (the client's ACKs, measured 1-2 % of a download), a reply through the LB would be >= 100 %
MAX_LB_RX_SHARE = 0.10
MIN_DOWNLOAD = 1 << 20
# what a 1500-byte underlay leaves for TCP: IP-in-IP 1500-20-40, ip6ip6 1500-40-60 and
# GRE 1500-(20+4)-40 (avi_dsr.server.netplan); fixed numbers here, not the renderer's functions
MSS_LIMIT = {"v4": 1440, "v6": 1400, "gre": 1436}
FAMILY_NAMES = {"v4": "IPv4 IP-in-IP", "v6": "IPv6 ip6ip6", "gre": "IPv4 GRE"}


@dataclass
class Result:
    check: int
    name: str
    passed: bool | None  # None = skipped (e.g. no IPv6 VIP in the render)
    detail: str
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _verdict(check: int, name: str, problems: list[str], detail: str) -> Result:
    return Result(check, name, not problems, detail, problems)


def cloud_init_clean(facts: dict) -> Result:
    """Check 0: cloud-init finished, with no error, no warning and a valid cloud-config."""
    boot = facts["cloud_init"]
    problems = []
    if boot["status"] != "done" or boot["status_rc"] != 0:
        problems.append(f"cloud-init status {boot['status']!r} (rc {boot['status_rc']})")
    if boot["schema_rc"] != 0:
        problems.append(f"cloud-init schema --system rejected the config: {boot['schema']}")
    problems += [f"cloud-init.log: {line}" for line in boot["log_warnings"]]
    detail = (
        f"status {boot['status']}; schema: {boot['schema'] or 'rc ' + str(boot['schema_rc'])}; "
        f"{len(boot['log_warnings'])} warnings or errors in cloud-init.log"
    )
    return _verdict(0, "cloud-init-clean", problems, detail)


def download_dsr(check: int, family: str, fam: dict) -> Result:
    """Checks 1 (v4) and 2 (v6): download through the VIP; the LB sees only the requests."""
    problems = []
    curl, pcap = fam["curl"], fam["pcap"]
    if curl.get("code") != 200 or curl.get("size", 0) < MIN_DOWNLOAD:
        problems.append(f"download failed: HTTP {curl.get('code')} {curl.get('size', 0)} bytes")
    client_rx = fam["client_rx_bytes"]
    returned = fam["lb_return_bytes"]  # bytes addressed to the client seen on the LB's NIC
    share = returned / client_rx if client_rx else 1.0
    if share >= MAX_LB_SHARE:
        problems.append(
            f"{returned} B towards the client crossed the LB = {share:.2%} of the "
            f"{client_rx} B the client got"
        )
    if pcap["lb_src_vip"]:
        problems.append(f"{pcap['lb_src_vip']} packets with source = VIP crossed the LB")
    if not pcap["server_plain_replies_from_vip"]:
        problems.append("server sent no unencapsulated reply with source = VIP")
    if pcap["server_encapsulated_out"]:
        problems.append(f"server sent {pcap['server_encapsulated_out']} encapsulated packets")
    if not pcap["client_from_vip"]:
        problems.append("client saw no packet from the VIP")
    detail = (
        f"HTTP {curl.get('code')} {curl.get('size', 0)} B in {curl.get('time', 0):.1f}s; "
        f"return bytes via LB {returned} B / client rx {client_rx} B = {share:.3%} "
        f"(LB rx {fam['lb_rx_bytes']} B: request direction); "
        f"LB packets src=VIP {pcap['lb_src_vip']}; server plain replies src=VIP "
        f"{pcap['server_plain_replies_from_vip']}; server encapsulated out "
        f"{pcap['server_encapsulated_out']}; encapsulated in {pcap['server_encapsulated_in']}"
    )
    return _verdict(check, f"{family}-dsr-download", problems, detail)


def pool(facts: dict) -> Result:
    """Check 3: every pool server of each service answered, and received through its tunnels."""
    problems = []
    for family, answers in facts["pool"]["answers"].items():
        expected = set(facts["pool"]["servers"][family])
        seen = {a for a in answers if a}
        if seen != expected:
            problems.append(f"{family}: answers from {sorted(seen)}, expected {sorted(expected)}")
    for name, rx in facts["pool"]["tunnel_rx_packets"].items():
        if rx <= 0:
            problems.append(f"{name}: its tunnel received nothing")
    detail = "; ".join(f"{fam}: {answers}" for fam, answers in facts["pool"]["answers"].items())
    detail += f"; tunnel rx packets {facts['pool']['tunnel_rx_packets']}"
    return _verdict(3, "several-servers", problems, detail)


def named_tunnel(facts: dict) -> Result:
    """Check 4: the rendered, named tunnel with local set is what receives the traffic."""
    problems = []
    parts = []
    for tun in facts["tunnels"]:
        name = tun["name"]
        if name in ("tunl0", "ip6tnl0"):
            problems.append(f"{name}: the rendered tunnel is the kernel fallback device")
        if tun["local"] != tun["expected_local"]:
            problems.append(f"{name}: local is {tun['local']}, expected {tun['expected_local']}")
        if tun["rx_packets"] <= 0:
            problems.append(f"{name}: received no packets during the download")
        if tun["fallback_rx_packets"]:
            problems.append(f"{tun['fallback']}: received {tun['fallback_rx_packets']} packets")
        crossed = {o: n for o, n in tun.get("other_tunnels_rx_packets", {}).items() if n}
        if crossed:
            problems.append(
                f"{tun['family']} traffic also arrived on {crossed}: a VIP is on the tunnel of "
                "another encapsulation"
            )
        parts.append(
            f"{name} ({tun['kind']}, local {tun['local']}) rx {tun['rx_packets']} pkts, "
            f"{tun['fallback']} rx {tun['fallback_rx_packets']}"
        )
    if not facts["tunnels"]:
        problems.append("the rendered config has no tunnels")
    return _verdict(4, "named-tunnel-receives", problems, "; ".join(parts))


def no_vip_neighbour_traffic(facts: dict) -> Result:
    """Check 5: the server never uses the VIP as ARP/NDP sender (probes for the VIP included)."""
    pcap = facts["neighbour"]
    problems = []
    if pcap["arp_sender_vip"]:
        problems.append(f"{pcap['arp_sender_vip']} ARP packets with sender = VIP")
    if pcap.get("ndp_from_vip"):
        problems.append(f"{pcap['ndp_from_vip']} NDP packets with source = VIP6")
    if pcap.get("na_for_vip"):
        problems.append(f"{pcap['na_for_vip']} neighbour advertisements for VIP6")
    if not pcap["arp_probe_seen"]:
        problems.append("the who-has-VIP probe never reached the server: check inconclusive")
    if not pcap["arp_own_sender"]:
        problems.append("the server sent no ARP at all: check inconclusive")
    detail = ", ".join(f"{k} {v}" for k, v in pcap.items())
    return _verdict(5, "no-arp-ndp-from-vip", problems, detail)


def mtu(facts: dict) -> Result:
    """Check 6: transfers bigger than the path MTU survive the encapsulation without PMTU help."""
    problems, parts = [], []
    for family, m in facts["mtu"].items():
        up, down = m["upload"], m["download"]
        if up.get("code") != 200 or up.get("received") != m["upload_size"]:
            problems.append(f"{family}: upload of {m['upload_size']} B failed: {up}")
        if down.get("code") != 200 or down.get("size", 0) < MIN_DOWNLOAD:
            problems.append(f"{family}: download failed: {down}")
        if not m["syn_ack_mss"]:
            problems.append(f"{family}: no SYN-ACK from the VIP captured")
        elif max(m["syn_ack_mss"]) > MSS_LIMIT[family]:
            problems.append(
                f"{family}: server advertised MSS {max(m['syn_ack_mss'])} > {MSS_LIMIT[family]}"
            )
        if m["oversize_encapsulated"]:
            problems.append(f"{family}: {m['oversize_encapsulated']} encapsulated packets > 1500 B")
        parts.append(
            f"{family}: upload {up.get('received')} B HTTP {up.get('code')}, "
            f"download {down.get('size')} B, SYN-ACK MSS {sorted(set(m['syn_ack_mss']))}, "
            f"largest encapsulated {m['largest_encapsulated']} B"
        )
    return _verdict(6, "bigger-than-mtu", problems, "; ".join(parts))


def negative(control: dict) -> Result:
    """Check 7 (and check 6's no-MSS control): a broken render must break the service, though
    the LB really sent that server traffic."""
    problems = []
    curl = control["curl"]
    if curl.get("code") == 200 and curl.get("received", -1) == curl.get("expected", -1):
        problems.append("the service still answered: the control did not fail")
    if control["server_rx_packets"] <= 0:
        problems.append("the LB never delivered to this server: the failure proves nothing")
    detail = (
        f"{control['family']} via {control['server']}: HTTP {control['curl'].get('code')}, "
        f"server NIC rx {control['server_rx_packets']} pkts, kernel counters "
        f"{control['kernel_counters']}"
    )
    if control.get("lb_kernel_counters"):
        detail += f", LB kernel counters {control['lb_kernel_counters']}"
    check = 6 if control["control"] == "no-mss" else 7
    return _verdict(check, f"negative-{control['control']}-{control['family']}", problems, detail)


def udp(facts: dict) -> Result:
    """Check 8: DNS-style UDP request/response through the VIP, replies straight from the VIP."""
    problems, parts = [], []
    for family, u in facts["udp"].items():
        answers = u["answers"]
        bad = [a for a in answers if not a["ok"] or a["from"] != u["expected_from"]]
        if not answers or bad:
            problems.append(
                f"{family}: {len(bad)} of {len(answers)} queries unanswered or not from VIP"
            )
        servers = {a["server"] for a in answers if a["ok"]}
        if servers != set(u["pool"]):
            problems.append(
                f"{family}: answers from {sorted(servers)}, expected {sorted(u['pool'])}"
            )
        if u["lb_src_vip"]:
            problems.append(f"{family}: {u['lb_src_vip']} UDP replies crossed the LB")
        parts.append(
            f"{family}: {len(answers) - len(bad)}/{len(answers)} answered from "
            f"{u['expected_from']} by {sorted(servers)}; server replies src=VIP "
            f"{u['server_replies_from_vip']}"
        )
    return _verdict(8, "udp-service", problems, "; ".join(parts))


def existing_live(facts: dict) -> Result:
    """Check 10: an existing server configured live over SSH by the rendered scripts serves DSR,
    a second apply changes nothing, and remove leaves the host as it was before."""
    live = facts["existing"]
    problems = [
        f"{step} exited {live[step]['rc']}: {live[step]['stderr'][-3:]}"
        for step in ("apply", "reapply", "remove")
        if live[step]["rc"] != 0
    ]
    for family in live["families"]:
        problems += _live_traffic_problems(live, family)
    problems += _live_state_problems(live)
    differ = _removed_differs(live["states"])
    detail = (
        f"{live['server']}: apply rc {live['apply']['rc']} in {live['apply']['seconds']}s, "
        f"re-apply rc {live['reapply']['rc']} in {live['reapply']['seconds']}s, "
        f"remove rc {live['remove']['rc']} in {live['remove']['seconds']}s; "
        + "; ".join(
            f"{f}: {live['traffic'][f]['whoami']} HTTP {live['traffic'][f]['curl'].get('code')} "
            f"LB rx {live['traffic'][f]['lb_rx_bytes']} B / client rx "
            f"{live['traffic'][f]['client_rx_bytes']} B, SYN-ACK MSS "
            f"{sorted(set(live['syn_ack_mss'][f]))}"
            for f in live["families"]
        )
        + f"; state after remove = before: {not differ}"
    )
    return _verdict(10, "existing-server-live-ssh", problems, detail)


def _live_traffic_problems(live: dict, family: str) -> list[str]:
    """DSR through the live-applied server: its answer, returned around the LB, MSS clamped."""
    problems = []
    traffic = live["traffic"][family]
    curl = traffic["curl"]
    if traffic["whoami"] != live["server"]:
        problems.append(f"{family}: answered by {traffic['whoami']!r}, not {live['server']}")
    if curl.get("code") != 200 or curl.get("size", 0) < MIN_DOWNLOAD:
        problems.append(f"{family}: download failed: HTTP {curl.get('code')}")
    received = traffic["client_rx_bytes"]
    share = traffic["lb_rx_bytes"] / received if received else 1
    if share >= MAX_LB_RX_SHARE:
        problems.append(
            f"{family}: the LB received {traffic['lb_rx_bytes']} B for "
            f"{traffic['client_rx_bytes']} B at the client: the reply did not bypass it"
        )
    mss = live["syn_ack_mss"][family]
    if not mss:
        problems.append(f"{family}: no SYN-ACK from the VIP captured on {live['server']}")
    elif max(mss) > MSS_LIMIT[family]:
        problems.append(
            f"{family}: {live['server']} advertised MSS {max(mss)} > {MSS_LIMIT[family]} "
            "(its own routes set none: the MSS clamp did not work)"
        )
    return problems


def _live_state_problems(live: dict) -> list[str]:
    """Apply loads the clamp, re-apply changes nothing, remove restores the host exactly."""
    states = live["states"]
    applied = states["applied"]
    problems = []
    if not applied.get("nft"):
        problems.append("no nftables ruleset after apply: the MSS clamp is not loaded")
    changed = [k for k in applied if k != "rc" and states["reapplied"].get(k) != applied[k]]
    if changed:
        problems.append(f"the second apply changed {changed}")
    if "tunnels already as rendered; netplan not re-applied" not in " ".join(
        live["reapply"]["stdout"]
    ):
        problems.append("the second apply re-applied netplan")
    before, removed = states["before"], states["removed"]
    for key in _removed_differs(states):
        gone = sorted(set(before[key]) - set(removed.get(key, [])))
        extra = sorted(set(removed.get(key, [])) - set(before[key]))
        problems.append(f"after remove, {key} differs from before: -{gone[:3]} +{extra[:3]}")
    if before == applied:
        problems.append("apply changed nothing on the host: the comparison proves nothing")
    answered = [f for f, curl in live["after_remove"].items() if curl.get("code") == 200]
    if answered:
        problems.append(f"after remove the VIPs still answer: {answered}")
    return problems


def _removed_differs(states: dict) -> list[str]:
    before, removed = states["before"], states["removed"]
    return [k for k in before if k != "rc" and removed.get(k) != before[k]]


def skipped(check: int, name: str, why: str) -> Result:
    return Result(check, name, None, why)


def evaluate(facts: dict) -> list[Result]:
    """All checks, in order. A check whose facts are missing fails with the reason."""
    results: list[Result] = []
    steps = [
        (0, "cloud-init-clean", lambda: cloud_init_clean(facts)),
        (1, "v4-dsr-download", lambda: download_dsr(1, "v4", facts["v4"])),
        (
            2,
            "v6-dsr-download",
            lambda: (
                download_dsr(2, "v6", facts["v6"])
                if facts["has_v6_vip"] is not False
                else skipped(2, "v6-dsr-download", "render has no IPv6 VIP")
            ),
        ),
        (3, "several-servers", lambda: pool(facts)),
        (4, "named-tunnel-receives", lambda: named_tunnel(facts)),
        (5, "no-arp-ndp-from-vip", lambda: no_vip_neighbour_traffic(facts)),
        (6, "bigger-than-mtu", lambda: mtu(facts)),
        (
            9,
            "gre-dsr-download",
            lambda: (
                download_dsr(9, "gre", facts["gre"])
                if facts["has_gre_vip"] is not False
                else skipped(9, "gre-dsr-download", "render has no GRE VIP")
            ),
        ),
    ]
    for check, name, step in steps:
        try:
            results.append(step())
        except (KeyError, TypeError, ValueError) as exc:
            results.append(Result(check, name, False, f"missing evidence: {exc!r}", [repr(exc)]))
    controls = facts.get("negative") or []
    if not controls:
        results.append(
            Result(7, "negative-controls", False, "no negative control ran", ["none ran"])
        )
    for control in sorted(controls, key=lambda c: c["control"] != "no-mss"):
        try:
            results.append(negative(control))
        except (KeyError, TypeError) as exc:
            results.append(Result(7, "negative", False, f"missing evidence: {exc!r}", [repr(exc)]))
    for check, name, step in (
        (8, "udp-service", lambda: udp(facts)),
        (10, "existing-server-live-ssh", lambda: existing_live(facts)),
    ):
        try:
            results.append(step())
        except (KeyError, TypeError, ValueError) as exc:
            results.append(Result(check, name, False, f"missing evidence: {exc!r}", [repr(exc)]))
    return results


def summary_line(results: list[Result]) -> str:
    passed = sum(r.passed is True for r in results)
    failed = sum(r.passed is False for r in results)
    skipped_count = sum(r.passed is None for r in results)
    return f"{passed} passed, {failed} failed" + (
        f", {skipped_count} skipped" if skipped_count else ""
    )
