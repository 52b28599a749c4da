"""What a freshly installed controller holds (names from recorded controller output, see
shared/reference/avi-api.md section 3.3), plus the cloud the simulator is told to have: its type,
its licence tier, its discovered networks and, optionally, an Avi IPAM profile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from avisim.networks import NetworkSeed
from avisim.schema import ESSENTIALS

DEFAULT_CLOUD = "Default-Cloud"
_CLOUD = f"/api/cloud?name={DEFAULT_CLOUD}"
ADMIN_TENANT_UUID = "admin"  # a real controller's admin tenant uuid is literally "admin"
IPAM_PROFILE = "avisim-ipam"

# --cloud-type -> Cloud.vtype (Swagger Cloud.json "Enum options - CLOUD_NONE, CLOUD_VCENTER, ...").
CLOUD_TYPES: dict[str, str] = {
    "vcenter": "CLOUD_VCENTER",
    "nsxt": "CLOUD_NSXT",
    "none": "CLOUD_NONE",
    "linuxserver": "CLOUD_LINUXSERVER",
    "openstack": "CLOUD_OPENSTACK",
}

# Edition -> licence tier (Swagger SystemConfiguration.default_license_tier / Cloud.license_tier
# enums: ENTERPRISE, ESSENTIALS, ...).
LICENSE_TIERS: dict[str, str] = {"enterprise": "ENTERPRISE", "essentials": "ESSENTIALS"}


@dataclass(frozen=True)
class Seed:
    """One object to create at start. ``system``: protected from deletion. ``update``: merge
    into the existing object of that name instead of creating one. ``gated``: checked against
    the edition like a client's body (what the simulator was told to have); the built-in system
    objects exist on every edition."""

    obj_type: str
    body: dict[str, Any]
    system: bool = True
    update: bool = False
    gated: bool = False


def _app_profile(name: str, app_type: str) -> Seed:
    return Seed("applicationprofile", {"name": name, "type": app_type})


def _network_profile(name: str, profile: dict[str, Any]) -> Seed:
    return Seed("networkprofile", {"name": name, "profile": profile})


def _monitor(name: str, hm_type: str, **extra: Any) -> Seed:
    return Seed("healthmonitor", {"name": name, "type": hm_type, **extra})


def _cloud(cloud_type: str, edition: str) -> Seed:
    body: dict[str, Any] = {
        "name": DEFAULT_CLOUD,
        "vtype": CLOUD_TYPES[cloud_type],
        "license_tier": LICENSE_TIERS[edition],
    }
    if cloud_type == "vcenter":  # vCenterConfiguration: privilege is its one required field
        body["vcenter_configuration"] = {
            "privilege": "WRITE_ACCESS",
            "vcenter_url": "vcenter.avisim.invalid",
            "datacenter": "avisim-dc",
        }
    return Seed("cloud", body, gated=True)


def _system_objects(cloud_type: str, edition: str) -> list[Seed]:
    return [
        Seed(
            "tenant",
            {
                "uuid": ADMIN_TENANT_UUID,
                "name": "admin",
                "description": "Default tenant",
                "local": True,
            },
        ),
        _cloud(cloud_type, edition),
        Seed("vrfcontext", {"name": "global", "cloud_ref": _CLOUD, "system_default": True}),
        Seed("vrfcontext", {"name": "management", "cloud_ref": _CLOUD, "system_default": True}),
        Seed("serviceenginegroup", {"name": "Default-Group", "cloud_ref": _CLOUD}),
        Seed("analyticsprofile", {"name": "System-Analytics-Profile"}),
        _app_profile("System-HTTP", "APPLICATION_PROFILE_TYPE_HTTP"),
        _app_profile("System-Secure-HTTP", "APPLICATION_PROFILE_TYPE_HTTP"),
        _app_profile("System-L4-Application", "APPLICATION_PROFILE_TYPE_L4"),
        _app_profile("System-SSL-Application", "APPLICATION_PROFILE_TYPE_SSL"),
        _app_profile("System-DNS", "APPLICATION_PROFILE_TYPE_DNS"),
        _network_profile(
            "System-TCP-Proxy", {"type": "PROTOCOL_TYPE_TCP_PROXY", "tcp_proxy_profile": {}}
        ),
        _network_profile(
            "System-TCP-Fast-Path",
            {
                "type": "PROTOCOL_TYPE_TCP_FAST_PATH",
                "tcp_fast_path_profile": {
                    "session_idle_timeout": 300,
                    "enable_syn_protection": False,
                },
            },
        ),
        _network_profile(
            "System-UDP-Fast-Path",
            {"type": "PROTOCOL_TYPE_UDP_FAST_PATH", "udp_fast_path_profile": {}},
        ),
        _network_profile(
            "System-UDP-Per-Pkt",
            {
                "type": "PROTOCOL_TYPE_UDP_FAST_PATH",
                "udp_fast_path_profile": {"per_pkt_loadbalance": True},
            },
        ),
        _monitor("System-TCP", "HEALTH_MONITOR_TCP", tcp_monitor={}),
        _monitor(
            "System-HTTP",
            "HEALTH_MONITOR_HTTP",
            http_monitor={
                "http_request": "HEAD / HTTP/1.0",
                "http_response_code": ["HTTP_2XX", "HTTP_3XX"],
            },
        ),
        _monitor(
            "System-HTTPS",
            "HEALTH_MONITOR_HTTPS",
            https_monitor={
                "http_request": "HEAD / HTTP/1.0",
                "http_response_code": ["HTTP_2XX", "HTTP_3XX"],
            },
        ),
        _monitor("System-UDP", "HEALTH_MONITOR_UDP", udp_monitor={}),
        _monitor("System-Ping", "HEALTH_MONITOR_PING"),
        _monitor("System-DNS", "HEALTH_MONITOR_DNS", dns_monitor={"query_name": "www.google.com"}),
    ]


def seeds(
    *,
    cloud_type: str,
    edition: str,
    networks: Sequence[NetworkSeed],
    ipam: bool,
) -> list[Seed]:
    """Everything to create at start, in order (later seeds refer to earlier ones by name).

    On Essentials, networks lose their static IP ranges and the IPAM profile its usable
    networks: Swagger Subnet.static_ip_ranges and IpamUsableNetwork.nw_ref are "Allowed in
    Enterprise edition with any value, Enterprise with Cloud Services edition" only.
    """
    out = _system_objects(cloud_type, edition)
    essentials = edition == ESSENTIALS
    for network in networks:
        body = {**network.body(), "cloud_ref": _CLOUD}
        if essentials:
            for subnet in body["configured_subnets"]:
                subnet.pop("static_ip_ranges", None)
        out.append(Seed("network", body, system=False, gated=True))
    if ipam:
        with_ranges = [n for n in networks if any(s.vip_range for s in n.subnets)]
        profile: dict[str, Any] = {"name": IPAM_PROFILE, "type": "IPAMDNS_TYPE_INTERNAL"}
        if with_ranges and not essentials:
            usable = [{"nw_ref": f"/api/network?name={n.name}"} for n in with_ranges]
            profile["internal_profile"] = {"usable_networks": usable}
        out.append(Seed("ipamdnsproviderprofile", profile, system=False, gated=True))
        ipam_ref = f"/api/ipamdnsproviderprofile?name={IPAM_PROFILE}"
        update = {"name": DEFAULT_CLOUD, "ipam_provider_ref": ipam_ref}
        out.append(Seed("cloud", update, update=True, gated=True))
    return out
