"""Object types the simulator serves, with the facts the controller uses per type."""

from __future__ import annotations

# API path segment -> the type name the controller prints in error messages.
DISPLAY_NAMES: dict[str, str] = {
    "tenant": "Tenant",
    "cloud": "Cloud",
    "serviceenginegroup": "ServiceEngineGroup",
    "vrfcontext": "VrfContext",
    "applicationprofile": "ApplicationProfile",
    "networkprofile": "NetworkProfile",
    "healthmonitor": "HealthMonitor",
    "analyticsprofile": "AnalyticsProfile",
    "pool": "Pool",
    "vsvip": "VsVip",
    "virtualservice": "VirtualService",
    "network": "Network",
    "ipamdnsproviderprofile": "IpamDnsProviderProfile",
}

# Types whose names are unique per (tenant, cloud) rather than per tenant.
CLOUD_SCOPED: frozenset[str] = frozenset(
    {"serviceenginegroup", "vrfcontext", "pool", "vsvip", "virtualservice", "network"}
)

# Types without a tenant_ref of their own (global objects).
GLOBAL_TYPES: frozenset[str] = frozenset({"tenant"})

# Types the simulator serves but does not let clients create or change.
READ_ONLY_TYPES: frozenset[str] = frozenset({"analyticsprofile"})

# Fields the controller owns: dropped from request bodies, regenerated on every write.
SERVER_OWNED_FIELDS: frozenset[str] = frozenset({"uuid", "url", "_last_modified"})


def display_name(obj_type: str) -> str:
    """The controller's CamelCase name for an object type ("vsvip" -> "VsVip")."""
    return DISPLAY_NAMES.get(obj_type, obj_type)


def is_ref_field(key: str) -> bool:
    """Avi names every reference field ``*_ref`` (one ref) or ``*_refs`` (a list of refs)."""
    return key.endswith("_ref") or key.endswith("_refs")
