"""Field readers that collect every config problem instead of stopping at the first one.

Each reader takes the dotted key of the value it reads (``avi-dsr:services[1].ports[0]``),
records a problem that names that key and the fix, and returns ``None`` on bad input so the
caller can keep going and report everything at once.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from avi_dsr.controller_address import is_tenant_name
from avi_dsr.ipcheck import IPAddress, parse_address, parse_interface
from avi_dsr.server.spec import domain_problem
from avi_dsr.server.stage_root import MAX_PATH
from avi_dsr.textcheck import MAX_TEXT, describe, int_problem, refused_character, text_problem

__all__ = ["IPAddress", "describe"]  # re-exported: the config readers' shared vocabulary

MAX_ITEMS = 5000
"""Longest list any key takes (Avi's own largest limit here: 5000 pool servers)."""
MAX_REPORTED = 20
"""Problem lines an error shows; the rest are counted (fix those, then run again)."""


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
        shown = name if _plain_key(name) else describe(name)
        close = difflib.get_close_matches(str(shown), allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
        problems.add(f"{key}{sep}{shown}", f"unknown key; {hint}")


def _plain_key(name: Any) -> bool:
    """A key shown as is; anything else is shown quoted and bounded (a key holding a newline
    would otherwise split its problem over two lines)."""
    return isinstance(name, str) and len(name) <= 40 and name.isprintable()


def read_mapping(value: Any, key: str, problems: Problems) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problems.add(key, f"must be a mapping (key: value), got {describe(value)}")
        return None
    return dict(value)


def read_list(
    value: Any, key: str, problems: Problems, *, max_items: int = MAX_ITEMS, why: str = ""
) -> list[Any] | None:
    """A list of at most ``max_items`` (``why`` names the source of a tighter limit)."""
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        problems.add(key, f"must be a list, got {describe(value)}")
        return None
    if len(value) > max_items:
        problems.add(key, f"has {len(value)} entries; at most {max_items} are allowed{why}")
        return None
    return list(value)


def read_items(
    value: Any,
    key: str,
    problems: Problems,
    *,
    missing: str,
    max_items: int = MAX_ITEMS,
    why: str = "",
) -> list[Any]:
    """A list that needs at least one item: one problem when unset or empty, one when not a
    list or too long (never both, so one mistake is reported once)."""
    items = read_list(value, key, problems, max_items=max_items, why=why)
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
    max_len: int = MAX_TEXT,
) -> str | None:
    """A one-line string: no control characters (newlines would reach scripts and names)."""
    value = obj.get(name)
    full = f"{key}.{name}"
    if value is None:
        if required:
            problems.add(full, "is required")
        return default
    problem = text_problem(value, max_len=max_len)
    if problem:
        problems.add(full, problem)
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
    if value is None:
        return default
    problem = int_problem(value, low, high)
    if problem:
        problems.add(f"{key}.{name}", problem)
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
        address = parse_address(value)
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
    if not isinstance(value, str):
        problems.add(key, f"must be an IPv{family} address with prefix, got {describe(value)}")
        return None
    if "/" not in value:
        text = value.strip()
        if len(text) > 45 or refused_character(text):
            text = "198.51.100.11" if family == 4 else "2001:db8::11"
        problems.add(key, f"needs a prefix length, e.g. '{text}/{24 if family == 4 else 64}'")
        return None
    try:
        iface = parse_interface(value)
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


def read_path(obj: Mapping[str, Any], name: str, key: str, problems: Problems) -> str | None:
    """A local file or directory path (``~`` expanded); existence is the caller's business."""
    value = read_str(obj, name, key, problems, max_len=MAX_PATH)
    return os.path.expanduser(value) if value else None


def read_tenant(
    obj: Mapping[str, Any], key: str, problems: Problems, *, default: str
) -> str | None:
    """An Avi tenant name: the same rule the providers apply to ``connection.tenant``."""
    tenant = read_str(obj, "tenant", key, problems, default=default)
    if tenant is not None and not is_tenant_name(tenant):
        problems.add(
            f"{key}.tenant",
            f"must be a tenant name such as 'admin' (no spaces or / ? # &), got {describe(tenant)}",
        )
        return None
    return tenant


# Avi object names go into refs (``/api/pool?name=...``) and the controller UI; the service name
# also prefixes the five derived names (``<svc>-vsvip`` is the longest), so it is shorter.
_AVI_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
MAX_SERVICE_NAME = 60
MAX_AVI_NAME = 128


def avi_name_problem(value: Any, *, max_len: int = MAX_AVI_NAME) -> str | None:
    """Why ``value`` is not an Avi object name we create (None when it is one)."""
    problem = text_problem(value, max_len=max(max_len, MAX_TEXT))
    if problem:
        return problem
    if len(value) > max_len or not _AVI_NAME.fullmatch(value):
        return (
            f"{describe(value)} must start with a letter or digit and use "
            f"only letters, digits, '-', '_', '.' (at most {max_len} characters)"
        )
    return None


def service_name_problem(value: Any) -> str | None:
    """A service name: an Avi name that stays one after ``-vsvip`` is appended."""
    return avi_name_problem(value, max_len=MAX_SERVICE_NAME)


def host_problem(value: Any) -> str | None:
    """A host to connect to: a DNS name or an IP address, nothing else (no spaces, no URL)."""
    problem = text_problem(value)
    if problem:
        return problem
    try:
        parse_address(value)
    except ValueError:
        if domain_problem(value) is not None:
            return (
                f"{describe(value)} is not a host name or IP address "
                "(e.g. web01.lab.example or 198.51.100.11)"
            )
    return None


_SSH_USER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}")


def server_address_problem(value: Any) -> str | None:
    """A server to reach by its API: a host name or IP address, with an optional :port (a
    vCenter on a non-standard port, such as a simulator); `[addr]:port` for IPv6."""
    problem = text_problem(value)
    if problem:
        return problem
    host, port = value, None
    if value.startswith("[") and "]" in value:  # [2001:db8::5]:8443
        host, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else (rest or None)
    elif value.count(":") == 1:  # host:port (a bare IPv6 address has several colons)
        host, port = value.split(":")
    if port is not None and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        return f"{describe(value)}: the port must be 1-65535"
    if problem := host_problem(host):
        return problem.replace("(e.g. web01.lab.example", "(e.g. vc.lab.example:8443")
    return None


def ssh_user_problem(value: Any) -> str | None:
    """A login name as useradd accepts it (it also decides whether the scripts use sudo)."""
    problem = text_problem(value)
    if problem:
        return problem
    if not _SSH_USER.fullmatch(value):
        return (
            f"{describe(value)} is not a user name; use letters, digits, '_', '.', '-' "
            "(at most 32 characters, e.g. ubuntu)"
        )
    return None


MAX_HTTP_PATH = 2048


def http_path_problem(value: Any) -> str | None:
    """A health-monitor request path: it is sent as ``GET <path> HTTP/1.0``, so one token of
    printable ASCII (percent-encode anything else)."""
    problem = text_problem(value, max_len=MAX_HTTP_PATH)
    if problem:
        return problem
    if not value.startswith("/") or not _HTTP_PATH.fullmatch(value):
        return (
            "must start with '/' and contain no spaces (printable ASCII; percent-encode "
            f"the rest), got {describe(value)}"
        )
    return None


_HTTP_PATH = re.compile(r"/[\x21-\x7e]*")


def read_optional(
    obj: Mapping[str, Any], name: str, key: str, problems: Problems, reader: Any, **kw: Any
) -> Any:
    """``reader(obj[name], "<key>.<name>", problems, **kw)``, or None when the key is unset."""
    return None if obj.get(name) is None else reader(obj[name], f"{key}.{name}", problems, **kw)


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


_INDEX = re.compile(r"\[\d+\]")


def summarize(lines: list[str], limit: int = MAX_REPORTED) -> list[str]:
    """Problem lines for an error message: the same problem on consecutive items of one list
    becomes one line (5000 bad ports are one line, not 80 KB), and at most ``limit`` lines are
    shown, with a count of the rest."""
    groups: list[tuple[str, str, list[str]]] = []  # (key with [*], message, keys)
    for line in lines:
        key, _, message = line.partition(": ")
        pattern = _INDEX.sub("[*]", key)
        last = groups[-1] if groups else None
        if last and last[0] == pattern and last[1] == message and pattern != key:
            last[2].append(key)
        else:
            groups.append((pattern, message, [key]))
    shown = []
    for _pattern, message, keys in groups[:limit]:
        where = keys[0] if len(keys) == 1 else f"{keys[0]} and {len(keys) - 1} more like it"
        shown.append(f"{where}: {message}" if message else where)
    rest = sum(len(keys) for _p, _m, keys in groups[limit:])
    if rest:
        shown.append(f"... and {rest} more; fix the problems above and run again")
    return shown
