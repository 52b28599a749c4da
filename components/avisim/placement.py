"""Where a virtual service can be placed: VIP networks and pool-server reachability.

Avi places a virtual service on Service Engines that reach its VIP network and its pool servers
("Network Reachability", Avi 30.2 Configuration Guide GUID-895C8CFC...: the SE "must have an
interface in this layer 2 network" for the VIP; for servers an interface or "proper routes").
Placement settings (GUID-C05392E9...): "Virtual service placement fails without a static route to
the remote server". The Swagger names the ways around it:
  VsVip Vip.placement_networks  "Placement networks/subnets to use for vip placement"
  VsVip Vip.ipam_network_subnet "Subnet and/or Network for allocating VirtualService IP"
  VsVip Vip.network_ref         "Manually override the network on which the Vip is placed"
  Pool.placement_networks       "...networks and subnets used to provide reachability to the
                                 pool's servers. ... Use static routes in VRF configuration when
                                 pool servers are not directly connected"
  VirtualService.ign_pool_net_reach "Ignore Pool servers network reachability constraints"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from avisim.networks import IpAddress, address_of, network_holds, prefix_of

Obj = Mapping[str, Any]

# The controller's reason when no network holds the VIP: quoted in vmware/load-balancer-and-
# ingress-services-for-kubernetes PR #1027 ("the VS VIP goes down with the error message
# `No network/subnet matched Virtual Service IP`").
VIP_UNMATCHED = "No network/subnet matched Virtual Service IP"


def vip_addresses(vip: Obj) -> list[IpAddress]:
    found = (address_of(vip.get("ip_address")), address_of(vip.get("ip6_address")))
    return [a for a in found if a is not None]


def vip_is_placed(vip: Obj, networks: Iterable[Obj]) -> bool:
    """A VIP is placed by an explicit placement network, an IPAM/override network, or a cloud
    network whose configured subnet holds each of its addresses."""
    if vip.get("placement_networks"):
        return True
    ipam = vip.get("ipam_network_subnet") or {}
    if ipam.get("network_ref") or vip.get("network_ref"):
        return True
    addresses = vip_addresses(vip)
    networks = list(networks)
    return bool(addresses) and all(any(network_holds(n, a) for n in networks) for a in addresses)


def unreachable_servers(vs: Obj, pool: Obj, networks: Iterable[Obj], vrf: Obj | None) -> list[str]:
    """Enabled servers of ``pool`` no network, pool placement subnet or VRF static route
    reaches (none when the virtual service sets ign_pool_net_reach)."""
    if vs.get("ign_pool_net_reach"):
        return []
    networks = list(networks)
    placement = [prefix_of(p.get("subnet")) for p in pool.get("placement_networks") or []]
    routes = [prefix_of(r.get("prefix")) for r in (vrf or {}).get("static_routes") or []]
    prefixes = [p for p in placement + routes if p is not None]
    unreachable = []
    for server in pool.get("servers") or []:
        address = address_of(server.get("ip"))
        if address is None or not server.get("enabled", True):
            continue
        if any(address in p for p in prefixes) or any(network_holds(n, address) for n in networks):
            continue
        unreachable.append(str(address))
    return unreachable


def unreachable_reason(pool: Obj, addresses: list[str]) -> str:
    """The simulator's wording (the controller's exact text for this case is not published)."""
    listed = ", ".join(addresses)
    return (
        f"Pool {pool.get('name')}: no network/subnet matched server IP {listed}; the Service "
        "Engine cannot reach it (set pool placement_networks, a VRF static route, or the "
        "virtual service's ign_pool_net_reach)"
    )
