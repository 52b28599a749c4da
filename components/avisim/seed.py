"""The system objects a freshly installed controller has (names from recorded controller output)."""

from __future__ import annotations

from typing import Any

_CLOUD = "/api/cloud?name=Default-Cloud"
ADMIN_TENANT_UUID = "admin"  # a real controller's admin tenant uuid is literally "admin"


def _app_profile(name: str, app_type: str) -> tuple[str, dict[str, Any]]:
    return "applicationprofile", {"name": name, "type": app_type}


def _network_profile(name: str, profile: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return "networkprofile", {"name": name, "profile": profile}


def _monitor(name: str, hm_type: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    return "healthmonitor", {"name": name, "type": hm_type, **extra}


# (type, body) in creation order: later objects refer to earlier ones by name.
SYSTEM_OBJECTS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "tenant",
        {
            "uuid": ADMIN_TENANT_UUID,
            "name": "admin",
            "description": "Default tenant",
            "local": True,
        },
    ),
    ("cloud", {"name": "Default-Cloud", "vtype": "CLOUD_NONE"}),
    ("vrfcontext", {"name": "global", "cloud_ref": _CLOUD, "system_default": True}),
    ("vrfcontext", {"name": "management", "cloud_ref": _CLOUD, "system_default": True}),
    ("serviceenginegroup", {"name": "Default-Group", "cloud_ref": _CLOUD}),
    ("analyticsprofile", {"name": "System-Analytics-Profile"}),
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
            "tcp_fast_path_profile": {"session_idle_timeout": 300, "enable_syn_protection": False},
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
)
