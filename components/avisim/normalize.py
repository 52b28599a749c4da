"""What the controller does to a body beyond schema defaults: default refs, observed extras,
``<field>_name`` aliases, PATCH semantics, and the text of validation errors."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from avisim.errors import ApiError

_CLOUD = ("cloud", "Default-Cloud")
_VRF = ("vrfcontext", "global")

# Refs a controller fills on POST/PUT when the client leaves them out (recorded controller output).
_DEFAULT_REFS: dict[str, dict[str, tuple[str, str]]] = {
    "virtualservice": {
        "cloud_ref": _CLOUD,
        "se_group_ref": ("serviceenginegroup", "Default-Group"),
        "vrf_context_ref": _VRF,
        "network_profile_ref": ("networkprofile", "System-TCP-Proxy"),
        "application_profile_ref": ("applicationprofile", "System-HTTP"),
        "analytics_profile_ref": ("analyticsprofile", "System-Analytics-Profile"),
    },
    "pool": {"cloud_ref": _CLOUD, "vrf_ref": _VRF},
    "vsvip": {"cloud_ref": _CLOUD, "vrf_context_ref": _VRF},
    "serviceenginegroup": {"cloud_ref": _CLOUD},
    "vrfcontext": {"cloud_ref": _CLOUD},
    "network": {"cloud_ref": _CLOUD, "vrf_context_ref": _VRF},
}

PATCH_OPS = ("add", "replace", "delete")


def default_refs(obj_type: str) -> dict[str, tuple[str, str]]:
    """field -> (type, system object name) the controller fills when the field is absent."""
    return _DEFAULT_REFS.get(obj_type, {})


def fill_controller_extras(obj_type: str, obj: dict[str, Any]) -> None:
    """Observed normalisations: port_range_end = port, vip_id "0", server hostname = its IP."""
    if obj_type == "virtualservice":
        for service in _dicts(obj.get("services")):
            if not service.get("port_range_end") and "port" in service:
                service["port_range_end"] = service["port"]
    elif obj_type == "vsvip":
        for index, vip in enumerate(_dicts(obj.get("vip"))):
            vip.setdefault("vip_id", str(index))
    elif obj_type == "pool":
        for server in _dicts(obj.get("servers")):
            addr = server.get("ip", {}).get("addr") if isinstance(server.get("ip"), dict) else None
            if addr and not server.get("hostname"):
                server["hostname"] = addr


def apply_name_aliases(schema: Any, obj_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    """``"pool_name": "web"`` -> ``"pool_ref": "/api/pool?name=web"`` (top level only)."""
    out = dict(obj)
    for key, value in obj.items():
        if not key.endswith("_name") or not isinstance(value, str):
            continue
        ref_field = key[: -len("_name")] + "_ref"
        target = schema.ref_target(obj_type, ref_field)
        if target and ref_field not in obj:
            out[ref_field] = f"/api/{target}?name={quote(value)}"
            del out[key]
    return out


def drop_nulls(node: Any) -> Any:
    """A deep copy without ``null`` fields: the controller treats null as "not set"."""
    if isinstance(node, Mapping):
        return {k: drop_nulls(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [drop_nulls(v) for v in node]
    return copy.deepcopy(node)


def check_patch(ops: Any) -> dict[str, dict[str, Any]]:
    """A PATCH body must be ``{"add"|"replace"|"delete": {field: value}}``."""
    if not isinstance(ops, Mapping) or not ops:
        raise ApiError(400, 'PATCH body must be {"add"|"replace"|"delete": {...}}')
    for op, fields in ops.items():
        if op not in PATCH_OPS:
            raise ApiError(
                400, f"PATCH operation {op!r} is not supported; use add, replace or delete"
            )
        if not isinstance(fields, Mapping):
            raise ApiError(400, f"PATCH {op}: expected an object of fields, got {fields!r}")
    return {op: dict(fields) for op, fields in ops.items()}


def apply_patch(current: dict[str, Any], ops: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Avi PATCH: add appends to lists (sets scalars), replace sets, delete removes matching
    list entries (an entry matches when it contains every given key/value) or the field."""
    out = copy.deepcopy(current)
    for op in PATCH_OPS:
        for key, value in ops.get(op, {}).items():
            existing = out.get(key)
            if op == "add" and isinstance(existing, list):
                out[key] = existing + (list(value) if isinstance(value, list) else [value])
            elif op in ("add", "replace"):
                out[key] = copy.deepcopy(value)
            elif isinstance(existing, list):
                drop = value if isinstance(value, list) else [value]
                out[key] = [e for e in existing if not any(_contains(e, d) for d in drop)]
            else:
                out.pop(key, None)
    return out


def _contains(entry: Any, wanted: Any) -> bool:
    if isinstance(entry, Mapping) and isinstance(wanted, Mapping):
        return all(k in entry and _contains(entry[k], v) for k, v in wanted.items())
    return entry == wanted


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
