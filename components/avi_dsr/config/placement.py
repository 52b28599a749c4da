"""Readers for VIP and server placement: ``avi-dsr:placement`` (stack default) and
``services[i].placement`` (per service, key by key over the default).

On a fresh controller a VIP whose subnet no Service Engine network holds stays down with "No
network/subnet matched", and servers routed hops away make placement fail the same way. Avi's
answer is placement: a VsVip placement network and subnet (``vip[].placement_networks``, 18.2.5+)
or IPAM allocation from a network (``vip[].auto_allocate_ip`` + ``ipam_network_subnet``), and
pool placement networks (``pool.placement_networks``) or ``virtualservice.ign_pool_net_reach``
for routed servers [Swagger VsVip.json/Pool.json/VirtualService.json 22.1.4 and 30.2.1; the
public L3 DSR example avinetworks/devops terraform/layer3_dsr/main.tf uses exactly these].
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from avi_dsr.config.fields import (
    IPAddress,
    Problems,
    check_keys,
    describe,
    read_bool,
    read_list,
    read_mapping,
    read_str,
)
from avi_dsr.config.specs import NAMESPACE, IPNetwork, PlacementConfig, ServerNetwork
from avi_dsr.rules import routed_l2_problem

DEFAULT_KEY = f"{NAMESPACE}:placement"
PLACEMENT_KEYS = ("vipNetwork", "vipSubnet", "vip6Subnet", "serverNetworks", "routedServers")
_SUBNET_FAMILY = {"vipSubnet": 4, "vip6Subnet": 6}


@dataclass(frozen=True)
class PlacementRead:
    """The placement keys given at one place (``key``), parsed (None: given but unreadable);
    absent keys are not in it."""

    key: str
    values: Mapping[str, Any]


def read_placement(value: Any, key: str, problems: Problems) -> PlacementRead:
    obj = read_mapping(value, key, problems) or {}
    check_keys(obj, key, PLACEMENT_KEYS, problems)
    values: dict[str, Any] = {}
    if obj.get("vipNetwork") is not None:
        values["vipNetwork"] = read_str(obj, "vipNetwork", key, problems)
    for name, family in _SUBNET_FAMILY.items():
        if obj.get(name) is not None:
            values[name] = read_subnet(obj[name], f"{key}.{name}", problems, family=family)
    if obj.get("serverNetworks") is not None:
        values["serverNetworks"] = _server_networks(
            obj["serverNetworks"], f"{key}.serverNetworks", problems
        )
    if obj.get("routedServers") is not None:
        values["routedServers"] = read_bool(obj, "routedServers", key, problems, default=False)
    # A key given but unreadable stays in (as None): it was reported, and must not be reported
    # again as missing by the rules that depend on it.
    return PlacementRead(key, values)


def read_subnet(
    value: Any, key: str, problems: Problems, *, family: int | None
) -> IPNetwork | None:
    """A subnet in CIDR form; host bits are an error that names the subnet meant."""
    text = str(value).strip()
    if "/" not in text:
        problems.add(key, f"must be a subnet with prefix length, e.g. 203.0.113.0/24, got {text!r}")
        return None
    try:
        loose = ipaddress.ip_network(text, strict=False)
    except ValueError:
        problems.add(key, f"must be a subnet such as 203.0.113.0/24, got {describe(value)}")
        return None
    if family is not None and loose.version != family:
        other = "vip6Subnet" if family == 4 else "vipSubnet"
        problems.add(
            key, f"{loose} is an IPv{loose.version} subnet; this key takes IPv{family} ({other})"
        )
        return None
    if str(loose) != text:
        problems.add(key, f"{text} has host bits set; the subnet is {loose}")
        return None
    return loose


def _server_networks(value: Any, key: str, problems: Problems) -> tuple[ServerNetwork, ...] | None:
    items = read_list(value, key, problems)
    if items is None:
        return None
    networks: list[ServerNetwork] = []
    for i, item in enumerate(items):
        where = f"{key}[{i}]"
        obj = read_mapping(item, where, problems)
        if obj is None:
            if item is None:
                problems.add(where, "is empty; give {network: <Avi network>, subnet: <CIDR>}")
            continue
        check_keys(obj, where, ("network", "subnet"), problems)
        network = read_str(obj, "network", where, problems, required=True)
        subnet = None
        if obj.get("subnet") is None:
            problems.add(f"{where}.subnet", "is required (the servers' subnet on that network)")
        else:
            subnet = read_subnet(obj["subnet"], f"{where}.subnet", problems, family=None)
        if network and subnet is not None:
            networks.append(ServerNetwork(network, subnet))
    return tuple(networks)


@dataclass(frozen=True)
class PlacementFacts:
    """What placement rules need to know about the service being read."""

    key: str
    family: int
    vip: IPAddress | None  # static VIP; None with auto
    auto: bool
    dsr_type: str
    server_addresses: Sequence[tuple[str, IPAddress]]  # (server name, its own address)


def resolve_placement(
    default: PlacementRead, own: PlacementRead, facts: PlacementFacts, problems: Problems
) -> PlacementConfig | None:
    """The service's placement (its keys over the stack default), checked against the service.

    Default keys that do not apply to a service are skipped silently (an IPv4 default subnet for
    an IPv6 service, a default server network holding none of its servers); the same keys given
    on the service itself are errors, since they can only be mistakes there.
    """
    before = len(problems.items)
    merged = {**default.values, **own.values}
    origin = {k: (own.key if k in own.values else default.key) for k in merged}
    vip_network: str | None = merged.get("vipNetwork")
    subnet_key, other_key, other_family = (
        ("vipSubnet", "vip6Subnet", 6) if facts.family == 4 else ("vip6Subnet", "vipSubnet", 4)
    )
    if other_key in own.values:
        problems.add(
            f"{own.key}.{other_key}",
            f"only applies to IPv{other_family} services; this one is IPv{facts.family} "
            f"(use {subnet_key})",
        )
    subnet: IPNetwork | None = merged.get(subnet_key)
    vip_key = f"{facts.key}.{'vip' if facts.family == 4 else 'vip6'}"
    if facts.auto and "vipNetwork" not in merged:
        problems.add(
            vip_key,
            "auto asks the controller's IPAM for the VIP, which needs the Avi network to "
            f"allocate from: set {own.key}.vipNetwork (or {DEFAULT_KEY}.vipNetwork)",
        )
    if subnet is not None and "vipNetwork" not in merged:
        _add_once(
            problems,
            f"{origin[subnet_key]}.{subnet_key}",
            f"needs vipNetwork, the Avi network that holds {subnet}",
        )
    if not facts.auto and facts.vip is not None and vip_network is not None:
        if subnet_key not in merged:
            prefix = 24 if facts.family == 4 else 64
            example = ipaddress.ip_network(f"{facts.vip}/{prefix}", strict=False)
            problems.add(
                f"{own.key}.{subnet_key}",
                "is required with vipNetwork for a static VIP: the subnet of that network "
                f"holding {facts.vip}, e.g. {example}",
            )
        elif subnet is not None:
            _check_vip_in_subnet(
                facts.vip, subnet, f"{origin[subnet_key]}.{subnet_key}", vip_key, problems
            )
    server_networks = _applicable_server_networks(
        merged.get("serverNetworks") or (), origin.get("serverNetworks"), own.key, facts, problems
    )
    routed = bool(merged.get("routedServers", False))
    if problem := routed_l2_problem(facts.dsr_type, routed):
        problems.add(f"{origin['routedServers']}.routedServers", problem)
    if len(problems.items) > before:
        return None
    return PlacementConfig(
        vip_network=vip_network,
        vip_subnet=subnet if facts.family == 4 else None,
        vip6_subnet=subnet if facts.family == 6 else None,
        server_networks=server_networks,
        routed_servers=routed,
    )


def _add_once(problems: Problems, key: str, message: str) -> None:
    """A problem of the stack default is the same for every service: report it once."""
    if not any(p.key == key and p.message == message for p in problems.items):
        problems.add(key, message)


def _check_vip_in_subnet(
    vip: IPAddress, subnet: IPNetwork, subnet_key: str, vip_key: str, problems: Problems
) -> None:
    if vip not in subnet:
        problems.add(vip_key, f"{vip} is outside {subnet_key} {subnet}")
    elif subnet.num_addresses > 2 and vip in (subnet.network_address, subnet.broadcast_address):
        problems.add(vip_key, f"{vip} is the network or broadcast address of {subnet}")


def _applicable_server_networks(
    networks: Sequence[ServerNetwork],
    origin: str | None,
    own_key: str,
    facts: PlacementFacts,
    problems: Problems,
) -> tuple[ServerNetwork, ...]:
    """Networks holding at least one of the service's servers, in the service's family."""
    keep: list[ServerNetwork] = []
    for i, net in enumerate(networks):
        inside = [name for name, addr in facts.server_addresses if addr in net.subnet]
        if inside and net.subnet.version == facts.family:
            keep.append(net)
        elif origin == own_key:
            servers = ", ".join(f"{n} {a}" for n, a in facts.server_addresses) or "none"
            problems.add(
                f"{own_key}.serverNetworks[{i}].subnet",
                f"{net.subnet} holds none of the service's IPv{facts.family} servers ({servers}); "
                "list the subnets the Service Engines reach the servers on",
            )
    return tuple(keep)
