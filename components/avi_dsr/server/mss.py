"""nftables MSS clamp for existing servers: SYN-ACKs sent from a VIP advertise what fits the tunnel.

Why: the load balancer adds an outer header (20 bytes IPv4, 40 bytes IPv6, 24 for IPv4 + GRE)
and PMTUD cannot repair that path, so the MSS the server advertises must leave room for it. New
VMs get that from their full netplan (route `mtu` on 22.04, `advertised-mss` on 24.04, see
`netplan.py`). An existing server keeps its own ethernet and routes (the tunnels-only netplan
leaves them alone on purpose), so nothing there limits the MSS: full-size client segments
(uploads, large requests) no longer fit once encapsulated and blackhole. (Replies leave
directly, not through the tunnel.)

The fix for that path is an nftables table of our own, `inet avi_dsr`: in the `output` hook at
mangle priority it lowers the MSS option of outgoing SYN-ACKs whose source is one of the server's
VIPs to the same budget the netplan renderer uses (`advertised_mss4/6`: 1440 / 1400 at a 1500-byte
underlay). Traffic from the server's own addresses is never touched. The ruleset declares, deletes
and re-creates the table in one file, which `nft -f` applies as one atomic transaction, so every
load gives the same result and other tables (ufw, firewalld, docker) are left alone.

VMs do not get it: their routes already carry the MSS setting, and one mechanism per path keeps
"which knob set this MSS?" answerable. `avi-dsr-mss.service` loads the ruleset at boot, before
`network-pre.target` (so before the tunnels hold the VIPs), and after `nftables.service`, whose
stock `/etc/nftables.conf` starts with `flush ruleset`; `PartOf=` re-loads us when that unit is
restarted. The apply script also re-loads the table whenever it finds it missing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from avi_dsr.server.netplan import advertised_mss4, advertised_mss6
from avi_dsr.server.paths import MSS_RULESET_PATH, MSS_UNIT, MSS_UNIT_PATH
from avi_dsr.server.spec import ServerSpec

MSS_TABLE_FAMILY = "inet"
MSS_TABLE_NAME = "avi_dsr"
MSS_TABLE = f"{MSS_TABLE_FAMILY} {MSS_TABLE_NAME}"
MSS_CHAIN = "mss_clamp"
NFT_BINARY = "/usr/sbin/nft"  # Debian/Ubuntu path; units need an absolute ExecStart


def needs_mss_clamp(spec: ServerSpec) -> bool:
    """True when the server holds any VIP, i.e. sends SYN-ACKs that come back through a tunnel."""
    return bool(spec.vips4 or spec.vips6 or spec.gre_vips4)


def mss_clamps(spec: ServerSpec) -> tuple[tuple[str, tuple[str, ...], int], ...]:
    """(nft address keyword, VIPs, MSS) per tunnel type that has VIPs: IP-in-IP v4, ip6ip6, GRE.

    The MSS numbers come from the netplan renderer's `advertised_mss4/6`: one budget, one place.
    Unlike a route, a clamp matches the VIP, so GRE VIPs get GRE's budget and the others keep
    theirs.
    """
    clamps: list[tuple[str, tuple[str, ...], int]] = []
    if spec.vips4:
        clamps.append(("ip", _texts(spec.vips4), advertised_mss4(spec.underlay_mtu)))
    if spec.vips6:
        clamps.append(("ip6", _texts(spec.vips6), advertised_mss6(spec.underlay_mtu)))
    if spec.gre_vips4:
        mss = advertised_mss4(spec.underlay_mtu, gre=True)
        clamps.append(("ip", _texts(spec.gre_vips4), mss))
    return tuple(clamps)


def render_mss_ruleset(spec: ServerSpec) -> str:
    """Content of /etc/avi-dsr/mss.nft: replaces table `inet avi_dsr` atomically on every load.

    A spec without VIPs renders a table with an empty chain; `server_files` ships no clamp then.
    """
    rules = [
        f"\t\t{keyword} saddr {{ {', '.join(vips)} }} tcp flags & (syn | ack) == syn | ack "
        f"tcp option maxseg size > {mss} tcp option maxseg size set {mss}"
        for keyword, vips, mss in mss_clamps(spec)
    ]
    lines = [
        f"#!{NFT_BINARY} -f",
        f"# avi-dsr: TCP MSS clamp of {spec.name} (generated; do not edit), loaded by {MSS_UNIT}.",
        "# SYN-ACKs from a VIP advertise at most what still fits the tunnel at underlay MTU "
        f"{spec.underlay_mtu}.",
        "",
        "# declare, delete, re-create: one atomic transaction, idempotent on every load",
        f"table {MSS_TABLE}",
        f"delete table {MSS_TABLE}",
        "",
        f"table {MSS_TABLE} {{",
        f"\tchain {MSS_CHAIN} {{",
        "\t\ttype filter hook output priority mangle; policy accept;",
        *rules,
        "\t}",
        "}",
    ]
    return "\n".join(lines) + "\n"


def render_mss_unit(spec: ServerSpec) -> str:
    """Content of /etc/systemd/system/avi-dsr-mss.service (oneshot, stays active after loading).

    Ordered like Debian's nftables.service (no default dependencies, before network-pre) so the
    clamp is in place before networkd brings up the tunnels; ExecStop drops only our table.
    """
    return "\n".join(
        [
            f"# avi-dsr: load the TCP MSS clamp of {spec.name} (generated; do not edit).",
            "[Unit]",
            "Description=avi-dsr: clamp the TCP MSS advertised from L3 DSR VIPs",
            f"Documentation=file:{MSS_RULESET_PATH}",
            "DefaultDependencies=no",
            "Wants=network-pre.target",
            "Before=network-pre.target shutdown.target",
            "After=nftables.service",
            "PartOf=nftables.service",
            "Conflicts=shutdown.target",
            "",
            "[Service]",
            "Type=oneshot",
            "RemainAfterExit=yes",
            f"ExecStart={NFT_BINARY} -f {MSS_RULESET_PATH}",
            f"ExecReload={NFT_BINARY} -f {MSS_RULESET_PATH}",
            f"ExecStop=-{NFT_BINARY} delete table {MSS_TABLE}",
            "",
            "[Install]",
            "WantedBy=sysinit.target",
            "",
        ]
    )


def mss_files(spec: ServerSpec) -> dict[str, tuple[str, str]]:
    """path -> (mode, content) of the clamp; empty when the server holds no VIP."""
    if not needs_mss_clamp(spec):
        return {}
    return {
        MSS_RULESET_PATH: ("0644", render_mss_ruleset(spec)),
        MSS_UNIT_PATH: ("0644", render_mss_unit(spec)),
    }


def _texts(addresses: Sequence[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> tuple[str, ...]:
    return tuple(str(address) for address in addresses)
