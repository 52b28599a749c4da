"""DSR rules that need no controller: each returns why a combination cannot work, or None.

Pure functions shared by the stack-config readers (which name the config key) and the
components (which name their argument), so each rule and its wording live here once. Rules that
need the controller's facts (version, edition, cloud type) are in :mod:`avi_dsr.preflight`.
Every rule cites where Avi documents it.
"""

from __future__ import annotations

from avi_dsr.versions import MIN_GRE_VERSION, MIN_IPV6_DSR_VERSION, is_older

# Monitor types per service protocol. A TCP or HTTP monitor of a UDP service checks a listener
# clients never use, and a UDP probe of a TCP service checks nothing the clients use either.
# Avi monitor types: HealthMonitor.type "Enum options - HEALTH_MONITOR_PING, _TCP, _HTTP, ...,
# _UDP, _DNS, ..." [Swagger HealthMonitor.json 22.1.4 and 30.2.1].
MONITOR_TYPES: dict[str, tuple[str, ...]] = {"tcp": ("tcp", "http"), "udp": ("udp", "dns")}
MONITOR_TYPE_NAMES = {
    "tcp": "HEALTH_MONITOR_TCP",
    "http": "HEALTH_MONITOR_HTTP",
    "udp": "HEALTH_MONITOR_UDP",
    "dns": "HEALTH_MONITOR_DNS",
}


def syn_protection_problem(protocol: str, syn_protection: bool) -> str | None:
    """SYN protection makes the Service Engine complete the handshake before it forwards
    anything [Swagger TCPFastPathProfile.enable_syn_protection: "Avi will complete the 3-way
    handshake with the client before forwarding any packets to the server"]; with DSR the
    server's SYN-ACK goes straight to the client and never reaches the SE [docs DSR overview,
    22.1 and 30.2: "The return path to the client does not flow back through the load
    balancer"], so no connection would ever open."""
    if not syn_protection:
        return None
    if protocol != "tcp":
        return "only applies to TCP services; remove it"
    return (
        "SYN protection cannot work with DSR: the Service Engine would have to complete the "
        "handshake, but the server's SYN-ACK goes straight to the client; remove it (or set false)"
    )


def mixed_family_problem() -> str:
    """A dual-stack VIP with one pool of IPv4 and IPv6 servers: Avi's consistent hash can send
    a flow to a server of the other family, whose tunnel cannot carry it. Avi documents no
    mixed-family DSR pool [docs DSR overview 18.2-30.2, "Layer 3 DSR" 30.2: IPv4, and IPv6
    from 30.2.1, never both in one pool]."""
    return (
        "one service cannot have both vip and vip6: its pool would mix IPv4 and IPv6 servers "
        "and Avi's consistent hash can send a flow to a server of the other family (Avi does not "
        "document mixed-family DSR pools); make two services, e.g. 'web' with vip and 'web6' "
        "with vip6, listing the same servers"
    )


def monitor_type_problem(protocol: str, monitor_type: str) -> str | None:
    """A UDP service needs a UDP-appropriate monitor, a TCP service a TCP one."""
    allowed = MONITOR_TYPES[protocol]
    if monitor_type in allowed:
        return None
    choices = " or ".join(f"{t} ({MONITOR_TYPE_NAMES[t]})" for t in allowed)
    return (
        f"a {protocol.upper()} service needs a {protocol.upper()} monitor: {choices}; "
        f"a {monitor_type} monitor checks a listener the clients do not use"
    )


def ipv6_version_problem(api_version: str) -> str | None:
    """IPv6 L3 DSR from 30.2.1 [avi_dsr.versions.MIN_IPV6_DSR_VERSION]."""
    if not is_older(api_version, MIN_IPV6_DSR_VERSION):
        return None
    return (
        f"IPv6 L3 DSR needs Avi {MIN_IPV6_DSR_VERSION} or later (Avi {api_version} supports DSR "
        "for IPv4 only)"
    )


def gre_version_problem(api_version: str) -> str | None:
    """GRE encapsulation from 21.1.4 [avi_dsr.versions.MIN_GRE_VERSION]."""
    if not is_older(api_version, MIN_GRE_VERSION):
        return None
    return f"GRE encapsulation needs Avi {MIN_GRE_VERSION} or later (apiVersion is {api_version})"


def routed_l2_problem(dsr_type: str, routed_servers: bool) -> str | None:
    """L2 DSR rewrites only MAC addresses, so servers must share a layer-2 segment with the
    Service Engines [docs DSR overview: "Layer 2 DSR: MAC-based translation"; only L3 DSR's
    tunnel reaches servers "a router hop(s) away"]."""
    if dsr_type == "L2" and routed_servers:
        return (
            "routed servers need L3 DSR: L2 DSR rewrites MAC addresses and reaches only servers "
            "on a Service Engine's own segment; use dsrType L3 or remove routedServers"
        )
    return None
