"""One `Provider` resource per controller in a program, however many components ask for it.

Why: each provider resource is its own plugin process with its own login, so a provider per
service would log in once per service. Components given `AviConnectionArgs` (the typed Python
path) share the provider of an equal connection; components given a provider through
`ResourceOptions` (every other language) use that one.
"""

from __future__ import annotations

import hashlib
import threading

import pulumi

from .connection import AviConnectionArgs
from .resources import Provider

_PROVIDERS: dict[tuple[object, ...], Provider] = {}
_LOCK = threading.Lock()


def provider_for(connection: AviConnectionArgs) -> Provider:
    """The program's provider for this controller (the tenant is per object, not per provider)."""
    key = (
        connection.controller,
        connection.username,
        connection.api_version,
        connection.verify_tls,
        connection.ca_bundle,
        connection.connect_timeout,
        connection.read_timeout,
    )
    with _LOCK:
        provider = _PROVIDERS.get(key)
        if provider is None:
            digest = hashlib.sha256(repr(key).encode()).hexdigest()[:8]
            provider = Provider(f"avi-{digest}", connection)
            _PROVIDERS[key] = provider
        return provider


def forget_providers() -> None:
    """Tests: each Pulumi mock run registers its own providers."""
    with _LOCK:
        _PROVIDERS.clear()


def avi_opts(
    parent: pulumi.Resource, connection: AviConnectionArgs | None, **extra: object
) -> pulumi.ResourceOptions:
    """Options for an Avi object under a component: the connection's provider, or inherit."""
    provider = provider_for(connection) if connection is not None else None
    return pulumi.ResourceOptions(parent=parent, provider=provider, **extra)  # type: ignore[arg-type]
