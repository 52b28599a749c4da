"""Virtual service runtime: oper status as a controller derives it, for ``/runtime`` and the
inventory. Shapes as real controllers send them (``vip_summary`` is a list, pool runtime detail
is a list; shared/reference/avi-api.md section 4.6)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Protocol

from avisim.placement import (
    VIP_UNMATCHED,
    unreachable_reason,
    unreachable_servers,
    vip_is_placed,
)

Obj = Mapping[str, Any]
PLACING_REASON = "Virtual service is being placed on service engines"


class State(Protocol):
    """What the runtime reads from the controller."""

    def lookup(self, ref: str) -> Obj | None: ...

    def networks_in(self, cloud_ref: str | None) -> list[Any]: ...


class PlacementDelay:
    """Models a VS that needs time to be placed: after each write, its first ``polls`` runtime
    reads report OPER_CREATING (so clients' wait-until-up loops get exercised)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reads: dict[tuple[str, str], int] = {}

    def still_placing(self, vs: Obj, polls: int) -> bool:
        if polls <= 0:
            return False
        key = (vs["uuid"], str(vs.get("_last_modified")))
        with self._lock:
            seen = self._reads.get(key, 0)
            self._reads[key] = seen + 1
        return seen < polls


def placement_failure(vs: Obj, state: State) -> str | None:
    """Why the controller cannot place the virtual service on an SE, or None."""
    vsvip = _get(state, vs.get("vsvip_ref")) or {}
    networks = state.networks_in(vs.get("cloud_ref"))
    vips = [v for v in _vips(vs, vsvip) if v.get("enabled", True)]
    if any(not vip_is_placed(v, networks) for v in vips):
        return VIP_UNMATCHED
    pool = _get(state, vs.get("pool_ref"))
    if pool is not None:
        vrf = _get(state, pool.get("vrf_ref"))
        unreachable = unreachable_servers(vs, pool, networks, vrf)
        if unreachable:
            return unreachable_reason(pool, unreachable)
    return None


def oper_status(vs: Obj, state: State, *, placing: bool = False) -> dict[str, Any]:
    """In order: disabled, not placeable (VIP network, pool reachability), still being placed,
    pool down, else up."""
    state_name, reason = "OPER_UP", None
    if not vs.get("enabled", True):
        # OperationalStatus.state has OPER_DISABLED (Swagger); that a disabled VS reports it
        # rather than OPER_DOWN is the simulator's reading, not a recorded controller reply.
        state_name, reason = "OPER_DISABLED", "Virtual service is disabled"
    elif (failure := placement_failure(vs, state)) is not None:
        state_name, reason = "OPER_DOWN", failure
    elif placing:
        state_name, reason = "OPER_CREATING", PLACING_REASON
    elif (pool_reason := _pool_down_reason(vs, state)) is not None:
        state_name, reason = "OPER_DOWN", pool_reason
    modified = int(vs.get("_last_modified", "0"))
    return {
        "state": state_name,
        "reason": [reason] if reason else [],
        "last_changed_time": {"secs": modified // 1_000_000, "usecs": modified % 1_000_000},
    }


def se_assigned(vs: Obj, state: State, status: Mapping[str, Any]) -> bool:
    """An SE holds the VS once it is enabled, placeable and placed (a pool can still be down)."""
    if status["state"] in ("OPER_DISABLED", "OPER_CREATING"):
        return False
    return placement_failure(vs, state) is None


def vs_runtime(vs: Obj, state: State, base_url: str, *, placing: bool = False) -> dict[str, Any]:
    """The body of ``GET /api/virtualservice/<uuid>/runtime``."""
    status = oper_status(vs, state, placing=placing)
    up = status["state"] == "OPER_UP"
    assigned = se_assigned(vs, state, status)
    vsvip = _get(state, vs.get("vsvip_ref")) or {}
    return {
        "uuid": vs["uuid"],
        "name": vs.get("name"),
        "oper_status": status,
        "percent_ses_up": 100 if up else 0,
        "vip_summary": [_vip_summary(vip, status, assigned, base_url) for vip in _vips(vs, vsvip)],
    }


def inventory_entry(
    vs: Obj, rendered: Mapping[str, Any], state: State, base_url: str, *, placing: bool = False
) -> dict[str, Any]:
    """One result of ``GET /api/virtualservice-inventory``."""
    runtime = vs_runtime(vs, state, base_url, placing=placing)
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


def pool_runtime_detail(pool: Obj, users: list[Obj], state: State) -> list[dict[str, Any]]:
    """``GET /api/pool/<uuid>/runtime/detail``: a one-element list, like the controller's.
    Servers no SE reaches (for any virtual service using the pool) are not up."""
    servers = [s for s in pool.get("servers") or [] if isinstance(s, Mapping)]
    enabled = [s for s in servers if s.get("enabled", True)]
    unreachable: set[str] = set()
    for vs in users:
        networks = state.networks_in(vs.get("cloud_ref"))
        unreachable |= set(
            unreachable_servers(vs, pool, networks, _get(state, pool.get("vrf_ref")))
        )
    up_count = len([s for s in enabled if (s.get("ip") or {}).get("addr") not in unreachable])
    if not pool.get("enabled", True):
        up_count = 0
    return [
        {
            "name": pool.get("name"),
            "uuid": pool["uuid"],
            "oper_status": {"state": "OPER_UP" if up_count else "OPER_DOWN"},
            "num_servers": len(servers),
            "num_servers_enabled": len(enabled),
            "num_servers_up": up_count,
        }
    ]


def _pool_down_reason(vs: Obj, state: State) -> str | None:
    pool = _get(state, vs.get("pool_ref"))
    if pool is None:
        return "Virtual service has no pool"
    if not pool.get("enabled", True):
        return f"Pool '{pool.get('name')}' is disabled"
    if not any(s.get("enabled", True) for s in pool.get("servers") or []):
        return f"Pool '{pool.get('name')}' has no enabled servers"
    return None


def _vips(vs: Obj, vsvip: Obj) -> list[Obj]:
    return list(vsvip.get("vip") or []) + list(vs.get("vip") or [])


def _vip_summary(
    vip: Obj, status: Mapping[str, Any], assigned: bool, base_url: str
) -> dict[str, Any]:
    up = status["state"] == "OPER_UP"
    summary: dict[str, Any] = {
        "vip_id": vip.get("vip_id", "0"),
        "oper_status": {"state": status["state"]},
        "num_se_requested": 1,
        "num_se_assigned": 1 if assigned else 0,
        "percent_ses_up": 100 if up else 0,
        "service_engine": (
            [{"url": f"{base_url}/api/serviceengine/se-avisim-1", "primary": True}]
            if assigned
            else []
        ),
    }
    for field in ("ip_address", "ip6_address"):
        if vip.get(field):
            summary[field] = dict(vip[field])
    return summary


def _get(state: State, ref: Any) -> Obj | None:
    return state.lookup(ref) if isinstance(ref, str) else None
