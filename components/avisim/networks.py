"""Cloud networks: the seeds given on the command line, and address arithmetic on the Avi shapes
(``IpAddr {addr, type}``, ``IpAddrPrefix {ip_addr, mask}``, ``IpAddrRange {begin, end}``; Swagger
``Network.json``).

A vCenter cloud discovers its port groups as networks with subnets; the seeds play that part
(defaults cover the documentation ranges the stacks use).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class SubnetSeed:
    prefix: IpNetwork
    vip_range: tuple[IpAddress, IpAddress] | None = None


@dataclass(frozen=True)
class NetworkSeed:
    """A network to create at start: ``NAME=CIDR[@BEGIN-END][,CIDR[@BEGIN-END]...]``; the
    optional range is a static pool for VIPs (Avi IPAM allocates from it)."""

    name: str
    subnets: tuple[SubnetSeed, ...] = field(default_factory=tuple)

    def body(self) -> dict[str, Any]:
        """The /api/network body that creates it (Network.configured_subnets, StaticIpRange)."""
        subnets = []
        for subnet in self.subnets:
            entry: dict[str, Any] = {"prefix": prefix_body(subnet.prefix)}
            if subnet.vip_range:
                begin, end = subnet.vip_range
                entry["static_ip_ranges"] = [
                    {
                        "type": "STATIC_IPS_FOR_VIP",
                        "range": {"begin": addr_body(begin), "end": addr_body(end)},
                    }
                ]
            subnets.append(entry)
        return {"name": self.name, "configured_subnets": subnets, "dhcp_enabled": False}


DEFAULT_NETWORK_SPECS: tuple[str, ...] = (
    "vip-network=203.0.113.0/24@203.0.113.100-203.0.113.199",
    "server-network=198.51.100.0/24",
    "ipv6-network=2001:db8::/32@2001:db8:100::100-2001:db8:100::1ff",
    "lab-network=192.0.2.0/24",
)


def parse_network_spec(text: str) -> NetworkSeed:
    """``vip-network=203.0.113.0/24@203.0.113.100-203.0.113.199`` -> NetworkSeed (ValueError
    naming the mistake otherwise)."""
    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise ValueError(f"--network {text!r}: write NAME=CIDR[@BEGIN-END][,CIDR...]")
    subnets = []
    for part in rest.split(","):
        cidr, _, span = part.strip().partition("@")
        try:
            prefix = ipaddress.ip_network(cidr, strict=True)
        except ValueError as exc:
            raise ValueError(f"--network {text!r}: {cidr!r} is not a subnet ({exc})") from None
        vip_range = _parse_range(text, prefix, span) if span else None
        subnets.append(SubnetSeed(prefix, vip_range))
    return NetworkSeed(name.strip(), tuple(subnets))


def default_networks() -> list[NetworkSeed]:
    return [parse_network_spec(spec) for spec in DEFAULT_NETWORK_SPECS]


def _parse_range(text: str, prefix: IpNetwork, span: str) -> tuple[IpAddress, IpAddress]:
    begin_text, dash, end_text = span.partition("-")
    try:
        begin, end = ipaddress.ip_address(begin_text), ipaddress.ip_address(end_text)
    except ValueError:
        begin = end = None
    if not dash or begin is None or end is None or begin > end:
        raise ValueError(f"--network {text!r}: {span!r} is not a range like BEGIN-END")
    if begin not in prefix or end not in prefix:
        raise ValueError(f"--network {text!r}: range {span} is not inside {prefix}")
    return begin, end


# ---- the Avi shapes ------------------------------------------------------------------------


def addr_body(address: IpAddress) -> dict[str, str]:
    return {"addr": str(address), "type": "V4" if address.version == 4 else "V6"}


def prefix_body(prefix: IpNetwork) -> dict[str, Any]:
    return {"ip_addr": addr_body(prefix.network_address), "mask": prefix.prefixlen}


def address_of(ip: Any) -> IpAddress | None:
    """``{"addr": "10.0.0.1", "type": "V4"}`` -> the address; None when absent or not an IP."""
    if not isinstance(ip, Mapping) or not isinstance(ip.get("addr"), str):
        return None
    try:
        return ipaddress.ip_address(ip["addr"])
    except ValueError:
        return None


def prefix_of(prefix: Any) -> IpNetwork | None:
    """``{"ip_addr": {...}, "mask": 24}`` -> the network (host bits ignored); None if invalid."""
    if not isinstance(prefix, Mapping):
        return None
    address = address_of(prefix.get("ip_addr"))
    mask = prefix.get("mask")
    if address is None or not isinstance(mask, int) or isinstance(mask, bool):
        return None
    try:
        return ipaddress.ip_network(f"{address}/{mask}", strict=False)
    except ValueError:
        return None


def configured_prefixes(network: Mapping[str, Any]) -> Iterator[IpNetwork]:
    for subnet in network.get("configured_subnets") or []:
        prefix = prefix_of(subnet.get("prefix")) if isinstance(subnet, Mapping) else None
        if prefix is not None:
            yield prefix


def network_holds(network: Mapping[str, Any], address: IpAddress) -> bool:
    return any(address in prefix for prefix in configured_prefixes(network))


def subnet_problems(network: Mapping[str, Any]) -> list[str]:
    """Prefixes that are not subnets and static ranges outside their subnet. The IPAM docs
    (Avi 22.1 Installation Guide, "IPAM Provider"): addresses come "from a pool of IP addresses
    within the subnet configured"."""
    problems = []
    for index, subnet in enumerate(network.get("configured_subnets") or []):
        where = f"configured_subnets[{index}]"
        prefix = prefix_of(subnet.get("prefix"))
        if prefix is None:
            problems.append(f"{where}.prefix is not a valid subnet")
            continue
        for r_index, static in enumerate(subnet.get("static_ip_ranges") or []):
            span = static.get("range") or {}
            begin, end = address_of(span.get("begin")), address_of(span.get("end"))
            if begin is None or end is None or begin.version != end.version or begin > end:
                problems.append(f"{where}.static_ip_ranges[{r_index}].range is not a range")
            elif begin not in prefix or end not in prefix:
                problems.append(
                    f"{where}.static_ip_ranges[{r_index}].range {begin}-{end} is not inside "
                    f"the subnet {prefix}"
                )
    return problems


def vip_ranges(subnet: Mapping[str, Any]) -> Iterator[tuple[IpAddress, IpAddress]]:
    """Static ranges usable for VIPs (StaticIpRange.type VIP or VIP_AND_SE, the default)."""
    for static in subnet.get("static_ip_ranges") or []:
        if static.get("type", "STATIC_IPS_FOR_VIP_AND_SE") == "STATIC_IPS_FOR_SE":
            continue
        span = static.get("range") or {}
        begin, end = address_of(span.get("begin")), address_of(span.get("end"))
        if begin is not None and end is not None and begin <= end:
            yield begin, end


def first_free(
    ranges: Sequence[tuple[IpAddress, IpAddress]], used: set[IpAddress]
) -> IpAddress | None:
    """The lowest address of ``ranges`` not in ``used``."""
    for begin, end in ranges:
        current = begin
        while current <= end:
            if current not in used:
                return current
            current += 1
    return None
