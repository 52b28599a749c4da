"""Avi object bodies for an L3 DSR service, as pure functions.

The components send exactly these bodies (with refs that are Outputs) and ``avi-dsr render``
writes them (with refs by name), so what is rendered is what lands. Field names and values
follow Avi's schema (avi-api.md §1-3; Swagger 22.1.4 and 30.2.1): DSR lives only in a fast-path
network profile, the pool must use consistent hashing, and servers receive traffic on the
service port. Placement follows the same Swagger and the public L3 DSR example
(avinetworks/devops terraform/layer3_dsr): ``vip[].placement_networks`` /
``ipam_network_subnet`` + ``auto_allocate_ip`` on the VsVip, ``placement_networks`` on the
pool, ``ign_pool_net_reach`` on the virtual service.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from avi_dsr.config import (
    DNS_RECORD_TYPES,
    HTTP_CODES,
    HealthMonitorConfig,
    NetworkProfileConfig,
    PlacementConfig,
    PortRange,
    ServerNetwork,
    ServiceSpec,
)
from avi_dsr.config.specs import vip_family
from avi_dsr.rules import MONITOR_TYPE_NAMES

L4_APPLICATION_PROFILE = "System-L4-Application"
_DEFAULT_IDLE = {"tcp": 300, "udp": 10}


@dataclass(frozen=True)
class AviNames:
    """Controller object names derived from the service name."""

    network_profile: str
    health_monitor: str
    pool: str
    vsvip: str
    virtual_service: str

    @classmethod
    def for_service(cls, service: str) -> AviNames:
        return cls(
            f"{service}-np", f"{service}-hm", f"{service}-pool", f"{service}-vsvip", f"{service}-vs"
        )


@dataclass(frozen=True)
class PoolMember:
    """One pool server: an address (plain or an Output), its family and weight."""

    address: Any
    family: str  # "V4" | "V6"
    ratio: int = 1
    enabled: bool = True


def name_ref(obj_type: str, name: str, *, cloud: str | None = None) -> str:
    """A reference by name, accepted by the controller where the uuid is not known yet;
    ``cloud`` scopes cloud-owned objects such as networks (names repeat across clouds)."""
    ref = f"/api/{obj_type}?name={quote(name, safe='')}"
    return f"{ref}&cloud={quote(cloud, safe='')}" if cloud else ref


def ip_prefix(subnet: ipaddress.IPv4Network | ipaddress.IPv6Network) -> dict:
    """Avi's ``IpAddrPrefix``: ``{ip_addr: {addr, type}, mask}``."""
    family = "V4" if subnet.version == 4 else "V6"
    return {
        "ip_addr": {"addr": str(subnet.network_address), "type": family},
        "mask": subnet.prefixlen,
    }


def network_profile_body(name: str, protocol: str, profile: NetworkProfileConfig) -> dict:
    dsr = {"dsr_type": f"DSR_TYPE_{profile.dsr_type}", "dsr_encap_type": f"ENCAP_{profile.encap}"}
    idle = profile.idle_timeout if profile.idle_timeout is not None else _DEFAULT_IDLE[protocol]
    if protocol == "udp":
        union = {
            "type": "PROTOCOL_TYPE_UDP_FAST_PATH",
            "udp_fast_path_profile": {
                "session_idle_timeout": idle,
                "snat": False,
                "dsr_profile": dsr,
            },
        }
    else:
        union = {
            "type": "PROTOCOL_TYPE_TCP_FAST_PATH",
            "tcp_fast_path_profile": {
                "session_idle_timeout": idle,
                "enable_syn_protection": profile.syn_protection,
                "dsr_profile": dsr,
            },
        }
    return {"name": name, "profile": union}


def health_monitor_body(
    name: str, monitor: HealthMonitorConfig, ports: Sequence[PortRange]
) -> dict:
    """The monitor must name its port: the pool uses the service port (use_service_port)."""
    body: dict[str, Any] = {
        "name": name,
        "type": MONITOR_TYPE_NAMES[monitor.type],
        "monitor_port": monitor.port or ports[0].start,
        "send_interval": monitor.interval,
        "receive_timeout": monitor.timeout,
    }
    if monitor.type == "http":
        body["http_monitor"] = {
            "http_request": f"GET {monitor.path} HTTP/1.0",
            "http_response_code": [HTTP_CODES[c] for c in monitor.codes],
        }
    elif monitor.type == "udp":
        udp = {"udp_request": monitor.request, "udp_response": monitor.response}
        if any(udp.values()):
            body["udp_monitor"] = {k: v for k, v in udp.items() if v is not None}
    elif monitor.type == "dns":
        body["dns_monitor"] = {
            "query_name": monitor.query_name,
            "record_type": DNS_RECORD_TYPES[monitor.record_type],
        }
    return body


def pool_body(
    name: str,
    *,
    members: Sequence[PoolMember],
    ports: Sequence[PortRange],
    cloud: str,
    health_monitor_ref: Any | None = None,
    server_networks: Sequence[ServerNetwork] = (),
) -> dict:
    body: dict[str, Any] = {
        "name": name,
        "cloud_ref": name_ref("cloud", cloud),
        "lb_algorithm": "LB_ALGORITHM_CONSISTENT_HASH",
        "lb_algorithm_hash": "LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS",
        "use_service_port": True,
        "default_server_port": ports[0].start,
        "servers": [
            {"ip": {"addr": m.address, "type": m.family}, "ratio": m.ratio, "enabled": m.enabled}
            for m in members
        ],
    }
    if health_monitor_ref is not None:
        body["health_monitor_refs"] = [health_monitor_ref]
    if server_networks:
        # Swagger PlacementNetwork: network_ref and subnet both required.
        body["placement_networks"] = [
            {
                "network_ref": name_ref("network", n.network, cloud=cloud),
                "subnet": ip_prefix(n.subnet),
            }
            for n in server_networks
        ]
    return body


def vsvip_body(
    name: str,
    *,
    vip: str | None,
    vip6: str | None,
    cloud: str,
    vrf: str,
    auto_allocate: str | None = None,
    placement: PlacementConfig | None = None,
) -> dict:
    """One ``vip[]`` entry: a static IPv4 or IPv6 address placed on ``placement.vip_network``,
    or (``auto_allocate`` "V4"/"V6") an address the controller's IPAM allocates from it."""
    entry: dict[str, Any] = {"vip_id": "0"}
    if vip is not None:
        entry["ip_address"] = {"addr": vip, "type": "V4"}
    if vip6 is not None:
        entry["ip6_address"] = {"addr": vip6, "type": "V6"}
    placed = placement or PlacementConfig()
    ipv6 = vip_family(vip6, auto_allocate) == 6
    subnet = placed.vip6_subnet if ipv6 else placed.vip_subnet
    subnet_field = "subnet6" if ipv6 else "subnet"
    if placed.vip_network is not None:
        where: dict[str, Any] = {
            "network_ref": name_ref("network", placed.vip_network, cloud=cloud)
        }
        if subnet is not None:
            where[subnet_field] = ip_prefix(subnet)
        if auto_allocate is not None:
            entry["auto_allocate_ip"] = True
            entry["auto_allocate_ip_type"] = f"{auto_allocate}_ONLY"
            entry["ipam_network_subnet"] = where  # Swagger IPNetworkSubnet
        else:
            entry["placement_networks"] = [where]  # Swagger VipPlacementNetwork (18.2.5+)
    return {
        "name": name,
        "cloud_ref": name_ref("cloud", cloud),
        "vrf_context_ref": name_ref("vrfcontext", vrf),
        "vip": [entry],
    }


def virtual_service_body(
    name: str,
    *,
    ports: Sequence[PortRange],
    cloud: str,
    se_group: str,
    vrf: str,
    enabled: bool,
    network_profile_ref: Any,
    pool_ref: Any,
    vsvip_ref: Any,
    routed_servers: bool = False,
) -> dict:
    body = {
        "name": name,
        "enabled": enabled,
        "cloud_ref": name_ref("cloud", cloud),
        "se_group_ref": name_ref("serviceenginegroup", se_group),
        "vrf_context_ref": name_ref("vrfcontext", vrf),
        "application_profile_ref": name_ref("applicationprofile", L4_APPLICATION_PROFILE),
        "network_profile_ref": network_profile_ref,
        "vsvip_ref": vsvip_ref,
        "pool_ref": pool_ref,
        "services": [_service_port(p) for p in ports],
    }
    if routed_servers:
        # "Ignore Pool servers network reachability constraints for Virtual Service placement"
        body["ign_pool_net_reach"] = True
    return body


def _service_port(port: PortRange) -> dict:
    entry = {"port": port.start}
    if port.end != port.start:
        entry["port_range_end"] = port.end
    return entry


def static_members(
    service: ServiceSpec, addresses: Mapping[str, tuple[Any, Any]]
) -> list[PoolMember]:
    """Pool members from each listed server's own address of the service's family
    (server -> (ipv4, ipv6), plain or Outputs): one family per pool."""
    family = "V4" if service.family == 4 else "V6"
    return [
        PoolMember(addresses[m.server][0 if family == "V4" else 1], family, m.ratio, m.enabled)
        for m in service.members
    ]


def service_payloads(
    service: ServiceSpec, addresses: dict[str, tuple[str | None, str | None]]
) -> dict[str, dict]:
    """All five bodies of a service with refs by name: what ``avi-dsr render`` shows."""
    names = AviNames.for_service(service.name)
    payloads = {
        "networkprofile": network_profile_body(
            names.network_profile, service.protocol, service.network_profile
        )
    }
    hm_ref = None
    if service.health_monitor is not None:
        payloads["healthmonitor"] = health_monitor_body(
            names.health_monitor, service.health_monitor, service.ports
        )
        hm_ref = name_ref("healthmonitor", names.health_monitor)
    payloads["pool"] = pool_body(
        names.pool,
        members=static_members(service, addresses),
        ports=service.ports,
        cloud=service.cloud,
        health_monitor_ref=hm_ref,
        server_networks=service.placement.server_networks,
    )
    payloads["vsvip"] = service_vsvip_body(service)
    payloads["virtualservice"] = virtual_service_body(
        names.virtual_service,
        ports=service.ports,
        cloud=service.cloud,
        se_group=service.se_group,
        vrf=service.vrf,
        enabled=service.enabled,
        network_profile_ref=name_ref("networkprofile", names.network_profile),
        pool_ref=name_ref("pool", names.pool),
        vsvip_ref=name_ref("vsvip", names.vsvip),
        routed_servers=service.placement.routed_servers,
    )
    return payloads


def service_vsvip_body(service: ServiceSpec) -> dict:
    """The VsVip of a service (static or allocated VIP, with its placement)."""
    return vsvip_body(
        AviNames.for_service(service.name).vsvip,
        vip=str(service.vip) if service.vip else None,
        vip6=str(service.vip6) if service.vip6 else None,
        cloud=service.cloud,
        vrf=service.vrf,
        auto_allocate=service.auto_allocate,
        placement=service.placement,
    )


def allocated_vip(observed: Mapping[str, Any] | None, family: int) -> str | None:
    """The VIP the controller allocated, read from a VsVip as it stored it (``observed``):
    ``vip[0].ip_address.addr`` (IPv4) or ``vip[0].ip6_address.addr`` (IPv6); None until set."""
    entries = (observed or {}).get("vip") or []
    field = "ip_address" if family == 4 else "ip6_address"
    addr = (entries[0].get(field) or {}).get("addr") if entries else None
    return addr if isinstance(addr, str) and addr else None
