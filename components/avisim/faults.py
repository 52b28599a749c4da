"""Fault injection: session expiry, 5xx bursts, dropped connections after commit, latency,
and slow VS placement (``oper_up_after_polls``).

Settings are consumed as they fire (counts go down), so a test sets them right before the calls
it wants to disturb.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from avisim.errors import ApiError

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
METHODS = ("GET", *WRITE_METHODS)


@dataclass
class _Burst:
    """A fault for the next ``count`` requests with one of ``methods`` under ``path_prefix``."""

    count: int
    methods: tuple[str, ...] = METHODS
    path_prefix: str = "/api/"

    def take(self, method: str, path: str) -> bool:
        """Use up one when this request matches (the caller holds the Faults lock)."""
        if self.count > 0 and method in self.methods and path.startswith(self.path_prefix):
            self.count -= 1
            return True
        return False


@dataclass
class Fail5xx(_Burst):
    """The next ``count`` matching requests get ``status`` instead of being served."""

    status: int = 503


@dataclass
class DropAfterCommit(_Burst):
    """The next ``count`` matching writes are committed, then the socket closes with no reply."""

    methods: tuple[str, ...] = WRITE_METHODS


@dataclass
class Faults:
    """Mutable fault settings; thread-safe ``take_*`` methods consume them."""

    unauthorized_after: int | None = None
    fail_5xx: Fail5xx | None = None
    drop_after_commit: DropAfterCommit | None = None
    latency_ms: int = 0
    oper_up_after_polls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def update(self, changes: Any) -> None:
        """Apply a control-API body (keys as in docs/design.md); null clears a fault."""
        if not isinstance(changes, Mapping):
            raise ApiError(400, "faults: expected a JSON object")
        parsed: dict[str, Any] = {}
        for key, value in changes.items():
            if key == "unauthorized_after":
                parsed[key] = None if value is None else _count(key, value, minimum=0)
            elif key in ("latency_ms", "oper_up_after_polls"):
                parsed[key] = 0 if value is None else _count(key, value, minimum=0)
            elif key == "fail_5xx":
                parsed[key] = None if value is None else _fail_5xx(value)
            elif key == "drop_after_commit":
                parsed[key] = None if value is None else _drop(value)
            else:
                raise ApiError(
                    400,
                    f"faults: unknown key {key!r}; use unauthorized_after, fail_5xx, "
                    "drop_after_commit, latency_ms or oper_up_after_polls",
                )
        with self._lock:
            for key, value in parsed.items():
                setattr(self, key, value)

    def clear(self) -> None:
        with self._lock:
            self.unauthorized_after = None
            self.fail_5xx = None
            self.drop_after_commit = None
            self.latency_ms = 0
            self.oper_up_after_polls = 0

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "unauthorized_after": self.unauthorized_after,
                "fail_5xx": asdict(self.fail_5xx) if self.fail_5xx else None,
                "drop_after_commit": asdict(self.drop_after_commit)
                if self.drop_after_commit
                else None,
                "latency_ms": self.latency_ms,
                "oper_up_after_polls": self.oper_up_after_polls,
            }

    def take_session_expiry(self) -> bool:
        """Count one API request; True exactly when the sessions should expire now."""
        with self._lock:
            if self.unauthorized_after is None:
                return False
            if self.unauthorized_after > 0:
                self.unauthorized_after -= 1
                return False
            self.unauthorized_after = None
            return True

    def take_5xx(self, method: str, path: str) -> int | None:
        with self._lock:
            fault = self.fail_5xx
            return fault.status if fault is not None and fault.take(method, path) else None

    def take_drop(self, method: str, path: str) -> bool:
        with self._lock:
            fault = self.drop_after_commit
            return fault is not None and fault.take(method, path)


def _count(key: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ApiError(400, f"faults.{key}: must be an integer >= {minimum}, got {value!r}")
    return value


def _methods(key: str, value: Any, default: Sequence[str]) -> tuple[str, ...]:
    if value is None:
        return tuple(default)
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise ApiError(400, f'faults.{key}.methods: must be a list like ["POST"], got {value!r}')
    methods = tuple(m.upper() for m in value)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ApiError(400, f"faults.{key}.methods: unknown {unknown}; use {', '.join(METHODS)}")
    return methods


def _object(key: str, value: Any, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ApiError(400, f"faults.{key}: expected an object with count, got {value!r}")
    unknown = set(value) - allowed
    if unknown:
        raise ApiError(400, f"faults.{key}: unknown keys {sorted(unknown)}; use {sorted(allowed)}")
    return value


def _fail_5xx(value: Any) -> Fail5xx:
    spec = _object("fail_5xx", value, {"count", "status", "methods", "path_prefix"})
    status = spec.get("status", 503)
    if isinstance(status, bool) or not isinstance(status, int) or not 500 <= status <= 599:
        raise ApiError(400, f"faults.fail_5xx.status: must be 500-599, got {status!r}")
    return Fail5xx(
        count=_count("fail_5xx.count", spec.get("count", 1), minimum=0),
        status=status,
        methods=_methods("fail_5xx", spec.get("methods"), METHODS),
        path_prefix=str(spec.get("path_prefix", "/api/")),
    )


def _drop(value: Any) -> DropAfterCommit:
    spec = _object("drop_after_commit", value, {"count", "methods", "path_prefix"})
    return DropAfterCommit(
        count=_count("drop_after_commit.count", spec.get("count", 1), minimum=0),
        methods=_methods("drop_after_commit", spec.get("methods"), WRITE_METHODS),
        path_prefix=str(spec.get("path_prefix", "/api/")),
    )
