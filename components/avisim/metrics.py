"""Request counters ("POST /api/pool") and a request log, for tests and benchmarks."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

LOGINS = "logins"
LOGIN_FAILURES = "login_failures"


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: Counter[str] = Counter()
        self._log: list[dict[str, Any]] = []

    def record(
        self,
        method: str,
        path: str,
        route: str,
        status: int,
        started: float,
        *,
        dropped: bool = False,
    ) -> None:
        """``route`` is the collection path (no uuids); ``path`` is what the client asked for.
        ``dropped``: the write was committed but the connection closed without a reply."""
        ended = time.monotonic()
        entry = {
            "method": method,
            "path": path,
            "status": status,
            "ms": round((ended - started) * 1000, 3),
            "dropped": dropped,
            # monotonic seconds: overlapping [start, end] show how many calls ran at once
            "start": round(started, 6),
            "end": round(ended, 6),
        }
        with self._lock:
            self._counters[_counter_key(method, route, status)] += 1
            self._log.append(entry)

    def counters(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counters)

    def request_log(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._log]

    def reset(self) -> None:
        with self._lock:
            self._counters.clear()
            self._log.clear()


def _counter_key(method: str, route: str, status: int) -> str:
    if route == "/login":
        return LOGINS if status == 200 else LOGIN_FAILURES
    return f"{method} {route}"
