"""Readers for the services key: VIPs, ports, members, placement, network profile, monitor."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from avi_dsr.config.fields import (
    MAX_HTTP_PATH,
    IPAddress,
    Problems,
    check_keys,
    describe,
    http_path_problem,
    read_address,
    read_bool,
    read_int,
    read_items,
    read_list,
    read_mapping,
    read_optional,
    read_str,
    read_tenant,
    service_name_problem,
)
from avi_dsr.config.placement import (
    PlacementFacts,
    PlacementRead,
    read_placement,
    resolve_placement,
)
from avi_dsr.config.specs import (
    ADOPT_KINDS,
    DNS_RECORD_TYPES,
    HTTP_CODES,
    MIN_IPV6_DSR_VERSION,
    NAMESPACE,
    ControllerConfig,
    HealthMonitorConfig,
    MemberConfig,
    NetworkProfileConfig,
    PortRange,
    ServerConfig,
    ServiceSpec,
    vip_family,
)
from avi_dsr.controller_address import DEFAULT_TENANT
from avi_dsr.rules import (
    MONITOR_TYPES,
    gre_version_problem,
    ipv6_version_problem,
    mixed_family_problem,
    monitor_type_problem,
    syn_protection_problem,
)
from avi_dsr.textcheck import short_list

# Avi's own list limits (Swagger 22.1.4: VirtualService.services maxItems 2048, Pool.servers
# maxItems 5000): refused here with one short line instead of a schema error on the controller.
MAX_PORTS = 2048
MAX_MEMBERS = 5000
_PORT_RANGE = re.compile(r" *([0-9]{1,5}) *(?:- *([0-9]{1,5}) *)?")  # 5 digits: int() stays cheap


_SERVICE_KEYS = (
    "name",
    "vip",
    "vip6",
    "prepareVip6",
    "placement",
    "protocol",
    "ports",
    "servers",
    "healthMonitor",
    "networkProfile",
    "cloud",
    "seGroup",
    "vrf",
    "tenant",
    "enabled",
    "waitForUpSeconds",
    "adopt",
)
_SSL_KEYS = ("ssl", "enableSsl", "sslProfile", "sslCertificate")
AUTO = "auto"


def read_services(
    value: Any,
    servers: list[ServerConfig],
    broken: set[str],
    controller: ControllerConfig | None,
    api: str | None,
    problems: Problems,
    placement: PlacementRead | None = None,
) -> list[ServiceSpec]:
    """``placement`` is the stack-wide default (``avi-dsr:placement``), read by the caller."""
    key = f"{NAMESPACE}:services"
    default = placement or PlacementRead(f"{NAMESPACE}:placement", {})
    items = read_items(
        value, key, problems, missing="needs at least one service (name, vip, ports, servers)"
    )
    by_name = {s.name: s for s in servers}
    services: list[ServiceSpec] = []
    seen: dict[str, str] = {}
    vip_owner: dict[IPAddress, str] = {}
    for index, item in enumerate(items):
        where = f"{key}[{index}]"
        service = _service(item, where, by_name, broken, controller, api, default, problems)
        if service is None:
            continue
        if service.name in seen:
            problems.add(
                f"{where}.name",
                f"duplicate service '{service.name}' "
                f"(also {seen[service.name]}); names must be unique",
            )
            continue
        seen[service.name] = where
        owned = (
            ("vip", service.vip),
            ("vip6", service.vip6),
            ("prepareVip6", service.prepared_vip6),
        )
        for vkey, vip in owned:
            if vip is None:
                continue
            if vip in vip_owner:
                problems.add(
                    f"{where}.{vkey}",
                    f"{vip} is already the VIP of service "
                    f"'{vip_owner[vip]}'; list all its ports in one service instead",
                )
            vip_owner[vip] = service.name
        services.append(service)
    return services


def _service(
    item: Any,
    key: str,
    servers: Mapping[str, ServerConfig],
    broken: set[str],
    controller: ControllerConfig | None,
    api: str | None,
    default_placement: PlacementRead,
    problems: Problems,
) -> ServiceSpec | None:
    obj = read_mapping(item, key, problems)
    if obj is None:
        if item is None:
            problems.add(key, "is empty; give a service mapping")
        return None
    check_keys(obj, key, _SERVICE_KEYS + _SSL_KEYS, problems)
    before = len(problems.items)
    for ssl_key in _SSL_KEYS:
        if ssl_key in obj:
            problems.add(
                f"{key}.{ssl_key}",
                "SSL does not apply to DSR (an L4 fast path: "
                "replies bypass the Service Engine); terminate TLS on the servers and "
                "remove this key",
            )
    name = read_str(obj, "name", key, problems, required=True)
    if name and (problem := service_name_problem(name)):
        problems.add(f"{key}.name", problem)
    vips = _vips(obj, key, api, problems)
    protocol = read_str(obj, "protocol", key, problems, default="tcp", choices=("tcp", "udp"))
    ports = _ports(obj.get("ports"), f"{key}.ports", problems)
    members = _members(obj.get("servers"), f"{key}.servers", servers, broken, problems)
    vip_ok = vips is not None and _check_member_addresses(members, servers, vips, key, problems)
    profile = _network_profile(
        obj.get("networkProfile"),
        f"{key}.networkProfile",
        protocol,
        api,
        problems,
        ipv6=vips is not None and vips.family == 6,
    )
    if profile and profile.dsr_type == "L2":
        _check_l2(members.values(), servers, f"{key}.networkProfile.dsrType", problems)
    monitor = _health_monitor(obj.get("healthMonitor"), f"{key}.healthMonitor", protocol, problems)
    placement = None
    if vips is not None and profile is not None:
        own = read_placement(obj.get("placement"), f"{key}.placement", problems)
        facts = PlacementFacts(
            key=key,
            family=vips.family,
            vip=vips.static if vip_ok else None,  # a VIP already reported is not re-checked
            auto=vips.auto is not None,
            dsr_type=profile.dsr_type,
            server_addresses=_own_addresses(members.values(), servers, vips.family),
        )
        placement = resolve_placement(default_placement, own, facts, problems)
    tenant_default = controller.tenant if controller else DEFAULT_TENANT
    cloud = read_str(obj, "cloud", key, problems, default="Default-Cloud")
    se_group = read_str(obj, "seGroup", key, problems, default="Default-Group")
    vrf = read_str(obj, "vrf", key, problems, default="global")
    tenant = read_tenant(obj, key, problems, default=tenant_default)
    enabled = read_bool(obj, "enabled", key, problems, default=True)
    wait = read_int(obj, "waitForUpSeconds", key, problems, default=600, low=0, high=3600)
    adopt = _adopt(obj.get("adopt"), f"{key}.adopt", problems)
    complete = all(m not in broken for m in _raw_names(obj.get("servers")))
    if len(problems.items) > before or not (
        name and vips and ports and members and profile and placement and complete
    ):
        return None
    return ServiceSpec(
        name=name,
        vip=vips.vip,
        vip6=vips.vip6,
        auto_allocate=vips.auto,
        prepared_vip6=vips.prepared6,
        protocol=protocol or "tcp",
        ports=ports,
        members=tuple(members.values()),
        health_monitor=monitor,
        network_profile=profile,
        placement=placement,
        cloud=cloud or "Default-Cloud",
        se_group=se_group or "Default-Group",
        vrf=vrf or "global",
        tenant=tenant or tenant_default,
        enabled=enabled,
        wait_for_up_seconds=600 if wait is None else wait,
        adopt=adopt,
    )


def _adopt(value: Any, key: str, problems: Problems) -> tuple[tuple[str, str], ...]:
    """Existing objects to take over instead of creating them, by kind: `{pool: legacy-pool}`.
    The provider never takes an object whose ownership markers name another stack."""
    if value is None:
        return ()
    obj = read_mapping(value, key, problems)
    if obj is None:
        return ()
    check_keys(obj, key, ADOPT_KINDS, problems)
    found = [(kind, obj[kind]) for kind in ADOPT_KINDS if read_str(obj, kind, key, problems)]
    return tuple(found)


@dataclass(frozen=True)
class _Vips:
    """A service's VIP: static (vip or vip6) or allocated (auto "V4"/"V6"), one family."""

    vip: ipaddress.IPv4Address | None
    vip6: ipaddress.IPv6Address | None
    auto: str | None
    prepared6: ipaddress.IPv6Address | None

    @property
    def family(self) -> int:
        return vip_family(self.vip6, self.auto)

    @property
    def static(self) -> IPAddress | None:
        return self.vip6 if self.family == 6 else self.vip


def _vips(obj: Mapping[str, Any], key: str, api: str | None, problems: Problems) -> _Vips | None:
    given = [k for k in ("vip", "vip6") if obj.get(k) is not None]
    if not given:
        problems.add(
            f"{key}.vip",
            "is required: the IPv4 VIP (e.g. 203.0.113.10), or auto to have the controller "
            "allocate it; an IPv6-only service sets vip6 instead",
        )
        return None
    if len(given) == 2:
        problems.add(f"{key}.vip6", mixed_family_problem())
        return None
    which = given[0]
    family = 4 if which == "vip" else 6
    auto = None
    address = None
    if obj[which] == AUTO:
        auto = f"V{family}"
    else:
        address = read_address(obj[which], f"{key}.{which}", problems, family=family)
        if address is None:
            return None
    if family == 6 and api and (problem := ipv6_version_problem(api)):
        problems.add(
            f"{key}.vip6",
            f'{problem}; set avi-dsr:controller.apiVersion to "{MIN_IPV6_DSR_VERSION}" '
            f"(now {api}) or remove vip6",
        )
    prepared6 = read_optional(obj, "prepareVip6", key, problems, read_address, family=6)
    if prepared6 is not None and family == 6:
        problems.add(
            f"{key}.prepareVip6",
            "only applies to IPv4 services (it readies the servers for an IPv6 VIP that no Avi "
            "object carries yet); this service already has vip6: remove prepareVip6",
        )
    return _Vips(
        vip=address if family == 4 else None,
        vip6=address if family == 6 else None,
        auto=auto,
        prepared6=prepared6 if family == 4 else None,
    )


def _check_member_addresses(
    members: Mapping[int, MemberConfig],
    servers: Mapping[str, ServerConfig],
    vips: _Vips,
    key: str,
    problems: Problems,
) -> bool:
    """Every member has the service's family; no VIP is a member's own address. False when
    the VIP itself was reported."""
    vip_ok = True
    skey = f"ipv{vips.family}"
    vip_key = "vip" if vips.family == 4 else "vip6"
    for i, member in members.items():
        server = servers[member.server]
        own = server.ipv4 if vips.family == 4 else server.ipv6
        if own is None:
            what = f"IPv{vips.family} VIP" if vips.auto is None else f"IPv{vips.family} VIP (auto)"
            problems.add(
                f"{key}.servers[{i}]",
                f"server '{server.name}' has no {skey}, but the service has an "
                f"{what}; give the server {skey}",
            )
        elif own.ip == vips.static:
            vip_ok = False
            problems.add(
                f"{key}.{vip_key}",
                f"{vips.static} is the address of "
                f"server '{server.name}'; the VIP must be a separate address",
            )
        if vips.prepared6 is None:
            continue
        if server.ipv6 is None:
            problems.add(
                f"{key}.servers[{i}]",
                f"server '{server.name}' has no ipv6, but prepareVip6 puts "
                f"{vips.prepared6} on its dsr6 tunnel; give the server ipv6",
            )
        elif server.ipv6.ip == vips.prepared6:
            problems.add(
                f"{key}.prepareVip6",
                f"{vips.prepared6} is the address of server '{server.name}'; "
                "the VIP must be a separate address",
            )
    return vip_ok


def _own_addresses(
    members: Iterable[MemberConfig], servers: Mapping[str, ServerConfig], family: int
) -> list[tuple[str, IPAddress]]:
    found: list[tuple[str, IPAddress]] = []
    for member in members:
        server = servers[member.server]
        own = server.ipv4 if family == 4 else server.ipv6
        if own is not None:
            found.append((server.name, own.ip))
    return found


def _ports(value: Any, key: str, problems: Problems) -> tuple[PortRange, ...]:
    items = read_items(
        value,
        key,
        problems,
        missing='needs at least one port, e.g. [80] or ["8000-8010"]',
        max_items=MAX_PORTS,
        why=" (Avi's limit of services per virtual service); use ranges",
    )
    ranges: list[PortRange] = []
    for i, item in enumerate(items):
        where = f"{key}[{i}]"
        port_range = _port_range(item, where, problems)
        if port_range is None:
            continue
        for j, other in enumerate(ranges):
            if port_range.start <= other.end and other.start <= port_range.end:
                problems.add(
                    where, f"{port_range} overlaps {other} ({key}[{j}]); list each port once"
                )
                break
        else:
            ranges.append(port_range)
    return tuple(ranges)


def _port_range(item: Any, key: str, problems: Problems) -> PortRange | None:
    if isinstance(item, bool):
        problems.add(key, f'must be a port (1-65535) or a range "start-end", got {item!r}')
        return None
    if isinstance(item, int):
        if not 1 <= item <= 65535:
            problems.add(key, f"port must be between 1 and 65535, got {describe(item)}")
            return None
        return PortRange(item, item)
    match = _PORT_RANGE.fullmatch(item) if isinstance(item, str) else None
    if match is None:
        problems.add(key, f'must be a port (1-65535) or a range "start-end", got {describe(item)}')
        return None
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if not (1 <= start <= 65535 and 1 <= end <= 65535):
        problems.add(key, f"ports must be between 1 and 65535, got {describe(item)}")
        return None
    if end < start:
        problems.add(key, f'range {describe(item)} ends before it starts; write "{end}-{start}"')
        return None
    return PortRange(start, end)


def _raw_names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else []
    names = [i if isinstance(i, str) else i.get("name") for i in items if isinstance(i, str | dict)]
    return [n for n in names if isinstance(n, str)]


def _members(
    value: Any,
    key: str,
    servers: Mapping[str, ServerConfig],
    broken: set[str],
    problems: Problems,
) -> dict[int, MemberConfig]:
    """Valid members by their index in the config list (so later problems name the right item)."""
    items = read_items(
        value,
        key,
        problems,
        missing="needs at least one server name from avi-dsr:servers",
        max_items=MAX_MEMBERS,
        why=" (Avi's limit of servers per pool)",
    )
    members: dict[int, MemberConfig] = {}
    for i, item in enumerate(items):
        where = f"{key}[{i}]"
        if isinstance(item, str):
            member = MemberConfig(item)
        else:
            obj = read_mapping(item, where, problems)
            if obj is None:
                continue
            check_keys(obj, where, ("name", "ratio", "enabled"), problems)
            name = read_str(obj, "name", where, problems, required=True)
            if name is None:
                continue
            member = MemberConfig(
                server=name,
                ratio=read_int(obj, "ratio", where, problems, default=1, low=1, high=20) or 1,
                enabled=read_bool(obj, "enabled", where, problems, default=True),
            )
        if member.server in broken:
            continue  # its own problems are already reported under avi-dsr:servers
        if member.server not in servers:
            known = short_list(sorted(servers)) or "none are valid"
            problems.add(
                where,
                f"unknown server {describe(member.server)}; define it in avi-dsr:servers "
                f"(known: {known})",
            )
        elif any(m.server == member.server for m in members.values()):
            problems.add(where, f"server '{member.server}' is listed twice")
        else:
            members[i] = member
    return members


def _network_profile(
    value: Any,
    key: str,
    protocol: str | None,
    api: str | None,
    problems: Problems,
    *,
    ipv6: bool = False,
) -> NetworkProfileConfig | None:
    obj = read_mapping(value, key, problems) or {}
    check_keys(obj, key, ("dsrType", "encap", "idleTimeout", "synProtection"), problems)
    before = len(problems.items)
    dsr_type = read_str(obj, "dsrType", key, problems, default="L3", choices=("L3", "L2"))
    encap = read_str(obj, "encap", key, problems, default="IPINIP", choices=("IPINIP", "GRE"))
    if encap == "GRE" and api and (problem := gre_version_problem(api)):
        problems.add(
            f"{key}.encap", f"{problem}; use IPINIP or raise avi-dsr:controller.apiVersion"
        )
    if encap == "GRE" and dsr_type == "L2":
        problems.add(f"{key}.encap", "GRE only applies to L3 DSR; remove encap or use dsrType L3")
    syn = read_bool(obj, "synProtection", key, problems, default=False)
    if problem := syn_protection_problem(protocol or "tcp", syn):
        problems.add(f"{key}.synProtection", problem)
    if encap == "GRE" and ipv6:
        # Avi documents GRE for L3 DSR (22.1/30.2 DSR overview) and IPv6 L3 DSR only from 30.2.1,
        # "in OpenStack", with "Supported mode: IPinIP" (30.2 Configuration Guide, Layer 3 DSR):
        # nowhere GRE over IPv6, and the servers' GRE tunnel is IPv4 only (dsr4gre).
        problems.add(
            f"{key}.encap",
            "Avi documents GRE for IPv4 L3 DSR only, not for an IPv6 VIP; "
            "serve IPv4 with GRE, or use encap IPINIP for the IPv6 service (ip6ip6)",
        )
    if protocol == "udp":
        idle = read_int(obj, "idleTimeout", key, problems, low=2, high=3600)
    else:
        idle = read_int(obj, "idleTimeout", key, problems, low=0, high=14400)
        if idle is not None and 0 < idle < 5:
            problems.add(f"{key}.idleTimeout", f"must be 0 (never) or 5-14400 seconds, got {idle}")
    if len(problems.items) > before:
        return None
    return NetworkProfileConfig(
        dsr_type=dsr_type or "L3", encap=encap or "IPINIP", idle_timeout=idle, syn_protection=syn
    )


def _check_l2(
    members: Iterable[MemberConfig],
    servers: Mapping[str, ServerConfig],
    key: str,
    problems: Problems,
) -> None:
    """L2 DSR rewrites MACs, so every server must sit on one shared layer-2 subnet."""
    subnets = {servers[m.server].ipv4.network for m in members if servers[m.server].ipv4}
    if len(subnets) > 1:
        nets = ", ".join(str(n) for n in sorted(subnets))
        problems.add(
            key,
            f"L2 DSR needs every server on one subnet (with the Service Engines), "
            f"but they span {nets}; use dsrType L3 or move the servers",
        )


_MONITOR_KEYS = {
    "tcp": ("type", "port", "interval", "timeout"),
    "http": ("type", "port", "path", "codes", "interval", "timeout"),
    "udp": ("type", "port", "request", "response", "interval", "timeout"),
    "dns": ("type", "port", "queryName", "recordType", "interval", "timeout"),
}
_ALL_MONITOR_KEYS = tuple(dict.fromkeys(k for keys in _MONITOR_KEYS.values() for k in keys))


def _health_monitor(
    value: Any, key: str, protocol: str | None, problems: Problems
) -> HealthMonitorConfig | None:
    obj = read_mapping(value, key, problems)
    if obj is None:
        return None
    check_keys(obj, key, _ALL_MONITOR_KEYS, problems)
    before = len(problems.items)
    kind = read_str(obj, "type", key, problems, required=True, choices=tuple(_MONITOR_KEYS))
    if kind and protocol in MONITOR_TYPES and (problem := monitor_type_problem(protocol, kind)):
        problems.add(f"{key}.type", problem)
    if kind:
        for name in obj:
            if name in _ALL_MONITOR_KEYS and name not in _MONITOR_KEYS[kind]:
                types = ", ".join(t for t, keys in _MONITOR_KEYS.items() if name in keys)
                problems.add(f"{key}.{name}", f"only applies to type: {types}; remove it")
    path = read_str(obj, "path", key, problems, default="/", max_len=MAX_HTTP_PATH) or "/"
    if problem := http_path_problem(path):
        problems.add(f"{key}.path", problem)
    codes = read_list(obj.get("codes"), f"{key}.codes", problems)
    for i, code in enumerate(codes or []):
        if not isinstance(code, str) or code.lower() not in HTTP_CODES:
            problems.add(
                f"{key}.codes[{i}]",
                f"must be one of {', '.join(HTTP_CODES)}, got {describe(code)}",
            )
    request = read_str(obj, "request", key, problems)
    response = read_str(obj, "response", key, problems)
    query_name = read_str(obj, "queryName", key, problems, required=kind == "dns")
    record_type = read_str(
        obj, "recordType", key, problems, default="A", choices=tuple(DNS_RECORD_TYPES)
    )
    port = read_int(obj, "port", key, problems, low=1, high=65535)
    interval = read_int(obj, "interval", key, problems, default=10, low=1, high=3600) or 10
    timeout = read_int(obj, "timeout", key, problems, default=4, low=1, high=2400) or 4
    if timeout >= interval:
        problems.add(
            f"{key}.timeout", f"must be shorter than interval ({interval}s), got {timeout}s"
        )
    if len(problems.items) > before or kind is None:
        return None
    return HealthMonitorConfig(
        type=kind,
        port=port,
        path=path,
        codes=tuple(str(c).lower() for c in codes or ("2xx",)),
        interval=interval,
        timeout=timeout,
        request=request,
        response=response,
        query_name=query_name,
        record_type=record_type or "A",
    )


# The readers above are the one home of the service rules: the components check their typed
# args with them too (avi_dsr.config.typed), so a rule and its message exist once.
read_ports = _ports
read_members = _members
read_network_profile = _network_profile
read_health_monitor = _health_monitor
