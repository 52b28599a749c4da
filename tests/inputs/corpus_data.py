"""Loads the hostile-input corpus (corpus/*.yaml): cases, their values, the valid bases."""

from __future__ import annotations

import copy
import dataclasses
import ipaddress
import json
import re
from pathlib import Path
from typing import Any

import yaml
from avi_dsr.avi import AviConnectionArgs
from avi_dsr.config import (
    HealthMonitorConfig,
    MemberConfig,
    NetworkProfileConfig,
    PortRange,
    ServiceSpec,
)
from avi_dsr.payloads import PoolMember
from avi_dsr.server import ServerSpec

CORPUS = Path(__file__).resolve().parent / "corpus"
NAMESPACE = "avi-dsr"
SECRETS = {"controllerPassword": "admin", "vcenterPassword": "vc-pw", "sshPrivateKey": "key"}
VM_ADDRESSES = {"web02": "198.51.100.12"}
HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHnbDemdjlvUVRHxGx5gDqAyUdwVzJfMkCZcVNqGmTc4"

_TYPED = {
    "$PortRange": lambda arg: PortRange(*arg),
    "$HealthMonitorConfig": lambda arg: HealthMonitorConfig(**arg),
    "$NetworkProfileConfig": lambda arg: NetworkProfileConfig(**arg),
    "$PoolMember": lambda arg: PoolMember(**arg),
    "$MemberConfig": lambda arg: MemberConfig(**arg),
    "$ServiceSpec": lambda arg: ServiceSpec(**arg),
}


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))


def value(raw: Any, connection: AviConnectionArgs | None = None) -> Any:
    """A corpus value with its ``$`` forms built (README.md in corpus/)."""
    if isinstance(raw, dict) and len(raw) == 1 and str(next(iter(raw))).startswith("$"):
        ((tag, arg),) = raw.items()
        if tag == "$repeat":
            item, count = value(arg[0], connection), arg[1]
            return item * count if isinstance(item, str | list) else [item] * count
        if tag == "$range":
            return list(range(*arg))
        if tag == "$ranges":
            return [PortRange(i, i) for i in range(*arg)]
        if tag == "$concat":
            return "".join(value(part, connection) for part in arg)
        if tag == "$int":
            return int(value(arg, connection))
        if tag == "$connection":
            assert connection is not None, "$connection needs a base connection"
            return dataclasses.replace(connection, **arg)
        return _TYPED[tag](value(arg, connection))
    if isinstance(raw, dict):
        return {k: value(v, connection) for k, v in raw.items()}
    if isinstance(raw, list):
        return [value(v, connection) for v in raw]
    return raw


# ------------------------------------------------------------------------ stack configs

_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def _path(text: str) -> list[str | int]:
    return [int(i) if i else key for i, key in _TOKEN.findall(text)]


def _set(document: Any, path: str, new: Any) -> None:
    *parents, last = _path(path)
    node = document
    for part in parents:
        node = node[part] if isinstance(part, int) else node.setdefault(part, {})
    if isinstance(last, int) and last == len(node):
        node.append(new)
    else:
        node[last] = new


def _delete(document: Any, path: str) -> None:
    *parents, last = _path(path)
    node = document
    for part in parents:
        node = node[part]
    del node[last]


def stack_config(case: dict[str, Any], simulator_url: str) -> tuple[dict[str, str], list[str]]:
    """The case's stack config as Pulumi runtime config (JSON values), and its secret keys."""
    values = copy.deepcopy(load("configs.yaml")["base"])
    values["controller"]["address"] = simulator_url
    for path in case.get("delete", []):
        _delete(values, path)
    for path, new in (case.get("set") or {}).items():
        _set(values, path, value(new))
    secrets = {k: v for k, v in SECRETS.items() if k not in case.get("secrets_unset", [])}
    config = {f"{NAMESPACE}:{k}": json.dumps(v) for k, v in values.items()}
    config |= {f"{NAMESPACE}:{k}": v for k, v in secrets.items()}
    return config, [f"{NAMESPACE}:{k}" for k in secrets]


def config_cases() -> list[dict[str, Any]]:
    return load("configs.yaml")["cases"]


# ---------------------------------------------------------------------- component args


def connection(simulator_url: str) -> AviConnectionArgs:
    return AviConnectionArgs(
        controller=simulator_url, username="admin", password="admin", api_version="22.1.4"
    )


def server_spec(name: str = "web01", last_octet: int = 11) -> ServerSpec:
    return ServerSpec(
        name=name,
        ipv4=f"198.51.100.{last_octet}/24",
        gateway4="198.51.100.1",
        vips4=("203.0.113.10",),
    )


def base_args(component: str, conn: AviConnectionArgs) -> Any:
    """A valid args object for each component (the sanity tests prove each one works)."""
    from avi_dsr import network_profile, pool, servers, service, virtual_service

    ports = [PortRange(80, 80)]
    return {
        "DsrNetworkProfile": lambda: network_profile.DsrNetworkProfileArgs(
            connection=conn, name="web-np", protocol="tcp", profile=NetworkProfileConfig()
        ),
        "DsrPool": lambda: pool.DsrPoolArgs(
            connection=conn,
            name="web-pool",
            ports=ports,
            members=[PoolMember("198.51.100.11", "V4")],
        ),
        "DsrVirtualService": lambda: virtual_service.DsrVirtualServiceArgs(
            connection=conn,
            name="web-vs",
            vsvip_name="web-vsvip",
            vip="203.0.113.10",
            ports=ports,
            network_profile_ref="/api/networkprofile?name=web-np",
            pool_ref="/api/pool?name=web-pool",
        ),
        "L3DsrService": lambda: service.L3DsrServiceArgs(
            connection=conn,
            service=ServiceSpec(
                name="web",
                vip=ipaddress.IPv4Address("203.0.113.10"),
                ports=tuple(ports),
                members=(MemberConfig("web01"),),
                health_monitor=HealthMonitorConfig(type="tcp"),
            ),
            servers={},  # the test builds the servers and fills this in
        ),
        "ExistingDsrServer": lambda: servers.ExistingDsrServerArgs(
            spec=server_spec(),
            host="127.0.0.1",
            host_key=HOST_KEY,
            private_key="key",
            user="root",
            stage_root="/tmp/avi-dsr-corpus/web01",
        ),
        "VsphereDsrServer": lambda: servers.VsphereDsrServerArgs(
            spec=server_spec("web02", 12),
            datacenter="dc-01",
            datastore="ds-01",
            network="seg-web",
            template="ubuntu-2204-tpl",
            cluster="cluster-01",
        ),
    }[component]()


def with_changes(args: Any, case: dict[str, Any], conn: AviConnectionArgs) -> Any:
    """The base args with the case's ``set``/``delete``; a dict when ``as_dict``."""
    if case.get("as_dict"):
        changed: Any = {f.name: getattr(args, f.name) for f in dataclasses.fields(args)}
        for name in case.get("delete", []):
            del changed[name]
        changed.update({k: value(v, conn) for k, v in (case.get("set") or {}).items()})
        return changed
    for path, raw in (case.get("set") or {}).items():
        args = _replace(args, path.split("."), value(raw, conn))
    return args


def _replace(obj: Any, path: list[str], new: Any) -> Any:
    head, *rest = path
    inner = _replace(getattr(obj, head), rest, new) if rest else new
    return dataclasses.replace(obj, **{head: inner})


def component_cases() -> list[dict[str, Any]]:
    return load("component_args.yaml")["cases"]
