"""Readers for the controller, vcenter, ssh and servers keys of the stack config."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from avi_dsr.config.fields import (
    IPAddress,
    Problems,
    check_keys,
    describe,
    host_problem,
    read_address,
    read_bool,
    read_int,
    read_interface,
    read_items,
    read_list,
    read_mapping,
    read_optional,
    read_path,
    read_str,
    read_tenant,
    server_address_problem,
    ssh_user_problem,
    version_tuple,
)
from avi_dsr.config.specs import (
    MIN_DSR_VERSION,
    NAMESPACE,
    NEWEST_KNOWN_API_VERSION,
    ControllerConfig,
    ServerConfig,
    SshConfig,
    VcenterConfig,
    VsphereOverrides,
)
from avi_dsr.controller_address import DEFAULT_TENANT, address_problem
from avi_dsr.ipcheck import parse_address
from avi_dsr.server.spec import (
    MAX_UNDERLAY_MTU,
    MIN_UNDERLAY_MTU,
    UBUNTU_RELEASES,
    domain_problem,
    interface_problem,
)
from avi_dsr.server.stage_root import normalize_stage_root, stage_root_problem
from avi_dsr.textcheck import text_problem
from avi_dsr.versions import is_version

# fullmatch: with `re.match` and `$`, "web01\n" passed and broke the rendered scripts.
_SERVER_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_MAX_HOST_KEY = 16384  # an OpenSSH public key line; RSA-16384 keys stay under 3 KB


def read_controller(value: Any, problems: Problems, deploy: bool) -> ControllerConfig | None:
    key = f"{NAMESPACE}:controller"
    if value is None:
        problems.add(key, "is required, e.g. {address: avi.example.com, username: admin}")
        return None
    obj = read_mapping(value, key, problems)
    if obj is None:
        return None
    allowed = (
        "address",
        "username",
        "tenant",
        "apiVersion",
        "verifyTls",
        "caBundle",
        "connectTimeout",
        "readTimeout",
    )
    check_keys(obj, key, allowed, problems)
    address = read_str(obj, "address", key, problems, required=True)
    if address and (problem := address_problem(address)):
        problems.add(f"{key}.address", problem)
        address = None
    # apiVersion is optional: unset, the providers use the controller's own version, capped
    # at the newest release avi-dsr has a schema for.
    before = len(problems.items)
    if isinstance(obj.get("apiVersion"), float):  # YAML read an unquoted 30.2 as a number
        problems.add(f"{key}.apiVersion", 'must be a quoted string such as "22.1.4"')
        api = None
    else:
        api = read_str(obj, "apiVersion", key, problems)
    if api and not is_version(api):
        problems.add(f"{key}.apiVersion", f'must look like "22.1.4", got {describe(api)}')
        api = None
    elif api and version_tuple(api) < version_tuple(MIN_DSR_VERSION):
        problems.add(f"{key}.apiVersion", f"DSR needs Avi {MIN_DSR_VERSION} or later, got {api}")
    elif api and version_tuple(NEWEST_KNOWN_API_VERSION) < version_tuple(api):
        problems.add(
            f"{key}.apiVersion",
            f"{api} is newer than the newest Avi release avi-dsr knows "
            f"({NEWEST_KNOWN_API_VERSION}), so its bodies could not be checked; use "
            f'"{NEWEST_KNOWN_API_VERSION}" (a newer controller accepts it) or leave apiVersion '
            "unset to use the controller's version",
        )
    bad_api = len(problems.items) > before
    ca_bundle = read_path(obj, "caBundle", key, problems)
    if ca_bundle and deploy and not os.path.isfile(ca_bundle):
        problems.add(f"{key}.caBundle", f"file {ca_bundle} does not exist; fix the path")
    username = read_str(obj, "username", key, problems, default="admin")
    tenant = read_tenant(obj, key, problems, default=DEFAULT_TENANT)
    verify_tls = read_bool(obj, "verifyTls", key, problems, default=True)
    # Bounded waits: a controller that does not answer fails the run saying so, never hangs it.
    connect_timeout = read_int(obj, "connectTimeout", key, problems, default=10, low=1, high=600)
    read_timeout = read_int(obj, "readTimeout", key, problems, default=60, low=1, high=3600)
    if not address or bad_api:
        # No controller rather than one with a made-up apiVersion: the checks gated on the
        # version (vip6, GRE) would otherwise report problems the user does not have.
        return None
    return ControllerConfig(
        address=address,
        username=username or "admin",
        tenant=tenant or DEFAULT_TENANT,
        api_version=api,
        verify_tls=verify_tls,
        ca_bundle=ca_bundle,
        connect_timeout=connect_timeout or 10,
        read_timeout=read_timeout or 60,
    )


def read_vcenter(value: Any, problems: Problems) -> VcenterConfig | None:
    key = f"{NAMESPACE}:vcenter"
    obj = read_mapping(value, key, problems)
    if obj is None and value is not None:
        return None  # not a mapping: read_mapping reported it
    if not obj:
        problems.add(
            key,
            "is required when a server has kind: vsphere (server, username, "
            "datacenter, cluster or host, datastore, network, template)",
        )
        return None
    allowed = (
        "server",
        "username",
        "allowUnverifiedSsl",
        "datacenter",
        "cluster",
        "host",
        "datastore",
        "folder",
        "template",
        "network",
    )
    check_keys(obj, key, allowed, problems)
    required = {
        n: read_str(obj, n, key, problems, required=True)
        for n in ("server", "username", "datacenter", "datastore", "network", "template")
    }
    if required["server"] and (problem := server_address_problem(required["server"])):
        problems.add(f"{key}.server", problem)
        required["server"] = None
    cluster = read_str(obj, "cluster", key, problems)
    host = read_str(obj, "host", key, problems)
    if cluster is None and host is None:
        problems.add(f"{key}.cluster", "give a cluster (or a host) to place the VMs on")
    elif cluster and host:
        problems.add(f"{key}.host", "give either cluster or host, not both")
    if any(v is None for v in required.values()):
        return None
    return VcenterConfig(
        **{k: v for k, v in required.items() if v is not None},
        cluster=cluster,
        host=host,
        folder=read_str(obj, "folder", key, problems),
        allow_unverified_ssl=read_bool(obj, "allowUnverifiedSsl", key, problems, default=False),
    )


_SERVER_KEYS = (
    "name",
    "kind",
    "interface",
    "ipv4",
    "gateway4",
    "ipv6",
    "gateway6",
    "dns",
    "search",
    "ubuntu",
    "mtu",
    "vsphere",
    "ssh",
)


def read_servers(
    value: Any,
    ssh_defaults: Mapping[str, Any],
    problems: Problems,
    deploy: bool,
    secrets: set[str],
) -> tuple[list[ServerConfig], set[str]]:
    """Valid servers, plus the names of invalid ones (so services don't call them unknown)."""
    key = f"{NAMESPACE}:servers"
    items = read_items(
        value, key, problems, missing="needs at least one server (name, kind, ipv4, ...)"
    )
    servers: list[ServerConfig] = []
    broken: set[str] = set()
    seen: dict[str, str] = {}
    for index, item in enumerate(items):
        where = f"{key}[{index}]"
        server = _server(item, where, ssh_defaults, problems, deploy, secrets)
        if server is None:
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                broken.add(item["name"])
            continue
        if server.name in seen:
            problems.add(
                f"{where}.name",
                f"duplicate server '{server.name}' "
                f"(also {seen[server.name]}); names must be unique",
            )
            continue
        seen[server.name] = where
        servers.append(server)
    return servers, broken - set(seen)


def _check_gateway(
    obj: Mapping[str, Any], gkey: str, gw: Any, iface: Any, family: int, problems: Problems
) -> None:
    """The gateway is on the server's subnet (an IPv6 router may be its link-local address,
    reached by an on-link route) and is not the server itself."""
    if gw is None:
        return
    if iface is None:
        if f"ipv{family}" not in obj:
            problems.add(gkey, f"needs ipv{family}")
        return
    if gw not in iface.network and not (family == 6 and gw.is_link_local):
        problems.add(
            gkey, f"{gw} is outside {iface.network}; the gateway must be on the server's subnet"
        )
    elif gw == iface.ip:
        problems.add(gkey, f"{gw} is the server's own address")


def _resolver(
    obj: Mapping[str, Any], key: str, problems: Problems
) -> tuple[list[IPAddress], list[Any]]:
    """dns servers and search domains."""
    dns: list[IPAddress] = []
    for i, entry in enumerate(read_list(obj.get("dns"), f"{key}.dns", problems) or []):
        try:
            dns.append(parse_address(entry))
        except ValueError:
            problems.add(f"{key}.dns[{i}]", f"must be an IP address, got {describe(entry)}")
    search = read_list(obj.get("search"), f"{key}.search", problems) or []
    for i, entry in enumerate(search):
        if problem := domain_problem(entry):
            problems.add(f"{key}.search[{i}]", problem)
    return dns, search


def _server(
    item: Any,
    key: str,
    ssh_defaults: Mapping[str, Any],
    problems: Problems,
    deploy: bool,
    secrets: set[str],
) -> ServerConfig | None:
    obj = read_mapping(item, key, problems)
    if obj is None:
        if item is None:
            problems.add(key, "is empty; give a server mapping")
        return None
    check_keys(obj, key, _SERVER_KEYS, problems)
    before = len(problems.items)
    name = read_str(obj, "name", key, problems, required=True)
    if name and not _SERVER_NAME.fullmatch(name):
        problems.add(
            f"{key}.name",
            f"{describe(name)} must be a lowercase hostname (a-z, 0-9, '-', at most 63 characters)",
        )
    kind = read_str(obj, "kind", key, problems, required=True, choices=("vsphere", "existing"))
    interface = read_str(obj, "interface", key, problems, default="ens192") or "ens192"
    if problem := interface_problem(interface):
        problems.add(f"{key}.interface", problem)
    ipv4 = read_optional(obj, "ipv4", key, problems, read_interface, family=4)
    ipv6 = read_optional(obj, "ipv6", key, problems, read_interface, family=6)
    gateway4 = read_optional(obj, "gateway4", key, problems, read_address, family=4)
    gateway6 = read_optional(obj, "gateway6", key, problems, read_address, family=6)
    if ipv4 is None and ipv6 is None and "ipv4" not in obj and "ipv6" not in obj:
        problems.add(f"{key}.ipv4", "is required (the server's own address, e.g. 198.51.100.11/24)")
    for gw, iface, family in ((gateway4, ipv4, 4), (gateway6, ipv6, 6)):
        _check_gateway(obj, f"{key}.gateway{family}", gw, iface, family, problems)
    dns, search = _resolver(obj, key, problems)
    ubuntu = _ubuntu(obj.get("ubuntu"), f"{key}.ubuntu", problems)
    mtu = read_int(
        obj, "mtu", key, problems, default=1500, low=MIN_UNDERLAY_MTU, high=MAX_UNDERLAY_MTU
    )
    vsphere = ssh = None
    if kind == "vsphere":
        if "ssh" in obj:
            problems.add(f"{key}.ssh", "only applies to kind: existing; remove it")
        vsphere = read_vsphere_overrides(obj.get("vsphere"), f"{key}.vsphere", problems)
    elif kind == "existing":
        if "vsphere" in obj:
            problems.add(f"{key}.vsphere", "only applies to kind: vsphere; remove it")
        own = ipv4 or ipv6
        ssh = _ssh(
            obj.get("ssh"),
            f"{key}.ssh",
            ssh_defaults,
            str(own.ip) if own else None,
            problems,
            deploy,
            secrets,
        )
    if len(problems.items) > before or not name or not kind:
        return None
    return ServerConfig(
        name=name,
        kind=kind,
        interface=interface,
        ipv4=ipv4,
        gateway4=gateway4,
        ipv6=ipv6,
        gateway6=gateway6,
        dns=tuple(dns),
        search=tuple(search),
        ubuntu=ubuntu,
        mtu=mtu or 1500,
        vsphere=vsphere,
        ssh=ssh,
    )


def _ubuntu(value: Any, key: str, problems: Problems) -> str:
    if value is None:
        return "22.04"
    text = f"{value:.2f}" if isinstance(value, float) else value  # YAML reads 24.04 as a float
    if text not in UBUNTU_RELEASES:
        problems.add(
            key, f"must be one of {', '.join(UBUNTU_RELEASES)} (quoted), got {describe(value)}"
        )
        return "22.04"
    return text


def read_vsphere_overrides(value: Any, key: str, problems: Problems) -> VsphereOverrides:
    """Per-VM sizing and placement (also checks the typed `VsphereDsrServerArgs`)."""
    obj = read_mapping(value, key, problems) or {}
    check_keys(
        obj,
        key,
        (
            "cpus",
            "memoryMb",
            "diskGb",
            "datastore",
            "network",
            "folder",
            "template",
            "waitForGuestNetMinutes",
        ),
        problems,
    )
    return VsphereOverrides(
        cpus=read_int(obj, "cpus", key, problems, low=1, high=128),
        memory_mb=read_int(obj, "memoryMb", key, problems, low=512, high=6_291_456),
        disk_gb=read_int(obj, "diskGb", key, problems, low=1, high=62_000),
        datastore=read_str(obj, "datastore", key, problems),
        network=read_str(obj, "network", key, problems),
        folder=read_str(obj, "folder", key, problems),
        template=read_str(obj, "template", key, problems),
        wait_for_guest_net_minutes=read_int(
            obj, "waitForGuestNetMinutes", key, problems, low=0, high=1440
        ),
    )


_SSH_KEYS = (
    "host",
    "port",
    "user",
    "hostKey",
    "hostKeyFile",
    "privateKeyFile",
    "stageRoot",
    "connectTimeout",
    "commandTimeout",
)
# keys avi-dsr:ssh may set for every existing server
SSH_DEFAULT_KEYS = ("user", "port", "privateKeyFile", "connectTimeout", "commandTimeout")


def _ssh(
    value: Any,
    key: str,
    defaults: Mapping[str, Any],
    default_host: str | None,
    problems: Problems,
    deploy: bool,
    secrets: set[str],
) -> SshConfig | None:
    obj = read_mapping(value, key, problems) or {}
    check_keys(
        obj,
        key,
        _SSH_KEYS,
        problems,
    )
    merged = {**{k: v for k, v in defaults.items() if k in SSH_DEFAULT_KEYS}, **obj}
    host = read_str(merged, "host", key, problems, default=default_host)
    if "host" in merged and host and (problem := host_problem(host)):
        problems.add(f"{key}.host", problem)
    port = read_int(merged, "port", key, problems, default=22, low=1, high=65535) or 22
    user = read_str(merged, "user", key, problems, default="ubuntu") or "ubuntu"
    if problem := ssh_user_problem(user):
        problems.add(f"{key}.user", problem)
    host_key = _host_key(merged.get("hostKey"), f"{key}.hostKey", problems)
    host_key_file = read_path(merged, "hostKeyFile", key, problems)
    private_key_file = read_path(merged, "privateKeyFile", key, problems)
    stage_root = _stage_root(merged, key, problems)
    connect_timeout = read_int(merged, "connectTimeout", key, problems, low=1, high=3600)
    command_timeout = read_int(merged, "commandTimeout", key, problems, low=1, high=86400)
    if host_key is None and host_key_file is None:
        problems.add(
            f"{key}.hostKey",
            "is required (or hostKeyFile): the server's SSH host key "
            "is always checked; get it with `ssh-keyscan -t ed25519 <host>`",
        )
    if host_key and host_key_file:
        problems.add(f"{key}.hostKeyFile", "give either hostKey or hostKeyFile, not both")
    if private_key_file is None and "sshPrivateKey" not in secrets and deploy:
        problems.add(
            f"{key}.privateKeyFile",
            "is required (here or in avi-dsr:ssh), or set "
            "`pulumi config set --secret avi-dsr:sshPrivateKey < key`",
        )
    if deploy:
        for name, path in (("hostKeyFile", host_key_file), ("privateKeyFile", private_key_file)):
            if path and not os.path.isfile(path):
                problems.add(
                    f"{key}.{name}", f"file {path} does not exist; fix the path or create it"
                )
    if host is None:
        return None
    return SshConfig(
        host=host,
        port=port,
        user=user,
        host_key=host_key,
        host_key_file=host_key_file,
        private_key_file=private_key_file,
        stage_root=stage_root,
        connect_timeout=connect_timeout,
        command_timeout=command_timeout,
    )


def _host_key(value: Any, key: str, problems: Problems) -> str | None:
    """One key line; a trailing newline (a YAML block scalar) is harmless and dropped."""
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else value
    if problem := text_problem(text, max_len=_MAX_HOST_KEY):
        problems.add(key, problem)
        return None
    return text


def _stage_root(obj: Mapping[str, Any], key: str, problems: Problems) -> str | None:
    """The staged-mode directory on the server, checked now: the renderer would refuse it only
    after other servers had been applied."""
    stage_root = read_path(obj, "stageRoot", key, problems)
    if stage_root is None:
        return None
    if problem := stage_root_problem(stage_root):
        problems.add(f"{key}.stageRoot", problem)
        return None
    return normalize_stage_root(stage_root)
