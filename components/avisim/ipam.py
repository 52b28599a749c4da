"""Avi IPAM: ``auto_allocate_ip`` on a VsVip takes a free address from a network's static range.

Sources: Avi 22.1 Installation Guide, "IPAM Provider (NSX Advanced Load Balancer)"
(docs.vmware.com .../22.1/Installation_Guide/GUID-D288E821...): addresses come "from a pool of IP
addresses within the subnet configured", the IPAM/DNS profile (Templates > IPAM/DNS Profiles) is
what the cloud uses, its usable networks are the default "if no specific network or subnet is
provided in the virtual service configuration", and "Virtual service creation will fail if the
static IP address pool is empty or exhausted". Swagger: Cloud.ipam_provider_ref "Ipam Profile for
the cloud"; VsVip IPNetworkSubnet.network_ref "Network for VirtualService IP allocation with
Vantage as the IPAM provider. Network should be created before this is configured";
IpamDnsInternalProfile.usable_networks; Vip.auto_allocate_ip_type V4_ONLY | V6_ONLY | V4_V6.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from avisim.errors import ApiError
from avisim.networks import (
    IpAddress,
    addr_body,
    address_of,
    first_free,
    prefix_of,
    vip_ranges,
)

Obj = dict[str, Any]
Lookup = Callable[[str], Mapping[str, Any] | None]
INTERNAL_IPAM = "IPAMDNS_TYPE_INTERNAL"
_FAMILIES = {"V4_ONLY": (4,), "V6_ONLY": (6,), "V4_V6": (4, 6)}
_FIELD = {4: "ip_address", 6: "ip6_address"}
_SUBNET = {4: "subnet", 6: "subnet6"}


def allocate_vips(
    vsvip: Obj,
    previous: Mapping[str, Any] | None,
    lookup: Lookup,
    used: set[IpAddress],
) -> None:
    """Fill ``ip_address`` / ``ip6_address`` of every ``auto_allocate_ip`` VIP that lacks one,
    keeping an earlier allocation of the same VIP (so a PUT without the address is stable)."""
    kept = {v.get("vip_id"): v for v in (previous or {}).get("vip") or []}
    for vip in vsvip.get("vip") or []:
        if not vip.get("auto_allocate_ip"):
            continue
        for family in _FAMILIES.get(vip.get("auto_allocate_ip_type", "V4_ONLY"), (4,)):
            field = _FIELD[family]
            if address_of(vip.get(field)) is not None:
                continue
            earlier = address_of((kept.get(vip.get("vip_id")) or {}).get(field))
            ranges = _ranges(vsvip, vip, family, lookup)
            if earlier is not None and any(b <= earlier <= e for b, e in ranges):
                vip[field] = addr_body(earlier)
                continue
            free = first_free(ranges, used)
            if free is None:
                raise ApiError(
                    400,
                    f"VsVip {vsvip.get('name')}: cannot auto-allocate an IPv{family} VIP: the "
                    "static IP address pool is empty or exhausted",
                )
            used.add(free)
            vip[field] = addr_body(free)


def _ranges(
    vsvip: Mapping[str, Any], vip: Mapping[str, Any], family: int, lookup: Lookup
) -> list[tuple[IpAddress, IpAddress]]:
    profile = _ipam_profile(vsvip, lookup)
    ipam = vip.get("ipam_network_subnet") or {}
    if ipam.get("network_ref"):
        network_refs = [ipam["network_ref"]]
    else:
        usable = (profile.get("internal_profile") or {}).get("usable_networks") or []
        network_refs = [u["nw_ref"] for u in usable if u.get("nw_ref")]
    if not network_refs:
        raise ApiError(
            400,
            f"VsVip {vsvip.get('name')}: auto_allocate_ip needs a network: set "
            "vip[].ipam_network_subnet.network_ref or usable networks in IPAM profile "
            f"{profile.get('name')}",
        )
    wanted = prefix_of(ipam.get(_SUBNET[family]))
    ranges: list[tuple[IpAddress, IpAddress]] = []
    for ref in network_refs:
        network = lookup(ref) or {}
        for subnet in network.get("configured_subnets") or []:
            prefix = prefix_of(subnet.get("prefix"))
            if prefix is None or prefix.version != family:
                continue
            if wanted is not None and prefix != wanted:
                continue
            ranges += list(vip_ranges(subnet))
    return ranges


def _ipam_profile(vsvip: Mapping[str, Any], lookup: Lookup) -> Mapping[str, Any]:
    cloud_ref = vsvip.get("cloud_ref")
    cloud = lookup(cloud_ref) if isinstance(cloud_ref, str) else None
    cloud_name = (cloud or {}).get("name")
    profile_ref = (cloud or {}).get("ipam_provider_ref")
    profile = lookup(profile_ref) if isinstance(profile_ref, str) else None
    if profile is None:
        raise ApiError(
            400,
            f"VsVip {vsvip.get('name')}: auto_allocate_ip needs an IPAM profile on cloud "
            f"{cloud_name} (set the cloud's ipam_provider_ref to an IPAM/DNS profile)",
        )
    if profile.get("type") != INTERNAL_IPAM:
        raise ApiError(
            400,
            f"IPAM profile {profile.get('name')} is {profile.get('type')}; avisim allocates "
            f"only with {INTERNAL_IPAM} (Avi IPAM)",
        )
    return profile
