"""netplan v2 for a DSR real server: static ethernet plus named tunnels holding the VIPs: dsr4
(IP-in-IP) and dsr6 (ip6ip6) for IP-in-IP services, dsr4gre (GRE) for GRE services.

Why named tunnels: `tunl0`/`ip6tnl0` are the kernel's fallback devices, created when the module
loads, so networkd finds them existing and silently ignores `local`. `local` is always set (netplan
0.106 requires it, and ip6tnl with local and remote both "any" is ignored by networkd < 257);
`remote` is the null address, i.e. any load balancer / Service Engine source.

Why the MSS settings: the load balancer adds 20 (IPv4) or 40 (IPv6) bytes of outer header, and
PMTUD cannot fix that path, so the server must advertise a small enough MSS. The SYN-ACK MSS comes
from the route back to the client (the default route): on 22.04 (netplan 0.104-0.107) a
route `mtu`, from which the kernel derives advmss = mtu - 40 (v4) / mtu - 60 (v6); on 24.04
(netplan >= 1.1 in noble-updates) the route key `advertised-mss`. At a 1500-byte underlay both
give 1440 (v4) and 1400 (v6).

GRE: the Service Engine's delivery header is the outer IPv4 header (20) plus the base GRE header
(RFC 2784, 4 bytes: flags/version + protocol type). Avi's DsrProfile (Swagger 22.1.4 and 30.2.1)
offers only `dsr_type` and `dsr_encap_type`, with no GRE key, checksum or sequence option, so the
tunnel is rendered without keys and without checksums: Linux drops a GRE packet whose checksum
flag differs from the tunnel's (`ip_tunnel_rcv`, counted as rx_crc_errors) and matches keys
exactly (`ip_tunnel_lookup`). That is 24 bytes of overhead, so a server holding a GRE VIP gets
route mtu = underlay - 24 (advmss 1436 at 1500) or advertised-mss 1436: the default route is
shared by every VIP, so it carries the smaller budget whenever GRE is present.

An RFC 2473 Encapsulation Limit option (8 bytes, which Linux ip6tnl adds when it encapsulates)
is not budgeted: an encapsulator that adds it needs 8 more bytes.

Caveat for 24.04: `advertised-mss` needs netplan >= 1.1 (noble-updates). 0.106 rejects the whole
file ("unknown key 'advertised-mss'", tested) and 1.0 (24.04 GA) predates the key, so 24.04
templates must carry the updated netplan. The brownfield tunnels-only file has no routes and is
not affected: existing servers get the same numbers from an nftables clamp instead (`mss.py`).
Without a gateway there is no default route to carry the MSS setting at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from avi_dsr.server.spec import IPAddress, IPInterface, ServerSpec

IPV4_OUTER_HEADER = 20
IPV6_OUTER_HEADER = 40
GRE_HEADER = 4  # RFC 2784 base header: no key, checksum or sequence number
GRE_TUNNEL = "dsr4gre"
IPV4_HEADER = 20
IPV6_HEADER = 40
TCP_HEADER = 20
DEFAULT_UNDERLAY_MTU = 1500


def ipv4_overhead(*, gre: bool = False) -> int:
    """Bytes the load balancer adds in front of an inner IPv4 packet: IPIP 20, GRE 24."""
    return IPV4_OUTER_HEADER + (GRE_HEADER if gre else 0)


def route_mtu4(underlay_mtu: int, *, gre: bool = False) -> int:
    """22.04 v4 default-route MTU: the outer header (IPIP, or IPv4 + GRE) must still fit."""
    return underlay_mtu - ipv4_overhead(gre=gre)


def route_mtu6(underlay_mtu: int) -> int:
    """22.04 v6 default-route MTU: the outer IPv6 header must still fit in the underlay."""
    return underlay_mtu - IPV6_OUTER_HEADER


def advertised_mss4(underlay_mtu: int, *, gre: bool = False) -> int:
    """24.04 v4 `advertised-mss`: underlay - outer header - inner IPv4 - TCP (1440 at 1500 for
    IP-in-IP, 1436 for GRE)."""
    return underlay_mtu - ipv4_overhead(gre=gre) - IPV4_HEADER - TCP_HEADER


def advertised_mss6(underlay_mtu: int) -> int:
    """24.04 v6 `advertised-mss`: underlay - outer IPv6 - inner IPv6 - TCP (1400 at 1500)."""
    return underlay_mtu - IPV6_OUTER_HEADER - IPV6_HEADER - TCP_HEADER


def netplan_config(spec: ServerSpec, *, tunnels_only: bool = False) -> dict[str, Any]:
    """The netplan v2 mapping (the value under `network:`), in a fixed key order.

    `tunnels_only` leaves out the ethernet and the global renderer so an existing server's own
    netplan files keep owning them (a later file's `renderer` would override theirs).
    """
    config: dict[str, Any] = {"version": 2}
    if not tunnels_only:
        config["renderer"] = "networkd"
        config["ethernets"] = {spec.interface: _ethernet(spec)}
    tunnels = _tunnels(spec)
    if tunnels:
        config["tunnels"] = tunnels
    return config


def render_netplan(spec: ServerSpec, *, tunnels_only: bool = False) -> str:
    """Return a netplan YAML file (`network:` at the top) for `spec`."""
    return dump_yaml({"network": netplan_config(spec, tunnels_only=tunnels_only)})


def dump_yaml(data: Any) -> str:
    """Stable YAML: insertion order kept, block style, no aliases, no line wrapping."""
    return yaml.dump(
        data,
        Dumper=_NoAliasDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=False,
        width=1_000_000,
    )


class _NoAliasDumper(yaml.SafeDumper):
    """SafeDumper without `&id001` anchors; multi-line strings as readable `|` blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_NoAliasDumper.add_representer(str, _represent_str)


def _ethernet(spec: ServerSpec) -> dict[str, Any]:
    ethernet: dict[str, Any] = {"dhcp4": False, "dhcp6": False, "accept-ra": False}
    addresses = [str(a) for a in (spec.ipv4, spec.ipv6) if a is not None]
    ethernet["addresses"] = addresses
    routes = _default_routes(spec)
    if routes:
        ethernet["routes"] = routes
    nameservers: dict[str, Any] = {}
    if spec.dns:
        nameservers["addresses"] = [str(server) for server in spec.dns]
    if spec.search:
        nameservers["search"] = list(spec.search)
    if nameservers:
        ethernet["nameservers"] = nameservers
    if spec.underlay_mtu != DEFAULT_UNDERLAY_MTU:
        # the NIC must receive encapsulated packets as large as the underlay carries
        ethernet["mtu"] = spec.underlay_mtu
    return ethernet


def _default_routes(spec: ServerSpec) -> list[dict[str, Any]]:
    routes: list[dict[str, Any]] = []
    if spec.gateway4 is not None:
        route: dict[str, Any] = {"to": "default", "via": str(spec.gateway4)}
        route.update(_mss_keys(spec, 4))
        routes.append(route)
    if spec.gateway6 is not None:
        route = {"to": "::/0", "via": str(spec.gateway6)}
        if spec.gateway6.is_link_local:
            route["on-link"] = True
        route.update(_mss_keys(spec, 6))
        routes.append(route)
    return routes


def _mss_keys(spec: ServerSpec, family: int) -> dict[str, int]:
    """One default route per family serves every VIP: with any GRE VIP, GRE's smaller budget."""
    mtu, gre = spec.underlay_mtu, spec.needs_gre
    if spec.ubuntu_release == "22.04":
        return {"mtu": route_mtu4(mtu, gre=gre) if family == 4 else route_mtu6(mtu)}
    return {
        "advertised-mss": advertised_mss4(mtu, gre=gre) if family == 4 else advertised_mss6(mtu)
    }


def _tunnels(spec: ServerSpec) -> dict[str, Any]:
    tunnels: dict[str, Any] = {}
    if spec.vips4 and spec.ipv4 is not None:
        tunnels["dsr4"] = _tunnel("ipip", spec.ipv4, "0.0.0.0", spec.vips4)
    if spec.vips6 and spec.ipv6 is not None:
        tunnels["dsr6"] = _tunnel("ip6ip6", spec.ipv6, "::", spec.vips6)
    if spec.gre_vips4 and spec.ipv4 is not None:
        # no keys and no checksums: exactly what the Service Engine sends (see module docstring)
        tunnels[GRE_TUNNEL] = _tunnel("gre", spec.ipv4, "0.0.0.0", spec.gre_vips4)
    return tunnels


def _tunnel(mode: str, own: IPInterface, remote: str, vips: Sequence[IPAddress]) -> dict[str, Any]:
    """One named tunnel: local = the server's address, each VIP a host address (/32, /128)."""
    return {
        "mode": mode,
        "local": str(own.ip),
        "remote": remote,
        "link-local": [],
        "addresses": [f"{vip}/{own.max_prefixlen}" for vip in vips],
    }
