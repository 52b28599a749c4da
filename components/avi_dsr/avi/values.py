"""Value plumbing between the Pulumi wire and Avi JSON: preview unknowns and number shapes.

Pulumi sends numbers as doubles. Unknown preview values arrive as the sentinel string (mocks, old
engines) or, under the real engine, as `pulumi.output.Unknown` objects. Avi wants ints and must
never see either placeholder.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

UNKNOWN_SENTINELS = frozenset({UNKNOWN})


def is_unknown(value: object) -> bool:
    """True for the preview placeholder of a value not computed yet."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value in UNKNOWN_SENTINELS)


def unknown_paths(value: object, path: str = "") -> Iterator[str]:
    """Dotted paths (Violation style, `a.b[0]`) of every unknown inside `value`."""
    if is_unknown(value):
        yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from unknown_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unknown_paths(item, f"{path}[{index}]")


def normalize_numbers(value: Any) -> Any:
    """Deep copy with integral floats made ints (80.0 -> 80): protobuf Struct has only doubles."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {key: normalize_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalize_numbers(item) for item in value]
    return value


def path_is_under(path: str, prefix: str) -> bool:
    """`services[0].port` is under `services` and `services[0]`, not under `service`."""
    if not prefix or path == prefix:
        return True
    return path.startswith(prefix) and path[len(prefix)] in ".["
