"""A lazy preflight: what the controller must have before this run writes anything.

Runs at the first write of a run (never on a no-change `up`, which sends nothing) and reads each
fact once per run per controller: the version (from the login reply), the cloud (type, licence
tier), the SE group (existence, licence tier), the VRF (existence) and, when neither the SE group
nor the cloud names a tier, the system default tier. The rules that judge those facts are pure
and live in `dsr_rules`; this module only fetches and caches.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .client import AviSession
from .dsr_rules import ControllerFacts, preflight_problems
from .errors import AviProviderError

FACT_KEYS = ("cloud", "se_group", "vrf", "dsr_type", "encap", "ipv6")


@dataclass(frozen=True)
class Facts:
    """What a write needs from the controller (set by the components as the `preflight` input).

    dsr_type "L3"/"L2" (None: not a DSR object), encap "IPINIP"/"GRE", ipv6: an IPv6 VIP.
    """

    cloud: str | None = None
    se_group: str | None = None
    vrf: str | None = None
    dsr_type: str | None = None
    encap: str | None = None
    ipv6: bool = False

    @classmethod
    def from_input(cls, value: Any) -> Facts | None:
        if not isinstance(value, Mapping):
            return None
        known = {k: value.get(k) for k in FACT_KEYS if value.get(k) is not None}
        known["ipv6"] = bool(known.get("ipv6", False))
        return cls(**known)


class _Cache:
    """Per-session facts, each fetched once even when many calls ask at the same moment."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[tuple[str, str], Any] = {}
        self.checked: set[Facts] = set()


_CACHES: dict[tuple[Any, ...], _Cache] = {}
_CACHES_LOCK = threading.Lock()


def _cache_for(session: AviSession) -> _Cache:
    with _CACHES_LOCK:
        return _CACHES.setdefault(session.conn.key(), _Cache())


def run_preflight(session: AviSession, facts: Facts | None, what: str) -> None:
    """Refuse, before any write, what this controller cannot do; naming the key and the fix."""
    session.ensure_login()
    cache = _cache_for(session)
    key = facts or Facts()
    with cache.lock:
        if key in cache.checked:
            return
        controller = _controller_facts(session, cache, key)
        problems = preflight_problems(session.conn.api_version, controller, key)
        if problems:
            raise AviProviderError(f"{what}: preflight refused: " + "; ".join(problems))
        cache.checked.add(key)


def _controller_facts(session: AviSession, cache: _Cache, facts: Facts) -> ControllerFacts:
    cloud = _named(session, cache, "cloud", facts.cloud) if facts.cloud else None
    se_group = (
        _named(session, cache, "serviceenginegroup", facts.se_group) if facts.se_group else None
    )
    vrf = _named(session, cache, "vrfcontext", facts.vrf) if facts.vrf else None
    tier = (se_group or {}).get("license_tier") or (cloud or {}).get("license_tier")
    if facts.dsr_type and not tier:
        tier = _system_tier(session, cache)
    return ControllerFacts(
        version=session.controller_version,
        license_tier=tier,
        cloud=facts.cloud,
        cloud_found=cloud is not None,
        cloud_type=(cloud or {}).get("vtype"),
        se_group=facts.se_group,
        se_group_found=se_group is not None,
        vrf=facts.vrf,
        vrf_found=vrf is not None,
    )


def _named(session: AviSession, cache: _Cache, obj_type: str, name: str) -> dict[str, Any] | None:
    slot = (obj_type, name)
    if slot not in cache.values:
        rsp = session.request("GET", obj_type, params={"name": name})
        if rsp.status_code != 200:
            raise AviProviderError(
                f"preflight: GET {obj_type} {name!r} failed (HTTP {rsp.status_code})"
            )
        results = (rsp.json() or {}).get("results") or []
        cache.values[slot] = results[0] if results else None
    return cache.values[slot]


def _system_tier(session: AviSession, cache: _Cache) -> str | None:
    slot = ("systemconfiguration", "")
    if slot not in cache.values:
        rsp = session.request("GET", "systemconfiguration")
        cache.values[slot] = (rsp.json() or {}) if rsp.status_code == 200 else {}
    return cache.values[slot].get("default_license_tier")


def forget_preflights() -> None:
    """Tests: every session starts unchecked."""
    with _CACHES_LOCK:
        _CACHES.clear()
