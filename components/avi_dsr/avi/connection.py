"""How to reach a controller: the user-facing args, their wire form, and their validation.

The password never sits in the connection mapping that the provider stores in plain; it travels as a
separate secret property.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from ..controller_address import DEFAULT_API_VERSION, DEFAULT_TENANT, address_problem
from .values import is_unknown

_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
_TENANT_RE = re.compile(r"^[^\s/?#&]+$")


@dataclass(frozen=True)
class AviConnectionArgs:
    """Where and as whom to talk to the Avi controller (Contract 3)."""

    controller: str
    username: str
    password: pulumi.Input[str]
    tenant: str = DEFAULT_TENANT
    api_version: str = DEFAULT_API_VERSION
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


def with_defaults(conn: Any) -> dict[str, Any]:
    """A wire connection with its defaults applied, so omitted and default compare equal."""
    if not isinstance(conn, Mapping):
        conn = {}
    return {
        "controller": conn.get("controller"),
        "username": conn.get("username"),
        "tenant": conn.get("tenant") or DEFAULT_TENANT,
        "api_version": conn.get("api_version") or DEFAULT_API_VERSION,
        "verify_tls": conn.get("verify_tls", True),
        "ca_bundle": conn.get("ca_bundle"),
    }


def connection_problems(conn: Any, password: Any) -> list[tuple[str, str]]:
    """(property, reason) for every bad connection field; unknown preview values are skipped."""
    if not isinstance(conn, Mapping):
        return [("connection", "connection must be an AviConnectionArgs")]
    problems: list[tuple[str, str]] = []

    def check(field: str, problem: str | None) -> None:
        if problem and not is_unknown(conn.get(field)):
            problems.append((f"connection.{field}", problem))

    check("controller", address_problem(conn.get("controller")))
    username = conn.get("username")
    check("username", None if isinstance(username, str) and username else "username must be set")
    tenant = conn.get("tenant", DEFAULT_TENANT)
    check(
        "tenant",
        None
        if isinstance(tenant, str) and _TENANT_RE.match(tenant)
        else f"tenant {tenant!r} must be a tenant name such as 'admin' (no spaces or / ? # &)",
    )
    version = conn.get("api_version", DEFAULT_API_VERSION)
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
