"""IP parsing that every layer shares: the standard library's, minus IPv6 scope ids.

Why: ``ipaddress`` accepts ``2001:db8::10%<anything>`` (RFC 4007 scope ids, any characters
after the ``%``, newlines included) and ``str()`` gives the text back, so a "valid" VIP could
carry a newline into netplan YAML or a shell script. No address in a DSR setup is scoped.
"""

from __future__ import annotations

import ipaddress
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface


def parse_address(value: Any) -> IPAddress:
    """An IPv4 or IPv6 address from text or an address object; ValueError otherwise."""
    return ipaddress.ip_address(_text(value))


def parse_interface(value: Any) -> IPInterface:
    """An address with its prefix (``198.51.100.11/24``); ValueError otherwise."""
    return ipaddress.ip_interface(_text(value))


def _text(value: Any) -> str:
    """The text to parse: never a number (``ip_address(3232235777)`` would accept it), never
    with a scope id (an ``IPv6Interface`` keeps it in ``str()`` even where ``.ip`` drops it)."""
    if isinstance(value, bool) or not isinstance(value, str | IPAddress | IPInterface):
        raise ValueError(f"an IP address is written as text, not as {type(value).__name__}")
    text = str(value).strip()
    if "%" in text:
        raise ValueError("IPv6 scope ids (%...) are not allowed")
    return text
