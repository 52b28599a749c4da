"""Per-object-type declarations: everything that differs between Avi object types is data here.

Adding a type = one `ObjectSpec(...)` plus a two-line resource class in resources.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# Fields no user sets and the controller rewrites on every write: never compared, never PUT back
# (except uuid, which a PUT may carry).
CONTROLLER_OWNED = frozenset({"_last_modified", "uuid", "url", "configpb_attributes"})


@dataclass(frozen=True)
class ObjectSpec:
    """How the generic provider treats one Avi object type.

    object_type:  Avi REST type, `/api/<object_type>`.
    class_name:   resource class and type token `pulumi-python:dynamic/avi:<class_name>`.
    replaces:     body fields Avi cannot change in place (a change means delete, then create).
    ignore:       extra controller-owned/runtime fields (beyond CONTROLLER_OWNED) never compared
                  and never sent back on PUT.
    list_keys:    list field name -> dotted key inside each element; such lists compare and merge by
                  key instead of by position (order on the controller is not the user's).
    """

    object_type: str
    class_name: str
    replaces: tuple[str, ...] = ()
    ignore: frozenset[str] = frozenset()
    list_keys: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def skipped(self) -> frozenset[str]:
        """Every field name left out of comparisons and PUT bodies."""
        return CONTROLLER_OWNED | self.ignore


# tenant_ref: an object's tenant is fixed at creation (it scopes the name) - [inferred; Avi has no
# "move to tenant" operation]. cloud_ref: cloud-scoped objects (pool, vsvip, virtualservice) are
# placed into a cloud's VRF/SE group at creation; the controller refuses to move them [inferred from
# the UI, which greys out Cloud when editing]. name is NOT here: Avi renames in place with a PUT.
NETWORK_PROFILE = ObjectSpec(
    object_type="networkprofile",
    class_name="NetworkProfile",
    # profile.type switches the union member in place (TCP fast path <-> UDP fast path): a PUT.
    replaces=("tenant_ref",),
)
HEALTH_MONITOR = ObjectSpec(
    object_type="healthmonitor",
    class_name="HealthMonitor",
    # The monitor type selects the probe engine; the UI does not offer changing it on edit.
    replaces=("tenant_ref", "type"),
)
POOL = ObjectSpec(
    object_type="pool",
    class_name="Pool",
    replaces=("tenant_ref", "cloud_ref"),
    ignore=frozenset({"vrf_ref"}),  # set internally from the virtual service using the pool
    list_keys=MappingProxyType({"servers": "ip.addr"}),
)
VSVIP = ObjectSpec(
    object_type="vsvip",
    class_name="VsVip",
    replaces=("tenant_ref", "cloud_ref"),
)
VIRTUAL_SERVICE = ObjectSpec(
    object_type="virtualservice",
    class_name="VirtualService",
    replaces=("tenant_ref", "cloud_ref"),
    ignore=frozenset({"vip_runtime", "tls_ticket_key", "version", "redis_db", "marked_for_delete"}),
    list_keys=MappingProxyType({"services": "port"}),
)

SPECS: Mapping[str, ObjectSpec] = MappingProxyType(
    {s.object_type: s for s in (NETWORK_PROFILE, HEALTH_MONITOR, POOL, VSVIP, VIRTUAL_SERVICE)}
)


def spec_for(object_type: str) -> ObjectSpec:
    """The declaration for an object type (KeyError names the known types)."""
    try:
        return SPECS[object_type]
    except KeyError:
        raise KeyError(f"no ObjectSpec for {object_type!r}; known: {', '.join(SPECS)}") from None
