"""Typed component args checked by the stack config's own readers: one home for each rule.

A component built from Python (``DsrPool("p", DsrPoolArgs(...))``) never went through
:func:`avi_dsr.config.parse_stack`, so it checks its args here, before it registers anything.
Each typed value is turned back into the shape the config has (a ``HealthMonitorConfig`` into
``{type, port, path, ...}``) and read by the very reader that checks the stack config, so each
rule and its message exist once. Keys come back as arg paths (``health_monitor.path``,
``profile.idle_timeout``), see :func:`arg_problems`. Outputs are left to the providers.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import pulumi

from avi_dsr.avi.connection import AviConnectionArgs, config_problems
from avi_dsr.config.fields import (
    Problem,
    Problems,
    avi_name_problem,
    describe,
    host_problem,
    read_address,
    read_bool,
    read_int,
    read_str,
    read_tenant,
    service_name_problem,
    ssh_user_problem,
)
from avi_dsr.config.servers import read_vsphere_overrides
from avi_dsr.config.services import (
    read_health_monitor,
    read_members,
    read_network_profile,
    read_ports,
)
from avi_dsr.config.specs import (
    ADOPT_KINDS,
    HealthMonitorConfig,
    MemberConfig,
    NetworkProfileConfig,
    PlacementConfig,
    PortRange,
    ServiceSpec,
    vip_family,
)
from avi_dsr.payloads import PoolMember
from avi_dsr.rules import ipv6_version_problem
from avi_dsr.server import ServerSpec
from avi_dsr.server.stage_root import stage_root_problem
from avi_dsr.textcheck import text_problem
from avi_dsr.versions import is_version

ARGS = "args"
"""Key prefix the readers get for the args themselves; :func:`arg_problems` drops it."""
_CONFIG_HINTS = {"avi-dsr:controller.apiVersion": "connection.api_version", "avi-dsr:": ""}
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_MAX_KEY_LINE = 16384  # one OpenSSH public key line
_PLACEMENT = ("cloud", "se_group", "vrf")
MAX_WAIT_SECONDS = 86400  # a day: Service Engines booting take minutes, not days


def arg_problems(problems: Problems) -> list[Problem]:
    """The readers' problems under arg names: ``args.profile.idleTimeout`` becomes
    ``profile.idle_timeout``, and a hint naming a config key names the arg instead."""
    out = []
    for problem in problems.items:
        key = _CAMEL.sub(lambda m: "_" + m.group(1).lower(), problem.key)
        message = problem.message
        for config_key, arg in _CONFIG_HINTS.items():
            message = message.replace(config_key, arg)
        out.append(Problem(key.removeprefix(f"{ARGS}."), message))
    return out


# ------------------------------------------------------------------- one per component


def check_network_profile_args(a: Any, problems: Problems) -> None:
    api = check_connection(a.connection, problems, required=False)
    _name(a.name, "name", problems)
    protocol = _read_str(a, "protocol", problems, choices=("tcp", "udp"))
    check_network_profile(a.profile, protocol, "profile", problems, api=api)
    check_object_options(a, problems, adopt=("adopt",))


def check_pool_args(a: Any, problems: Problems) -> None:
    check_connection(a.connection, problems, required=False)
    _name(a.name, "name", problems)
    check_ports(a.ports, "ports", problems)
    check_pool_members(a.members, "members", problems)
    _read_str(a, "cloud", problems)
    check_health_monitor(a.health_monitor, "health_monitor", problems)
    if a.health_monitor is not None or a.health_monitor_name is not None:
        if a.health_monitor_name is None:
            problems.add(f"{ARGS}.health_monitor_name", "is required with health_monitor")
        else:
            _name(a.health_monitor_name, "health_monitor_name", problems)
    check_object_options(a, problems, adopt=("adopt", "health_monitor_adopt"))


def check_dsr_vip_args(a: Any, problems: Problems) -> None:
    api = check_connection(a.connection, problems, required=False)
    _name(a.name, "name", problems)
    check_vip_choice(a.vip, a.vip6, a.auto_allocate, a.placement, ARGS, problems, api=api)
    for name in ("cloud", "vrf"):
        _read_str(a, name, problems)
    check_object_options(a, problems, adopt=("vsvip_adopt",))


def check_virtual_service_args(a: Any, problems: Problems) -> None:
    api = check_connection(a.connection, problems, required=False)
    _name(a.name, "name", problems)
    _name(a.vsvip_name, "vsvip_name", problems)
    if a.vsvip is None:  # else the VIP is that DsrVip's, checked when it was made
        check_vip_choice(a.vip, a.vip6, a.auto_allocate, a.placement, ARGS, problems, api=api)
    check_ports(a.ports, "ports", problems)
    for ref in ("network_profile_ref", "pool_ref"):
        _text(getattr(a, ref), ref, problems)
    for name in _PLACEMENT:
        _read_str(a, name, problems)
    read_bool({"enabled": a.enabled}, "enabled", ARGS, problems, default=True)
    check_object_options(a, problems, adopt=("adopt", "vsvip_adopt"))
    _wait(a.wait_for_up_seconds, "wait_for_up_seconds", problems)


def check_service_args(a: Any, problems: Problems) -> None:
    api = check_connection(a.connection, problems, required=False)
    servers = a.servers if hasattr(a.servers, "keys") else {}
    if not hasattr(a.servers, "keys"):
        problems.add(
            f"{ARGS}.servers", f"must be a dict of servers by name, got {describe(a.servers)}"
        )
    check_service(a.service, "service", problems, api=api, servers=list(servers))
    for arg in ("controller_url", "config_key"):
        if getattr(a, arg) is not None:
            _text(getattr(a, arg), arg, problems)


def check_vsphere_server_args(a: Any, problems: Problems) -> None:
    _server_spec(a.spec, problems)
    for name in ("datacenter", "datastore", "network", "template"):
        _read_str(a, name, problems)
    cluster = read_str({"cluster": a.cluster}, "cluster", ARGS, problems)
    host = read_str({"host": a.host}, "host", ARGS, problems)
    if (cluster is None) == (host is None) and (a.cluster is None) == (a.host is None):
        problems.add(f"{ARGS}.cluster", "give exactly one of cluster or host")
    overrides = {"cpus": a.cpus, "memoryMb": a.memory_mb, "diskGb": a.disk_gb, "folder": a.folder}
    read_vsphere_overrides({k: v for k, v in overrides.items() if v is not None}, ARGS, problems)
    wait = {"wait_for_guest_net_timeout": a.wait_for_guest_net_timeout}
    read_int(wait, "wait_for_guest_net_timeout", ARGS, problems, low=0, high=1440)


def check_existing_server_args(a: Any, problems: Problems) -> None:
    _server_spec(a.spec, problems)
    for arg, rule in (("host", host_problem), ("user", ssh_user_problem)):
        if problem := rule(getattr(a, arg)):
            problems.add(f"{ARGS}.{arg}", problem)
    read_int({"port": a.port}, "port", ARGS, problems, low=1, high=65535)
    host_key = a.host_key.strip() if isinstance(a.host_key, str) else a.host_key
    if not host_key:
        problems.add(
            f"{ARGS}.host_key",
            "is required; the server's SSH host key is always verified "
            "(get it with `ssh-keyscan -t ed25519 <host>`)",
        )
    elif problem := text_problem(host_key, max_len=_MAX_KEY_LINE):
        problems.add(f"{ARGS}.host_key", problem)
    if a.stage_root is not None and (problem := stage_root_problem(a.stage_root)):
        problems.add(f"{ARGS}.stage_root", problem)
    key = a.private_key
    if not _is_output(key) and (not isinstance(key, str) or not key.strip()):
        problems.add(f"{ARGS}.private_key", "must be the SSH private key (a secret string)")


# ------------------------------------------------------------------------ shared parts


def check_connection(conn: Any, problems: Problems, *, required: bool) -> str | None:
    """The provider's own configuration rules, run now; returns the API version the args say
    (None: unset or unusable, so version-gated rules wait for the provider)."""
    if conn is None and not required:
        return None  # the provider comes from the resource options
    if not isinstance(conn, AviConnectionArgs):
        expected = "an AviConnectionArgs" if required else "an AviConnectionArgs or None"
        # only the type: a mapping given here may well hold the password
        problems.add(f"{ARGS}.connection", f"must be {expected}, got a {type(conn).__name__}")
        return None
    config = conn.config()
    if _is_output(config["password"]):
        config["password"] = "(checked when it resolves)"
    for key, reason in config_problems(config):
        problems.add(f"{ARGS}.connection.{key}", reason)
    return conn.api_version if is_version(conn.api_version) else None


def check_object_options(a: Any, problems: Problems, *, adopt: tuple[str, ...]) -> None:
    """What every Avi object component also takes: tenant, preflight facts, adopt targets."""
    if a.tenant is not None:
        read_tenant({"tenant": a.tenant}, ARGS, problems, default="")
    if a.preflight is not None and not hasattr(a.preflight, "keys"):
        problems.add(f"{ARGS}.preflight", f"must be a mapping or None, got {describe(a.preflight)}")
    for arg in adopt:
        value = getattr(a, arg)
        if value is not None:
            _text(value, arg, problems)


def _wait(value: Any, arg: str, problems: Problems) -> None:
    read_int({arg: value}, arg, ARGS, problems, low=0, high=MAX_WAIT_SECONDS)


def check_vip_choice(
    vip: Any,
    vip6: Any,
    auto_allocate: Any,
    placement: Any,
    key: str,
    problems: Problems,
    *,
    api: str | None,
) -> None:
    """One VIP of one family: a static IPv4 or IPv6 address, or one the controller allocates."""
    given = [v for v in (vip, vip6, auto_allocate) if v is not None]
    if len(given) != 1:
        problems.add(
            f"{key}.vip",
            "give exactly one of vip (IPv4), vip6 (IPv6) or auto_allocate ('V4'/'V6'); one "
            "service serves one address family (a pool mixing IPv4 and IPv6 servers can hash a "
            "flow to a server of the other family)",
        )
        return
    if not isinstance(placement, PlacementConfig):
        problems.add(f"{key}.placement", f"must be a PlacementConfig, got {describe(placement)}")
        return
    if vip is not None:
        read_address(vip, f"{key}.vip", problems, family=4)
    elif vip6 is not None and read_address(vip6, f"{key}.vip6", problems, family=6) is None:
        return
    elif auto_allocate is not None and (
        auto_allocate not in ("V4", "V6") or placement.vip_network is None
    ):
        problems.add(
            f"{key}.auto_allocate",
            "must be 'V4' or 'V6' and needs placement.vip_network, the Avi network whose IPAM "
            f"range the VIP comes from; got {describe(auto_allocate)}",
        )
        return
    family = vip_family(vip6, auto_allocate if auto_allocate in ("V4", "V6") else None)
    if family == 6 and api and (problem := ipv6_version_problem(api)):
        where = "vip6" if vip6 is not None else "auto_allocate"
        problems.add(f"{key}.{where}", f"{problem}; raise connection.api_version or drop it")


def check_ports(ports: Any, arg: str, problems: Problems) -> None:
    """``Sequence[PortRange]`` of integers, then the config's port rules (limits, overlaps)."""
    key = f"{ARGS}.{arg}"
    if not isinstance(ports, list | tuple):
        problems.add(
            key, f"must be a list of PortRange, e.g. [PortRange(80, 80)], got {describe(ports)}"
        )
        return
    raw: list[Any] = []
    for i, item in enumerate(ports):
        if isinstance(item, PortRange) and _is_int(item.start) and _is_int(item.end):
            raw.append(item.start if item.start == item.end else f"{item.start}-{item.end}")
        else:
            problems.add(f"{key}[{i}]", f"must be a PortRange of integers, got {describe(item)}")
    if len(raw) == len(ports):
        read_ports(raw, key, problems)


_MONITOR_FIELDS = {
    "path": "path",
    "codes": "codes",
    "request": "request",
    "response": "response",
    "query_name": "queryName",
    "record_type": "recordType",
}


def check_health_monitor(
    monitor: Any, arg: str, problems: Problems, *, protocol: str | None = None
) -> None:
    """A ``HealthMonitorConfig`` (or None), read as ``healthMonitor`` is in the config."""
    if monitor is None:
        return
    if not isinstance(monitor, HealthMonitorConfig):
        problems.add(
            f"{ARGS}.{arg}", f"must be a HealthMonitorConfig or None, got {describe(monitor)}"
        )
        return
    raw: dict[str, Any] = {
        "type": monitor.type,
        "port": monitor.port,
        "interval": monitor.interval,
        "timeout": monitor.timeout,
    }
    default = HealthMonitorConfig(type="tcp")
    for name, config_name in _MONITOR_FIELDS.items():
        value = getattr(monitor, name)
        # the dataclass always has every field; only those of its type, or changed ones, count
        if value != getattr(default, name) or (
            monitor.type == "http" and name in ("path", "codes")
        ):
            raw[config_name] = list(value) if isinstance(value, tuple) else value
    read_health_monitor(raw, f"{ARGS}.{arg}", protocol, problems)


def check_network_profile(
    profile: Any,
    protocol: str | None,
    arg: str,
    problems: Problems,
    *,
    api: str | None,
    ipv6: bool = False,
) -> None:
    """A ``NetworkProfileConfig``, read as ``networkProfile`` is in the config."""
    if not isinstance(profile, NetworkProfileConfig):
        problems.add(f"{ARGS}.{arg}", f"must be a NetworkProfileConfig, got {describe(profile)}")
        return
    raw = {
        "dsrType": profile.dsr_type,
        "encap": profile.encap,
        "idleTimeout": profile.idle_timeout,
        "synProtection": profile.syn_protection,
    }
    read_network_profile(raw, f"{ARGS}.{arg}", protocol, api, problems, ipv6=ipv6)


def check_pool_members(members: Any, arg: str, problems: Problems) -> None:
    """``Sequence[PoolMember]``: a plain address must be an IP of its family; ratio, enabled and
    Avi's pool limit are the config's member rules (read under placeholder names)."""
    key = f"{ARGS}.{arg}"
    if not isinstance(members, list | tuple) or not members:
        problems.add(key, f"must be a non-empty list of PoolMember, got {describe(members)}")
        return
    raw: list[dict[str, Any]] = []
    for i, m in enumerate(members):
        if not isinstance(m, PoolMember):
            problems.add(f"{key}[{i}]", f"must be a PoolMember, got {describe(m)}")
            continue
        family = read_str(
            {"family": m.family}, "family", f"{key}[{i}]", problems, choices=("V4", "V6")
        )
        if family and not _is_output(m.address):
            read_address(m.address, f"{key}[{i}].address", problems, family=int(family[1]))
        raw.append({"name": f"member-{i}", "ratio": m.ratio, "enabled": m.enabled})
    if len(raw) == len(members):
        read_members(raw, key, dict.fromkeys(r["name"] for r in raw), set(), problems)


def check_service(
    spec: Any, arg: str, problems: Problems, *, api: str | None, servers: Collection[str]
) -> None:
    """A whole ``ServiceSpec``, every field by the rule the config applies to it."""
    where = f"{ARGS}.{arg}"
    if not isinstance(spec, ServiceSpec):
        problems.add(where, f"must be a ServiceSpec, got {describe(spec)}")
        return
    if problem := service_name_problem(spec.name):
        problems.add(f"{where}.name", problem)
    check_vip_choice(
        spec.vip, spec.vip6, spec.auto_allocate, spec.placement, where, problems, api=api
    )
    if spec.prepared_vip6 is not None:
        read_address(spec.prepared_vip6, f"{where}.prepared_vip6", problems, family=6)
    protocol = read_str(
        {"protocol": spec.protocol}, "protocol", where, problems, choices=("tcp", "udp")
    )
    check_ports(spec.ports, f"{arg}.ports", problems)
    _service_members(spec.members, f"{arg}.members", problems, servers)
    check_health_monitor(spec.health_monitor, f"{arg}.health_monitor", problems, protocol=protocol)
    ipv6 = spec.vip6 is not None or spec.auto_allocate == "V6"
    check_network_profile(
        spec.network_profile, protocol, f"{arg}.network_profile", problems, api=api, ipv6=ipv6
    )
    for name in _PLACEMENT:
        read_str({name: getattr(spec, name)}, name, where, problems, required=True)
    if spec.tenant is None:
        problems.add(f"{where}.tenant", "is required")
    else:
        read_tenant({"tenant": spec.tenant}, where, problems, default="")
    read_bool({"enabled": spec.enabled}, "enabled", where, problems, default=True)
    read_int(
        {"wait_for_up_seconds": spec.wait_for_up_seconds},
        "wait_for_up_seconds",
        where,
        problems,
        low=0,
        high=MAX_WAIT_SECONDS,
    )
    _service_adopt(spec.adopt, f"{where}.adopt", problems)


def _service_adopt(adopt: Any, key: str, problems: Problems) -> None:
    """``((kind, name or uuid), ...)`` with kinds from ``ADOPT_KINDS``."""
    if not isinstance(adopt, tuple | list):
        problems.add(key, f"must be a tuple of (kind, name) pairs, got {describe(adopt)}")
        return
    for i, pair in enumerate(adopt):
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            problems.add(f"{key}[{i}]", f"must be a (kind, name) pair, got {describe(pair)}")
            continue
        kind, target = pair
        if kind not in ADOPT_KINDS:
            problems.add(
                f"{key}[{i}]", f"kind must be one of {', '.join(ADOPT_KINDS)}, got {describe(kind)}"
            )
        elif problem := text_problem(target):
            problems.add(f"{key}[{i}]", problem)


def _service_members(members: Any, arg: str, problems: Problems, built: Collection[str]) -> None:
    """Names, ratios, duplicates and Avi's pool limit. A name that was not built is the
    service component's own check: it lists them all in one line."""
    key = f"{ARGS}.{arg}"
    if not isinstance(members, list | tuple):
        problems.add(key, f"must be a list of MemberConfig, got {describe(members)}")
        return
    bad = [i for i, m in enumerate(members) if not isinstance(m, MemberConfig)]
    for i in bad:
        problems.add(f"{key}[{i}]", f"must be a MemberConfig, got {describe(members[i])}")
    if bad:
        return
    raw = [{"name": m.server, "ratio": m.ratio, "enabled": m.enabled} for m in members]
    names = {m.server for m in members if isinstance(m.server, str)}
    read_members(raw, key, dict.fromkeys({*built, *names}), set(), problems)


# ----------------------------------------------------------------------------- helpers


def _server_spec(spec: Any, problems: Problems) -> None:
    """Only its type: a ServerSpec validates itself when it is constructed (an Output of one,
    holding a VIP the controller allocates, is checked as it resolves)."""
    if not isinstance(spec, ServerSpec) and not _is_output(spec):
        problems.add(f"{ARGS}.spec", f"must be a ServerSpec, got {describe(spec)}")


def _name(value: Any, arg: str, problems: Problems) -> None:
    if problem := avi_name_problem(value):
        problems.add(f"{ARGS}.{arg}", problem)


def _read_str(a: Any, name: str, problems: Problems, **kw: Any) -> str | None:
    return read_str({name: getattr(a, name)}, name, ARGS, problems, required=True, **kw)


def _text(value: Any, arg: str, problems: Problems) -> None:
    if not _is_output(value) and (problem := text_problem(value)):
        problems.add(f"{ARGS}.{arg}", problem)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_output(value: Any) -> bool:
    """Outputs and awaitables are checked once they resolve (by the providers), not here."""
    return isinstance(value, pulumi.Output) or hasattr(value, "__await__")
