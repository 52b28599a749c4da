"""Rules a write must pass that look beyond the body: a network's subnets, VIP auto-allocation
from Avi IPAM, and the DSR rules of every virtual service the written object touches."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from avisim.dsr_rules import DsrContext, DsrRules, dsr_violations
from avisim.errors import ApiError
from avisim.ipam import allocate_vips
from avisim.networks import subnet_problems
from avisim.placement import vip_addresses
from avisim.refs import canonical_ref, split_canonical
from avisim.versions import Version

Obj = dict[str, Any]


@dataclass(frozen=True)
class StoreView:
    """What the rules read from the store (objects by ref, referrers by uuid, all of a type)."""

    lookup: Callable[[str], Obj | None]
    referrers: Callable[[str], Iterable[str]]
    all_of: Callable[[str], Iterable[Obj]]


def check_object(view: StoreView, obj_type: str, obj: Obj, previous: Obj | None) -> None:
    """Rules of single object types; may fill controller-chosen values (allocated VIPs)."""
    if obj_type == "network":
        problems = subnet_problems(obj)
        if problems:
            raise ApiError(400, "Invalid Network: " + "; ".join(problems))
    elif obj_type == "vsvip":
        used = {
            address
            for other in view.all_of("vsvip")
            if other["uuid"] != obj["uuid"]
            for vip in other.get("vip") or []
            for address in vip_addresses(vip)
        }
        allocate_vips(obj, previous, view.lookup, used)


def check_dsr(
    view: StoreView,
    rules: DsrRules,
    obj_type: str,
    candidate: Obj,
    *,
    api_version: Version,
    controller_version: Version,
) -> None:
    """The DSR rules for the written virtual service, or for every virtual service referring
    to the written object (a pool, profile, VsVip...), with the candidate in place."""
    me = canonical_ref(obj_type, candidate["uuid"])

    def lookup(ref: str) -> Obj | None:
        return candidate if ref == me else view.lookup(ref)

    affected = [me] if obj_type == "virtualservice" else []
    affected += [
        r for r in sorted(view.referrers(candidate["uuid"])) if r.startswith("/api/virtualservice/")
    ]
    for vs_ref in affected:
        vs = lookup(vs_ref)
        if vs is None:
            continue
        context = DsrContext(
            lookup=lookup,
            pool_users=_pool_users(view, vs, lookup),
            api_version=api_version,
            controller_version=controller_version,
        )
        problems = dsr_violations(vs, context, rules)
        if problems:
            raise ApiError(400, "; ".join(problems))


def _pool_users(
    view: StoreView, vs: Mapping[str, Any], lookup: Callable[[str], Obj | None]
) -> tuple[Obj, ...]:
    """The other virtual services whose pool_ref is this one's pool."""
    pool_ref = vs.get("pool_ref")
    if not isinstance(pool_ref, str):
        return ()
    others = []
    for ref in sorted(view.referrers(split_canonical(pool_ref)[1])):
        other = lookup(ref) if ref.startswith("/api/virtualservice/") else None
        if other and other["uuid"] != vs["uuid"] and other.get("pool_ref") == pool_ref:
            others.append(other)
    return tuple(others)
