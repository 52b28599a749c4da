"""One `Provider` resource per controller in a program, however many components ask for it.

Why: each provider resource is its own plugin process with its own login, so a provider per
service would log in once per service. Components given `AviConnectionArgs` (the typed Python
path) share the provider of an equal connection; components given a provider through
`ResourceOptions` (every other language) use that one.
"""

from __future__ import annotations

import hashlib
import re
import threading
import weakref
from urllib.parse import urlsplit

import pulumi

from ..controller_address import base_url
from .connection import AviConnectionArgs
from .resources import Provider


class _Registry:
    """The providers of one program run; a new run (automation API, tests) starts empty."""

    def __init__(self, root: object) -> None:
        self.root = weakref.ref(root) if root is not None else (lambda: None)
        self.providers: dict[tuple[object, ...], Provider] = {}
        self.names: set[str] = set()


_REGISTRY: _Registry | None = None
_LOCK = threading.Lock()


def provider_for(connection: AviConnectionArgs) -> Provider:
    """The program's provider for this controller (the tenant is per object, not per provider)."""
    global _REGISTRY
    key = (
        connection.controller,
        connection.username,
        connection.api_version,
        connection.verify_tls,
        connection.ca_bundle,
        connection.connect_timeout,
        connection.read_timeout,
    )
    root = pulumi.runtime.get_root_resource()
    with _LOCK:
        if _REGISTRY is None or _REGISTRY.root() is not root:
            _REGISTRY = _Registry(root)
        provider = _REGISTRY.providers.get(key)
        if provider is None:
            name = _unique_name(connection, key, _REGISTRY.names)
            provider = _REGISTRY.providers[key] = Provider(name, connection)
            _REGISTRY.names.add(name)
        return provider


def provider_name(controller: str) -> str:
    """`avi@<host[:port]>` (URN-safe): the name of a controller's provider resource."""
    host = urlsplit(base_url(controller)).netloc
    return "avi@" + re.sub(r"[^A-Za-z0-9.-]", "-", host)


def _unique_name(connection: AviConnectionArgs, key: tuple[object, ...], taken: set[str]) -> str:
    """Stable as long as the controller stays the same; a second connection to the same
    controller (other user or settings) gets a digest."""
    name = provider_name(connection.controller)
    if name in taken:
        name += "-" + hashlib.sha256(repr(key).encode()).hexdigest()[:8]
    return name


def avi_opts(
    parent: pulumi.Resource, connection: AviConnectionArgs | None, **extra: object
) -> pulumi.ResourceOptions:
    """Options for an Avi object under a component: the connection's provider, or inherit."""
    provider = provider_for(connection) if connection is not None else None
    return pulumi.ResourceOptions(parent=parent, provider=provider, **extra)  # type: ignore[arg-type]
