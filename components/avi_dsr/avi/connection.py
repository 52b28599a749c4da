"""How to reach a controller: the provider's configuration keys, their checks and defaults.

One home for these rules: the provider plugin checks its configuration with them (CheckConfig),
and Python programs building a provider from `AviConnectionArgs` get the same messages before
anything is registered.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from ..controller_address import DEFAULT_TENANT, address_problem, is_tenant_name
from ..versions import KNOWN_API_VERSIONS, is_version
from .client import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, Connection
from .values import is_unknown

# Provider configuration keys (the names in the schema and in `avi-dsr:<key>` stack config) and
# the environment variables read when a key is not set (the names Avi's Terraform provider uses).
ENVIRONMENT = {
    "controller": "AVI_CONTROLLER",
    "username": "AVI_USERNAME",
    "password": "AVI_PASSWORD",
    "tenant": "AVI_TENANT",
    "apiVersion": "AVI_VERSION",
}
DEFAULTS: dict[str, Any] = {
    "username": "admin",
    "tenant": DEFAULT_TENANT,
    "apiVersion": None,
    "verifyTls": True,
    "caBundle": None,
    "connectTimeout": DEFAULT_CONNECT_TIMEOUT,
    "readTimeout": DEFAULT_READ_TIMEOUT,
}
CONFIG_KEYS = ("controller", "password", *DEFAULTS)


@dataclass(frozen=True)
class AviConnectionArgs:
    """Where and as whom to talk to the Avi controller, for Python programs (see `Provider`)."""

    controller: str
    username: str
    password: pulumi.Input[str]
    tenant: str = DEFAULT_TENANT
    api_version: str | None = None
    """Sent as X-Avi-Version; None = the controller's version (capped at the newest known)."""
    verify_tls: bool = True
    ca_bundle: str | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT

    def config(self) -> dict[str, Any]:
        """The provider configuration (camelCase keys, as in the schema)."""
        return {
            "controller": self.controller,
            "username": self.username,
            "password": self.password,
            "tenant": self.tenant,
            "apiVersion": self.api_version,
            "verifyTls": self.verify_tls,
            "caBundle": self.ca_bundle,
            "connectTimeout": self.connect_timeout,
            "readTimeout": self.read_timeout,
        }


def resolved(config: Mapping[str, Any]) -> dict[str, Any]:
    """Configuration with environment fallbacks and defaults applied."""
    values = dict(DEFAULTS)
    for key, env in ENVIRONMENT.items():
        if os.environ.get(env):
            values[key] = os.environ[env]
    values.update({k: v for k, v in config.items() if k in CONFIG_KEYS and v not in (None, "")})
    return values


def config_problems(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, reason) for every bad configuration key; unknown preview values are skipped."""
    values = resolved(config)
    problems: list[tuple[str, str]] = []

    def check(key: str, problem: str | None) -> None:
        if problem and not is_unknown(values.get(key)):
            problems.append((key, problem))

    check("controller", address_problem(values.get("controller")))
    username = values.get("username")
    check(
        "username",
        None if isinstance(username, str) and username.strip() else "username must be set",
    )
    password = values.get("password")
    check(
        "password",
        None
        if isinstance(password, str) and password
        else "password must be set (a secret: `pulumi config set --secret`, or AVI_PASSWORD)",
    )
    tenant = values.get("tenant")
    check(
        "tenant",
        None
        if is_tenant_name(tenant)
        else f"tenant {tenant!r} must be a tenant name such as 'admin' (no spaces or / ? # &)",
    )
    version = values.get("apiVersion")
    check(
        "apiVersion",
        None
        if version is None or is_version(version)
        else f"apiVersion {version!r} must look like '22.1.4' (known: "
        f"{', '.join(KNOWN_API_VERSIONS)}), or be unset to use the controller's",
    )
    check(
        "verifyTls",
        None if isinstance(values.get("verifyTls"), bool) else "verifyTls must be true or false",
    )
    bundle = values.get("caBundle")
    if bundle is not None and not (
        isinstance(bundle, str) and os.path.isfile(os.path.expanduser(bundle))
    ):
        check("caBundle", f"caBundle {bundle!r} must be the path of a readable PEM file")
    for key in ("connectTimeout", "readTimeout"):
        seconds = values.get(key)
        ok = (
            isinstance(seconds, int | float)
            and not isinstance(seconds, bool)
            and 0 < seconds <= 3600
        )
        check(key, None if ok else f"{key} must be a number of seconds between 1 and 3600")
    return problems


def connection_from(config: Mapping[str, Any]) -> Connection:
    """A Connection from a checked configuration."""
    values = resolved(config)
    return Connection(
        controller=str(values["controller"]),
        username=str(values["username"]),
        password=str(values["password"]),
        tenant=str(values["tenant"]),
        api_version=values.get("apiVersion") or None,
        verify_tls=bool(values["verifyTls"]),
        ca_bundle=values.get("caBundle"),
        connect_timeout=float(values["connectTimeout"]),
        read_timeout=float(values["readTimeout"]),
    )
