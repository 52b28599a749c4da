"""Field readers that collect every config problem instead of stopping at the first one.

Each reader takes the dotted key of the value it reads (``avi-dsr:services[1].ports[0]``),
records a problem that names that key and the fix, and returns ``None`` on bad input so the
caller can keep going and report everything at once.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the stack config: where, what, and how to fix it."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


@dataclass
class Problems:
    """Accumulates problems while the whole config is read."""

    items: list[Problem] = field(default_factory=list)

    def add(self, key: str, message: str) -> None:
        self.items.append(Problem(key, message))

    def __bool__(self) -> bool:
        return bool(self.items)


def describe(value: Any) -> str:
    """Short, safe rendering of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_keys(
    obj: Mapping[str, Any],
    key: str,
    allowed: Iterable[str],
    problems: Problems,
    *,
    sep: str = ".",
) -> None:
    """Flag unknown keys (usually typos) with the closest allowed spelling.

    ``sep`` joins ``key`` and the unknown name: ``.`` inside a value, ``:`` for the namespace.
    """
    allowed = list(allowed)
    for name in obj:
        if name in allowed:
            continue
        close = difflib.get_close_matches(str(name), allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
        problems.add(f"{key}{sep}{name}", f"unknown key; {hint}")


def read_mapping(value: Any, key: str, problems: Problems) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problems.add(key, f"must be a mapping (key: value), got {describe(value)}")
        return None
    return dict(value)


def read_list(value: Any, key: str, problems: Problems) -> list[Any] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        problems.add(key, f"must be a list, got {describe(value)}")
        return None
    return list(value)


def read_items(value: Any, key: str, problems: Problems, *, missing: str) -> list[Any]:
    """A list that needs at least one item: one problem when unset or empty, one when not a
    list (never both, so one mistake is reported once)."""
    items = read_list(value, key, problems)
    if items is None and value is not None:
        return []  # not a list: read_list reported it
    if not items:
        problems.add(key, missing)
        return []
    return items


def read_str(
    obj: Mapping[str, Any],
    name: str,
    key: str,
    problems: Problems,
    *,
    default: str | None = None,
    required: bool = False,
    choices: Iterable[str] | None = None,
) -> str | None:
    value = obj.get(name)
    full = f"{key}.{name}"
    if value is None:
        if required:
            problems.add(full, "is required")
        return default
    if not isinstance(value, str) or not value.strip():
        problems.add(full, f"must be a non-empty string, got {describe(value)}")
        return None
    if choices is not None:
        options = list(choices)
        if value not in options:
            problems.add(full, f"must be one of {', '.join(options)}, got {describe(value)}")
            return None
    return value


def read_int(
    obj: Mapping[str, Any],
    name: str,
    key: str,
    problems: Problems,
    *,
    default: int | None = None,
    low: int,
    high: int,
) -> int | None:
    value = obj.get(name)
    full = f"{key}.{name}"
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(full, f"must be an integer between {low} and {high}, got {describe(value)}")
        return None
    if not low <= value <= high:
        problems.add(full, f"must be between {low} and {high}, got {value}")
        return None
    return value


def read_bool(
    obj: Mapping[str, Any], name: str, key: str, problems: Problems, *, default: bool
) -> bool:
    value = obj.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        problems.add(f"{key}.{name}", f"must be true or false, got {describe(value)}")
        return default
    return value


def read_address(value: Any, key: str, problems: Problems, *, family: int) -> IPAddress | None:
    """An IPv4 (family 4) or IPv6 (family 6) address without prefix."""
    other = "vip6" if family == 4 else "vip"
    try:
        address = ipaddress.ip_address(str(value))
    except ValueError:
        problems.add(key, f"must be an IPv{family} address, got {describe(value)}")
        return None
    if address.version != family:
        problems.add(
            key,
            f"{address} is an IPv{address.version} address; this key takes IPv{family}"
            + (f" (put IPv{address.version} VIPs in '{other}')" if "vip" in key else ""),
        )
        return None
    return address


def read_interface(
    value: Any, key: str, problems: Problems, *, family: int
) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface | None:
    """An address with its prefix length, e.g. ``198.51.100.11/24``."""
    text = str(value)
    if "/" not in text:
        problems.add(key, f"needs a prefix length, e.g. '{text}/{24 if family == 4 else 64}'")
        return None
    try:
        iface = ipaddress.ip_interface(text)
    except ValueError:
        problems.add(key, f"must be an IPv{family} address with prefix, got {describe(value)}")
        return None
    if iface.version != family:
        problems.add(key, f"{iface} is IPv{iface.version}; this key takes IPv{family}")
        return None
    if iface.ip == iface.network.network_address and iface.network.prefixlen < (
        31 if family == 4 else 127
    ):
        problems.add(key, f"{iface.ip} is the network address of {iface.network}; use a host")
        return None
    return iface


def read_optional(
    obj: Mapping[str, Any], name: str, key: str, problems: Problems, reader: Any, **kw: Any
) -> Any:
    """``reader(obj[name], "<key>.<name>", problems, **kw)``, or None when the key is unset."""
    return None if obj.get(name) is None else reader(obj[name], f"{key}.{name}", problems, **kw)


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))
