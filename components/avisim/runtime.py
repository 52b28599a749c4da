"""Virtual service runtime: oper status derived from config, for ``/runtime`` and inventory."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

Lookup = Callable[[str], Mapping[str, Any] | None]


class PlacementDelay:
    """Models a VS that needs time to be placed: after each write, its first ``polls`` runtime
    reads report OPER_CREATING (so clients' wait-until-up loops get exercised)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reads: dict[tuple[str, str], int] = {}

    def still_placing(self, vs: Mapping[str, Any], polls: int) -> bool:
        if polls <= 0:
            return False
        key = (vs["uuid"], str(vs.get("_last_modified")))
        with self._lock:
            seen = self._reads.get(key, 0)
            self._reads[key] = seen + 1
        return seen < polls


def oper_status(vs: Mapping[str, Any], lookup: Lookup, *, placing: bool = False) -> dict[str, Any]:
    """OPER_UP when the VS is enabled with an enabled pool holding an enabled server."""
    reason = _down_reason(vs, lookup)
    modified = int(vs.get("_last_modified", "0"))
    state = "OPER_DOWN" if reason else "OPER_UP"
    if placing and not reason:
        state, reason = "OPER_CREATING", "Virtual service is being placed on service engines"
    return {
        "state": state,
        "reason": [reason] if reason else [],
        "last_changed_time": {"secs": modified // 1_000_000, "usecs": modified % 1_000_000},
    }


def vs_runtime(
    vs: Mapping[str, Any], lookup: Lookup, base_url: str, *, placing: bool = False
) -> dict[str, Any]:
    """The body of ``GET /api/virtualservice/<uuid>/runtime`` (``vip_summary`` is a list)."""
    status = oper_status(vs, lookup, placing=placing)
    up = status["state"] == "OPER_UP"
    enabled = bool(vs.get("enabled", True)) and status["state"] != "OPER_CREATING"
    return {
        "uuid": vs["uuid"],
        "name": vs.get("name"),
        "oper_status": status,
        "percent_ses_up": 100 if up else 0,
        "vip_summary": [_vip_summary(vip, status, enabled, base_url) for vip in _vips(vs, lookup)],
    }


def inventory_entry(
    vs: Mapping[str, Any],
    rendered: Mapping[str, Any],
    lookup: Lookup,
    base_url: str,
    *,
    placing: bool = False,
) -> dict[str, Any]:
    """One result of ``GET /api/virtualservice-inventory``."""
    runtime = vs_runtime(vs, lookup, base_url, placing=placing)
    up = runtime["oper_status"]["state"] == "OPER_UP"
    pool_ref = vs.get("pool_ref")
    return {
        "uuid": vs["uuid"],
        "url": rendered["url"],
        "config": dict(rendered),
        "runtime": {
            "oper_status": runtime["oper_status"],
            "percent_ses_up": runtime["percent_ses_up"],
            "vip_summary": runtime["vip_summary"],
        },
        "health_score": {"health_score": 100.0 if up else 0.0},
        "alert": {"high": 0, "medium": 0, "low": 0},
        "metrics": {},
        "pools": [f"{base_url}{pool_ref}"] if pool_ref else [],
        "poolgroups": [],
    }


def pool_runtime_detail(pool: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``GET /api/pool/<uuid>/runtime/detail``: a one-element list, like the controller's."""
    servers = [s for s in pool.get("servers") or [] if isinstance(s, Mapping)]
    enabled = [s for s in servers if s.get("enabled", True)]
    up = bool(pool.get("enabled", True)) and bool(enabled)
    return [
        {
            "name": pool.get("name"),
            "uuid": pool["uuid"],
            "oper_status": {"state": "OPER_UP" if up else "OPER_DOWN"},
            "num_servers": len(servers),
            "num_servers_enabled": len(enabled),
            "num_servers_up": len(enabled) if up else 0,
        }
    ]


def _down_reason(vs: Mapping[str, Any], lookup: Lookup) -> str | None:
    if not vs.get("enabled", True):
        return "Virtual service is disabled"
    pool_ref = vs.get("pool_ref")
    pool = lookup(pool_ref) if isinstance(pool_ref, str) else None
    if pool is None:
        return "Virtual service has no pool"
    if not pool.get("enabled", True):
        return f"Pool '{pool.get('name')}' is disabled"
    if not any(s.get("enabled", True) for s in pool.get("servers") or []):
        return f"Pool '{pool.get('name')}' has no enabled servers"
    return None


def _vips(vs: Mapping[str, Any], lookup: Lookup) -> list[Mapping[str, Any]]:
    vsvip_ref = vs.get("vsvip_ref")
    vsvip = lookup(vsvip_ref) if isinstance(vsvip_ref, str) else None
    return list((vsvip or {}).get("vip") or []) + list(vs.get("vip") or [])


def _vip_summary(
    vip: Mapping[str, Any], status: Mapping[str, Any], enabled: bool, base_url: str
) -> dict[str, Any]:
    up = status["state"] == "OPER_UP"
    summary: dict[str, Any] = {
        "vip_id": vip.get("vip_id", "0"),
        "oper_status": {"state": status["state"]},
        "num_se_requested": 1,
        "num_se_assigned": 1 if enabled else 0,
        "percent_ses_up": 100 if up else 0,
        "service_engine": (
            [{"url": f"{base_url}/api/serviceengine/se-avisim-1", "primary": True}]
            if enabled
            else []
        ),
    }
    for field in ("ip_address", "ip6_address"):
        if vip.get(field):
            summary[field] = dict(vip[field])
    return summary
