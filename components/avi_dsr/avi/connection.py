"""How to reach a controller: the user-facing args, their wire form, and their validation.

The password never sits in the connection mapping that the provider stores in plain; it travels as a
separate secret property.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from .values import is_unknown

_HOST_RE = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_CONTROLLER_RE = re.compile(
    r"^(?:(?P<scheme>https?)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^/:\[\]]+)(?::(?P<port>\d{1,5}))?/?$"
)
_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
_TENANT_RE = re.compile(r"^[^\s/?#&]+$")


@dataclass(frozen=True)
class AviConnectionArgs:
    """Where and as whom to talk to the Avi controller (Contract 3)."""

    controller: str
    username: str
    password: pulumi.Input[str]
    tenant: str = "admin"
    api_version: str = "22.1.4"
    verify_tls: bool = True
    ca_bundle: str | None = None

    def wire(self) -> dict[str, Any]:
        """The non-secret half, as stored in resource inputs and outputs."""
        return {
            "controller": self.controller,
            "username": self.username,
            "tenant": self.tenant,
            "api_version": self.api_version,
            "verify_tls": self.verify_tls,
            "ca_bundle": self.ca_bundle,
        }


def base_url(controller: str) -> str:
    """`ctrl.example:8443` -> `https://ctrl.example:8443`; an explicit http(s):// is kept."""
    match = _CONTROLLER_RE.match(controller.strip())
    if not match:
        raise ValueError(controller)
    scheme = match["scheme"] or "https"
    host = match["host"]
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    port = f":{match['port']}" if match["port"] else ""
    return f"{scheme}://{host}{port}"


def _controller_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "controller must be a host name or URL such as 'avi.lab.example' or 'https://10.0.0.5:8443'"
    text = value.strip()
    try:
        ipaddress.IPv6Address(text)
        return None
    except ValueError:
        pass
    match = _CONTROLLER_RE.match(text)
    host = match["host"].strip("[]") if match else ""
    valid_host = bool(match) and (_HOST_RE.match(host) or _is_ip(host))
    port_ok = not match or not match["port"] or 1 <= int(match["port"]) <= 65535
    if not valid_host or not port_ok:
        return (
            f"controller {value!r} is not a valid address: use 'host', 'host:port' or "
            "'https://host[:port]' with no path"
        )
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def connection_problems(conn: Any, password: Any) -> list[tuple[str, str]]:
    """(property, reason) for every bad connection field; unknown preview values are skipped."""
    if not isinstance(conn, Mapping):
        return [("connection", "connection must be an AviConnectionArgs")]
    problems: list[tuple[str, str]] = []

    def check(field: str, problem: str | None) -> None:
        if problem and not is_unknown(conn.get(field)):
            problems.append((f"connection.{field}", problem))

    check("controller", _controller_problem(conn.get("controller")))
    username = conn.get("username")
    check("username", None if isinstance(username, str) and username else "username must be set")
    tenant = conn.get("tenant", "admin")
    check(
        "tenant",
        None
        if isinstance(tenant, str) and _TENANT_RE.match(tenant)
        else f"tenant {tenant!r} must be a tenant name such as 'admin' (no spaces or / ? # &)",
    )
    version = conn.get("api_version", "22.1.4")
    check(
        "api_version",
        None
        if isinstance(version, str) and _VERSION_RE.match(version)
        else f"api_version {version!r} must look like '22.1.4' (sent as X-Avi-Version)",
    )
    verify = conn.get("verify_tls", True)
    check("verify_tls", None if isinstance(verify, bool) else "verify_tls must be true or false")
    bundle = conn.get("ca_bundle")
    bundle_ok = isinstance(bundle, str) and os.path.isfile(os.path.expanduser(bundle))
    if bundle is not None and not is_unknown(bundle) and not bundle_ok:
        check("ca_bundle", f"ca_bundle {bundle!r} must be the path of a readable PEM file")
    if not is_unknown(password) and (not isinstance(password, str) or not password):
        problems.append(("password", "the controller password must be set (a secret string)"))
    return problems
