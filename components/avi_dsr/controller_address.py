"""How a controller is addressed, and the connection defaults, with no Pulumi import.

Shared by the stack-config layer (which reports a bad address before anything is registered) and
the providers (which build their base URL from it), so both accept exactly the same addresses.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

DEFAULT_TENANT = "admin"
DEFAULT_API_VERSION = "22.1.4"

_HOST_RE = re.compile(
    r"(?=.{1,253}\Z)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
_CONTROLLER_RE = re.compile(
    r"(?:(?P<scheme>https?)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^/:\[\]\s]+)(?::(?P<port>[0-9]{1,5}))?/?"
)


def base_url(controller: str) -> str:
    """`ctrl.example:8443` -> `https://ctrl.example:8443`; an explicit http(s):// is kept."""
    match = _match(controller)
    if not match:
        raise ValueError(controller)
    scheme = match["scheme"] or "https"
    port = f":{match['port']}" if match["port"] else ""
    return f"{scheme}://{match['host']}{port}"


def address_problem(value: Any) -> str | None:
    """Why ``value`` is not a controller address (None when it is one)."""
    if not isinstance(value, str) or not value.strip():
        return "controller must be a host name or URL such as 'avi.lab.example' or 'https://10.0.0.5:8443'"
    match = _match(value)
    port = int(match["port"] or 443) if match else 0  # no port given: the https default
    if match is None or not _host_ok(match["host"]) or not 1 <= port <= 65535:
        return (
            f"controller {value!r} is not a valid address: use 'host', 'host:port' or "
            "'https://host[:port]' with no path"
        )
    return None


def _match(controller: str) -> re.Match[str] | None:
    """scheme/host/port of a controller address; a bare IPv6 address counts as `[addr]`."""
    text = controller.strip()
    if _is_ip(text, ipaddress.IPv6Address):
        text = f"[{text}]"
    return _CONTROLLER_RE.fullmatch(text)


def _host_ok(host: str) -> bool:
    """A DNS name or IPv4 address, or an IPv6 address in brackets (never a bracketed name)."""
    if host.startswith("["):
        return _is_ip(host[1:-1], ipaddress.IPv6Address)
    return bool(_HOST_RE.fullmatch(host)) or _is_ip(host, ipaddress.IPv4Address)


def _is_ip(text: str, kind: type[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    try:
        kind(text)
    except ValueError:
        return False
    return True


# One tenant rule for the config (tenant keys) and the provider (its tenant configuration);
# fullmatch: `re.match` with `$` would accept "admin\n" into the X-Avi-Tenant header.
_TENANT_RE = re.compile(r"[^\s/?#&]{1,128}")


def is_tenant_name(value: Any) -> bool:
    """A tenant name (sent as X-Avi-Tenant and in refs): no spaces or / ? # &."""
    return (
        isinstance(value, str) and _TENANT_RE.fullmatch(value) is not None and value.isprintable()
    )
