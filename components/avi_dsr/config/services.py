"""Readers for the services key: VIPs, ports, members, network profile, health monitor."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from avi_dsr.config.fields import (
    IPAddress,
    Problems,
    check_keys,
    describe,
    read_address,
    read_bool,
    read_int,
    read_items,
    read_list,
    read_mapping,
    read_optional,
    read_str,
    version_tuple,
)
from avi_dsr.config.specs import (
    HTTP_CODES,
    MIN_GRE_VERSION,
    MIN_IPV6_DSR_VERSION,
    NAMESPACE,
    ControllerConfig,
    HealthMonitorConfig,
    MemberConfig,
    NetworkProfileConfig,
    PortRange,
    ServerConfig,
    ServiceSpec,
)
from avi_dsr.controller_address import DEFAULT_TENANT

_SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$")


_SERVICE_KEYS = (
    "name",
    "vip",
    "vip6",
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
)
_SSL_KEYS = ("ssl", "enableSsl", "sslProfile", "sslCertificate")


def read_services(
    value: Any,
    servers: list[ServerConfig],
    broken: set[str],
    controller: ControllerConfig | None,
    api: str | None,
    problems: Problems,
) -> list[ServiceSpec]:
    key = f"{NAMESPACE}:services"
    items = read_items(
        value, key, problems, missing="needs at least one service (name, vip, ports, servers)"
    )
    by_name = {s.name: s for s in servers}
    services: list[ServiceSpec] = []
    seen: dict[str, str] = {}
    vip_owner: dict[IPAddress, str] = {}
    for index, item in enumerate(items):
        where = f"{key}[{index}]"
        service = _service(item, where, by_name, broken, controller, api, problems)
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
        for vkey, vip in (("vip", service.vip), ("vip6", service.vip6)):
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
    if name and not _SERVICE_NAME.match(name):
        problems.add(
            f"{key}.name",
            f"{describe(name)} must start with a letter or digit and use "
            "only letters, digits, '-', '_', '.' (at most 60 characters)",
        )
    vip = None
    if obj.get("vip") is None:
        problems.add(f"{key}.vip", "is required (the IPv4 virtual IP, e.g. 203.0.113.10)")
    else:
        vip = read_address(obj["vip"], f"{key}.vip", problems, family=4)
    vip6 = read_optional(obj, "vip6", key, problems, read_address, family=6)
    if vip6 is not None and api and version_tuple(api) < version_tuple(MIN_IPV6_DSR_VERSION):
        problems.add(
            f"{key}.vip6",
            f"IPv6 L3 DSR needs Avi {MIN_IPV6_DSR_VERSION} or later; "
            f'set avi-dsr:controller.apiVersion to "{MIN_IPV6_DSR_VERSION}" '
            f"(now {api}) or remove vip6",
        )
    protocol = read_str(obj, "protocol", key, problems, default="tcp", choices=("tcp", "udp"))
    ports = _ports(obj.get("ports"), f"{key}.ports", problems)
    members = _members(obj.get("servers"), f"{key}.servers", servers, broken, problems)
    for i, member in members.items():
        server = servers[member.server]
        for v, fam, skey in ((vip, 4, "ipv4"), (vip6, 6, "ipv6")):
            own = server.ipv4 if fam == 4 else server.ipv6
            if v is None:
                continue
            if own is None:
                problems.add(
                    f"{key}.servers[{i}]",
                    f"server '{server.name}' has no {skey}, but "
                    f"the service has an IPv{fam} VIP; give the server {skey}",
                )
            elif own.ip == v:
                problems.add(
                    f"{key}.{'vip' if fam == 4 else 'vip6'}",
                    f"{v} is the address of "
                    f"server '{server.name}'; the VIP must be a separate address",
                )
    profile = _network_profile(
        obj.get("networkProfile"), f"{key}.networkProfile", protocol, api, problems, vip6
    )
    if profile and profile.dsr_type == "L2":
        _check_l2(members.values(), servers, f"{key}.networkProfile.dsrType", problems)
    monitor = _health_monitor(obj.get("healthMonitor"), f"{key}.healthMonitor", problems)
    tenant_default = controller.tenant if controller else DEFAULT_TENANT
    cloud = read_str(obj, "cloud", key, problems, default="Default-Cloud")
    se_group = read_str(obj, "seGroup", key, problems, default="Default-Group")
    vrf = read_str(obj, "vrf", key, problems, default="global")
    tenant = read_str(obj, "tenant", key, problems, default=tenant_default)
    enabled = read_bool(obj, "enabled", key, problems, default=True)
    complete = all(m not in broken for m in _raw_names(obj.get("servers")))
    if len(problems.items) > before or not (
        name and vip and ports and members and profile and complete
    ):
        return None
    return ServiceSpec(
        name=name,
        vip=vip,
        vip6=vip6,
        protocol=protocol or "tcp",
        ports=ports,
        members=tuple(members.values()),
        health_monitor=monitor,
        network_profile=profile,
        cloud=cloud or "Default-Cloud",
        se_group=se_group or "Default-Group",
        vrf=vrf or "global",
        tenant=tenant or tenant_default,
        enabled=enabled,
    )


def _ports(value: Any, key: str, problems: Problems) -> tuple[PortRange, ...]:
    items = read_items(
        value, key, problems, missing='needs at least one port, e.g. [80] or ["8000-8010"]'
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
            problems.add(key, f"port must be between 1 and 65535, got {item}")
            return None
        return PortRange(item, item)
    match = (
        re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", str(item)) if isinstance(item, str) else None
    )
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
    return [i if isinstance(i, str) else i.get("name") for i in items if isinstance(i, str | dict)]


def _members(
    value: Any,
    key: str,
    servers: Mapping[str, ServerConfig],
    broken: set[str],
    problems: Problems,
) -> dict[int, MemberConfig]:
    """Valid members by their index in the config list (so later problems name the right item)."""
    items = read_items(
        value, key, problems, missing="needs at least one server name from avi-dsr:servers"
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
            known = ", ".join(sorted(servers)) or "none are valid"
            problems.add(
                where,
                f"unknown server '{member.server}'; define it in avi-dsr:servers (known: {known})",
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
    vip6: IPAddress | None = None,
) -> NetworkProfileConfig | None:
    obj = read_mapping(value, key, problems) or {}
    check_keys(obj, key, ("dsrType", "encap", "idleTimeout", "synProtection"), problems)
    before = len(problems.items)
    dsr_type = read_str(obj, "dsrType", key, problems, default="L3", choices=("L3", "L2"))
    encap = read_str(obj, "encap", key, problems, default="IPINIP", choices=("IPINIP", "GRE"))
    if encap == "GRE" and api and version_tuple(api) < version_tuple(MIN_GRE_VERSION):
        problems.add(
            f"{key}.encap",
            f"GRE encapsulation needs Avi {MIN_GRE_VERSION} or later "
            f"(apiVersion is {api}); use IPINIP or raise avi-dsr:controller.apiVersion",
        )
    if encap == "GRE" and dsr_type == "L2":
        problems.add(f"{key}.encap", "GRE only applies to L3 DSR; remove encap or use dsrType L3")
    if encap == "GRE" and vip6 is not None:
        # Avi documents GRE for L3 DSR (22.1/30.2 DSR overview) and IPv6 L3 DSR only from 30.2.1,
        # "in OpenStack", with "Supported mode: IPinIP" (30.2 Configuration Guide, Layer 3 DSR):
        # nowhere GRE over IPv6, and the servers' GRE tunnel is IPv4 only (dsr4gre).
        problems.add(
            f"{key}.encap",
            "Avi documents GRE for IPv4 L3 DSR only, not for an IPv6 VIP; "
            "remove vip6 or use encap IPINIP (IPv6 then uses ip6ip6)",
        )
    if protocol == "udp":
        idle = read_int(obj, "idleTimeout", key, problems, low=2, high=3600)
        if obj.get("synProtection"):
            problems.add(f"{key}.synProtection", "only applies to TCP services; remove it")
    else:
        idle = read_int(obj, "idleTimeout", key, problems, low=0, high=14400)
        if idle is not None and 0 < idle < 5:
            problems.add(f"{key}.idleTimeout", f"must be 0 (never) or 5-14400 seconds, got {idle}")
    syn = read_bool(obj, "synProtection", key, problems, default=False)
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


def _health_monitor(value: Any, key: str, problems: Problems) -> HealthMonitorConfig | None:
    obj = read_mapping(value, key, problems)
    if obj is None:
        return None
    check_keys(obj, key, ("type", "port", "path", "codes", "interval", "timeout"), problems)
    before = len(problems.items)
    kind = read_str(obj, "type", key, problems, required=True, choices=("tcp", "http"))
    if kind == "tcp":
        for name in ("path", "codes"):
            if name in obj:
                problems.add(f"{key}.{name}", "only applies to type: http; remove it")
    path = read_str(obj, "path", key, problems, default="/") or "/"
    if not path.startswith("/") or any(c.isspace() for c in path):
        problems.add(
            f"{key}.path", f"must start with '/' and contain no spaces, got {describe(path)}"
        )
    codes = read_list(obj.get("codes"), f"{key}.codes", problems)
    for i, code in enumerate(codes or []):
        if str(code).lower() not in HTTP_CODES:
            problems.add(
                f"{key}.codes[{i}]",
                f"must be one of {', '.join(HTTP_CODES)}, got {describe(code)}",
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
    )
