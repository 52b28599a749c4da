"""Fault injection: session expiry, 5xx bursts, dropped replies after commit, held replies,
latency before the work or after the commit, clock skew, and slow VS placement
(``oper_up_after_polls``, ``se_assign_ms``).

Settings are consumed as they fire (counts go down), so a test sets them right before the calls
it wants to disturb. A controller restart is an action, not a setting: ``Simulator.restart``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from avisim.errors import ApiError

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
METHODS = ("GET", *WRITE_METHODS)
COUNTED_WRITES = ("POST", "PUT", "DELETE")  # what hold_reply counts unless told otherwise
DEFAULT_SE_ASSIGN_MS = 300


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
class HoldReply:
    """The ``after_writes``-th matching committed write (counted from when this is set) keeps
    its reply until released through the control API, so a test can kill the client there."""

    after_writes: int
    methods: tuple[str, ...] = COUNTED_WRITES
    path_prefix: str = "/api/"

    def take(self, method: str, path: str) -> bool:
        if method in self.methods and path.startswith(self.path_prefix) and self.after_writes > 0:
            self.after_writes -= 1
            return self.after_writes == 0
        return False


@dataclass
class LatencyAfterCommit(_Burst):
    """Matching writes commit, then their reply waits ``ms``; ``count`` None = every one."""

    count: int | None = None  # type: ignore[assignment]
    ms: int = 0
    methods: tuple[str, ...] = WRITE_METHODS

    def take(self, method: str, path: str) -> bool:
        if self.count is None:
            return method in self.methods and path.startswith(self.path_prefix)
        return super().take(method, path)


_SETTINGS = (
    "unauthorized_after, fail_5xx, drop_after_commit, hold_reply, latency_ms, "
    "latency_after_commit, clock_offset_seconds, oper_up_after_polls, se_assign_ms or restart"
)


@dataclass
class Faults:
    """Mutable fault settings; thread-safe ``take_*`` methods consume them."""

    unauthorized_after: int | None = None
    fail_5xx: Fail5xx | None = None
    drop_after_commit: DropAfterCommit | None = None
    hold_reply: HoldReply | None = None
    latency_ms: int = 0
    latency_after_commit: LatencyAfterCommit | None = None
    clock_offset_seconds: float = 0.0
    oper_up_after_polls: int = 0
    se_assign_ms: int = DEFAULT_SE_ASSIGN_MS
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _started: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def remember_start(self) -> None:
        """What the controller was started with (``se_assign_ms``, ``clock_offset_seconds``)
        is where ``clear`` returns to: these describe the controller more than a fault."""
        with self._lock:
            self._started = {
                "se_assign_ms": self.se_assign_ms,
                "clock_offset_seconds": self.clock_offset_seconds,
            }

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
            elif key == "se_assign_ms":
                parsed[key] = (
                    DEFAULT_SE_ASSIGN_MS if value is None else _count(key, value, minimum=0)
                )
            elif key == "clock_offset_seconds":
                parsed[key] = 0.0 if value is None else _seconds(key, value)
            elif key in _PARSERS:
                parsed[key] = None if value is None else _PARSERS[key](value)
            elif key == "restart":
                raise ApiError(400, "faults.restart is an action: use Simulator.restart()")
            else:
                raise ApiError(400, f"faults: unknown key {key!r}; use {_SETTINGS}")
        with self._lock:
            for key, value in parsed.items():
                setattr(self, key, value)

    def clear(self) -> None:
        """Back to no faults; SE assignment time and clock offset back to the start values."""
        with self._lock:
            self.unauthorized_after = None
            self.fail_5xx = None
            self.drop_after_commit = None
            self.hold_reply = None
            self.latency_ms = 0
            self.latency_after_commit = None
            self.clock_offset_seconds = 0.0
            self.oper_up_after_polls = 0
            self.se_assign_ms = self._started.get("se_assign_ms", DEFAULT_SE_ASSIGN_MS)
            self.clock_offset_seconds = self._started.get("clock_offset_seconds", 0.0)

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "unauthorized_after": self.unauthorized_after,
                "fail_5xx": _plain(self.fail_5xx),
                "drop_after_commit": _plain(self.drop_after_commit),
                "hold_reply": _plain(self.hold_reply),
                "latency_ms": self.latency_ms,
                "latency_after_commit": _plain(self.latency_after_commit),
                "clock_offset_seconds": self.clock_offset_seconds,
                "oper_up_after_polls": self.oper_up_after_polls,
                "se_assign_ms": self.se_assign_ms,
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

    def take_hold(self, method: str, path: str) -> bool:
        """Count one committed write; True when this is the one whose reply is held."""
        with self._lock:
            fault = self.hold_reply
            if fault is None or not fault.take(method, path):
                return False
            self.hold_reply = None
            return True

    def take_latency_after_commit(self, method: str, path: str) -> float:
        """Seconds to wait before replying to this committed write (0 for none)."""
        with self._lock:
            fault = self.latency_after_commit
            return fault.ms / 1000 if fault is not None and fault.take(method, path) else 0.0


def _plain(fault: Any) -> dict[str, Any] | None:
    return asdict(fault) if fault is not None else None


def _seconds(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, f"faults.{key}: must be a number of seconds, got {value!r}")
    return float(value)


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


def _hold(value: Any) -> HoldReply:
    spec = _object("hold_reply", value, {"after_writes", "methods", "path_prefix"})
    return HoldReply(
        after_writes=_count("hold_reply.after_writes", spec.get("after_writes", 1), minimum=1),
        methods=_methods("hold_reply", spec.get("methods"), COUNTED_WRITES),
        path_prefix=str(spec.get("path_prefix", "/api/")),
    )


def _latency_after_commit(value: Any) -> LatencyAfterCommit:
    spec = _object("latency_after_commit", value, {"ms", "count", "methods", "path_prefix"})
    count = spec.get("count")
    return LatencyAfterCommit(
        ms=_count("latency_after_commit.ms", spec.get("ms", 0), minimum=0),
        count=None if count is None else _count("latency_after_commit.count", count, minimum=0),
        methods=_methods("latency_after_commit", spec.get("methods"), WRITE_METHODS),
        path_prefix=str(spec.get("path_prefix", "/api/")),
    )


_PARSERS = {
    "fail_5xx": _fail_5xx,
    "drop_after_commit": _drop,
    "hold_reply": _hold,
    "latency_after_commit": _latency_after_commit,
}
