"""Avi object bodies for an L3 DSR service, as pure functions.

The components send exactly these bodies (with refs that are Outputs) and ``avi-dsr render``
writes them (with refs by name), so what is rendered is what lands. Field names and values
follow Avi's schema (avi-api.md §1-3): DSR lives only in a fast-path network profile, the pool
must use consistent hashing, and servers receive traffic on the service port.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from avi_dsr.config import (
    HTTP_CODES,
    HealthMonitorConfig,
    NetworkProfileConfig,
    PortRange,
    ServiceSpec,
)

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


def name_ref(obj_type: str, name: str) -> str:
    """A reference by name, accepted by the controller where the uuid is not known yet."""
    return f"/api/{obj_type}?name={quote(name, safe='')}"


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
        "type": f"HEALTH_MONITOR_{monitor.type.upper()}",
        "monitor_port": monitor.port or ports[0].start,
        "send_interval": monitor.interval,
        "receive_timeout": monitor.timeout,
    }
    if monitor.type == "http":
        body["http_monitor"] = {
            "http_request": f"GET {monitor.path} HTTP/1.0",
            "http_response_code": [HTTP_CODES[c] for c in monitor.codes],
        }
    return body


def pool_body(
    name: str,
    *,
    members: Sequence[PoolMember],
    ports: Sequence[PortRange],
    cloud: str,
    health_monitor_ref: Any | None = None,
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
    return body


def vsvip_body(name: str, *, vip: str, vip6: str | None, cloud: str, vrf: str) -> dict:
    entry: dict[str, Any] = {"vip_id": "0", "ip_address": {"addr": vip, "type": "V4"}}
    if vip6 is not None:
        entry["ip6_address"] = {"addr": vip6, "type": "V6"}
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
) -> dict:
    return {
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


def _service_port(port: PortRange) -> dict:
    entry = {"port": port.start}
    if port.end != port.start:
        entry["port_range_end"] = port.end
    return entry


def static_members(
    service: ServiceSpec, addresses: Mapping[str, tuple[Any, Any]]
) -> list[PoolMember]:
    """Pool members from each listed server's own addresses (server -> (ipv4, ipv6), plain or
    Outputs); IPv6 only with a vip6."""
    members: list[PoolMember] = []
    for member in service.members:
        ipv4, ipv6 = addresses[member.server]
        members.append(PoolMember(ipv4, "V4", member.ratio, member.enabled))
        if service.vip6 is not None:
            members.append(PoolMember(ipv6, "V6", member.ratio, member.enabled))
    return members


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
    )
    payloads["vsvip"] = vsvip_body(
        names.vsvip,
        vip=str(service.vip),
        vip6=str(service.vip6) if service.vip6 else None,
        cloud=service.cloud,
        vrf=service.vrf,
    )
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
    )
    return payloads
