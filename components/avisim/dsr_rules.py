"""Strict DSR checks: what a DSR virtual service needs, as switchable rules.

Sources: the Avi "Direct Server Return" pages (avinetworks.com/docs/22.1/direct-server-return/;
docs.vmware.com VMware-Avi-Load-Balancer/30.2 Configuration Guide GUID-FE309741... and the "Layer 3
DSR" page GUID-DA980633...), summarised in shared/reference/avi-api.md section 2.2. The real
controller's enforcement of each is not published; each rule can be turned off so tests can model
a lenient controller too. What the edition allows (Essentials refuses ``dsr_profile``) is the
schema's job (Swagger edition prose), not a rule here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from avisim.errors import ApiError

Lookup = Callable[[str], Mapping[str, Any] | None]
# DSR page (22.1): "only supported for IPv4"; the 30.2 "Layer 3 DSR" page adds IPv6 from 30.2.1.
IPV6_DSR_VERSION = (30, 2, 1)
# DSR pages, "Supported ecosystems": VMware write access and no access, Linux server cloud; the
# 30.2 page adds OpenStack no-access. (No-access VMware clouds are CLOUD_NONE.)
DSR_CLOUD_TYPES = ("CLOUD_VCENTER", "CLOUD_NONE", "CLOUD_LINUXSERVER")
DSR_CLOUD_TYPES_30_2 = (*DSR_CLOUD_TYPES, "CLOUD_OPENSTACK")
_FAST_PATH_SECTION = {
    "PROTOCOL_TYPE_TCP_FAST_PATH": "tcp_fast_path_profile",
    "PROTOCOL_TYPE_UDP_FAST_PATH": "udp_fast_path_profile",
}


@dataclass
class DsrRules:
    """``strict_dsr`` is the master switch; the others switch single rules."""

    strict_dsr: bool = True
    l4_application_profile: bool = True
    consistent_hash: bool = True
    server_port_equals_service_port: bool = True
    no_ssl: bool = True
    ipv6_needs_30_2_1: bool = True
    pool_not_shared: bool = True
    dsr_cloud_type: bool = True

    def update(self, changes: Any) -> None:
        """Apply ``{"rule": bool}`` changes; unknown names or non-bools are a 400."""
        if not isinstance(changes, Mapping):
            raise ApiError(400, 'rules: expected a JSON object like {"strict_dsr": false}')
        known = {f.name for f in fields(self)}
        for key, value in changes.items():
            if key not in known:
                raise ApiError(
                    400, f"rules: unknown rule {key!r}; known: {', '.join(sorted(known))}"
                )
            if not isinstance(value, bool):
                raise ApiError(400, f"rules.{key}: must be true or false, got {value!r}")
        for key, value in changes.items():
            setattr(self, key, value)

    def as_dict(self) -> dict[str, bool]:
        return asdict(self)

    def on(self, rule: str) -> bool:
        return self.strict_dsr and getattr(self, rule)


def dsr_profile_of(network_profile: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The ``dsr_profile`` of a fast-path network profile, or None when it is not a DSR profile."""
    profile = (network_profile or {}).get("profile") or {}
    section = profile.get(_FAST_PATH_SECTION.get(profile.get("type", ""), ""), {}) or {}
    return section.get("dsr_profile")


@dataclass(frozen=True)
class DsrContext:
    """What the rules read besides the virtual service: objects by ref, the other virtual
    services using its pool, the request's API version and the controller's version."""

    lookup: Lookup
    pool_users: tuple[Mapping[str, Any], ...]
    api_version: tuple[int, ...]
    controller_version: tuple[int, ...]


def dsr_violations(vs: Mapping[str, Any], ctx: DsrContext, rules: DsrRules) -> list[str]:
    """Every rule a DSR virtual service breaks (empty for non-DSR services or when off), plus a
    non-DSR service sharing the pool of a DSR one."""
    if not rules.strict_dsr:
        return []
    lookup = ctx.lookup
    network_profile = _get(lookup, vs.get("network_profile_ref"))
    if dsr_profile_of(network_profile) is None:
        return _shares_a_dsr_pool(vs, ctx, rules)
    name = vs.get("name")
    np_name = network_profile.get("name") if network_profile else None
    prefix = f"DSR virtual service '{name}' (network profile '{np_name}')"
    problems: list[str] = []
    app = _get(lookup, vs.get("application_profile_ref")) or {}
    if rules.on("l4_application_profile") and app.get("type") != "APPLICATION_PROFILE_TYPE_L4":
        problems.append(
            f"{prefix} needs an L4 application profile such as System-L4-Application; "
            f"'{app.get('name')}' is {app.get('type')}"
        )
    services = [s for s in vs.get("services") or [] if isinstance(s, Mapping)]
    if rules.on("no_ssl") and any(s.get("enable_ssl") for s in services):
        problems.append(f"{prefix} cannot terminate SSL: set services[].enable_ssl to false")
    pool = _get(lookup, vs.get("pool_ref"))
    if pool is not None:
        problems += _pool_problems(prefix, pool, services, rules)
        # 22.1 DSR page: "Pool sharing is not supported for DSR".
        if rules.on("pool_not_shared") and ctx.pool_users:
            others = ", ".join(sorted(f"'{u.get('name')}'" for u in ctx.pool_users))
            problems.append(
                f"{prefix}: pool '{pool.get('name')}' is already used by virtual service "
                f"{others}; pool sharing is not supported for DSR"
            )
    if (
        rules.on("ipv6_needs_30_2_1")
        and ctx.api_version < IPV6_DSR_VERSION
        and _has_ipv6_vip(vs, lookup)
    ):
        problems.append(
            f"{prefix} has an IPv6 VIP: IPv6 L3 DSR needs X-Avi-Version 30.2.1 or later "
            f"(request used {'.'.join(map(str, ctx.api_version))})"
        )
    cloud = _get(lookup, vs.get("cloud_ref")) or {}
    allowed = DSR_CLOUD_TYPES_30_2 if ctx.controller_version >= (30, 2) else DSR_CLOUD_TYPES
    if rules.on("dsr_cloud_type") and cloud.get("vtype") not in allowed:
        problems.append(
            f"{prefix}: cloud '{cloud.get('name')}' is {cloud.get('vtype')}; DSR is supported on "
            f"{', '.join(allowed)}"
        )
    return problems


def _shares_a_dsr_pool(vs: Mapping[str, Any], ctx: DsrContext, rules: DsrRules) -> list[str]:
    if not rules.on("pool_not_shared"):
        return []
    for user in ctx.pool_users:
        if dsr_profile_of(_get(ctx.lookup, user.get("network_profile_ref"))) is not None:
            pool = _get(ctx.lookup, vs.get("pool_ref")) or {}
            return [
                f"Virtual service '{vs.get('name')}': pool '{pool.get('name')}' belongs to DSR "
                f"virtual service '{user.get('name')}'; pool sharing is not supported for DSR"
            ]
    return []


def _pool_problems(
    prefix: str, pool: Mapping[str, Any], services: list[Mapping[str, Any]], rules: DsrRules
) -> list[str]:
    problems = []
    if rules.on("consistent_hash") and pool.get("lb_algorithm") != "LB_ALGORITHM_CONSISTENT_HASH":
        problems.append(
            f"{prefix}: pool '{pool.get('name')}' must use lb_algorithm "
            f"LB_ALGORITHM_CONSISTENT_HASH, not {pool.get('lb_algorithm')}"
        )
    if rules.on("server_port_equals_service_port") and not pool.get("use_service_port"):
        listen = sorted({p for s in services for p in _ports(s)})
        default_port = pool.get("default_server_port", 80)
        for server in pool.get("servers") or []:
            port = server.get("port") or default_port
            if [port] != listen:
                addr = (server.get("ip") or {}).get("addr")
                problems.append(
                    f"{prefix}: DSR cannot translate ports, but pool '{pool.get('name')}' sends "
                    f"to {addr}:{port} while the service listens on {_port_text(listen)}; set the "
                    "server port to the service port or use_service_port: true"
                )
    return problems


def _has_ipv6_vip(vs: Mapping[str, Any], lookup: Lookup) -> bool:
    vsvip = _get(lookup, vs.get("vsvip_ref")) or {}
    vips = list(vsvip.get("vip") or []) + list(vs.get("vip") or [])
    return any(
        isinstance(v, Mapping)
        and (v.get("ip6_address") or v.get("auto_allocate_ip_type") in ("V6_ONLY", "V4_V6"))
        for v in vips
    )


def _ports(service: Mapping[str, Any]) -> range:
    port = int(service.get("port", 0))
    end = int(service.get("port_range_end") or port)
    return range(port, max(port, end) + 1)


def _port_text(ports: list[int]) -> str:
    return ", ".join(map(str, ports)) if len(ports) <= 5 else f"{ports[0]}-{ports[-1]}"


def _get(lookup: Lookup, ref: Any) -> Mapping[str, Any] | None:
    return lookup(ref) if isinstance(ref, str) else None
