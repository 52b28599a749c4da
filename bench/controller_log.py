"""What the controller saw during one run, from the simulator's request log.

Each log entry has monotonic start/end seconds (CLOCK_MONOTONIC is system-wide on Linux, so
they compare with this process's clock too). From them: the controller window (first request in
to last reply out), the most requests in flight at once, and counts per method.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ControllerView:
    requests: int  # API requests, logins included
    logins: int
    by_method: dict[str, int]
    window: float  # seconds from the first request's start to the last one's end; 0: none
    peak_in_flight: int

    def summary(self) -> str:
        """``1 login + 5 POST`` style; ``0`` when nothing was sent."""
        if not self.requests:
            return "0"
        parts = [f"{self.logins} login"] if self.logins else []
        parts += [f"{n} {m}" for m, n in sorted(self.by_method.items())]
        return " + ".join(parts)


def view_of(log: Iterable[Mapping[str, Any]]) -> ControllerView:
    entries = [e for e in log if not str(e.get("path", "")).startswith("/_avisim")]
    logins = sum(1 for e in entries if str(e["path"]).rstrip("/") == "/login")
    methods = Counter(str(e["method"]) for e in entries if str(e["path"]).rstrip("/") != "/login")
    if not entries:
        return ControllerView(0, 0, {}, 0.0, 0)
    window = max(float(e["end"]) for e in entries) - min(float(e["start"]) for e in entries)
    return ControllerView(len(entries), logins, dict(methods), window, peak_in_flight(entries))


def peak_in_flight(entries: Iterable[Mapping[str, Any]]) -> int:
    """Most requests whose [start, end] overlap at one instant (an end before a start at the
    same instant: back-to-back calls on one connection are not concurrent)."""
    events = []
    for e in entries:
        events.append((float(e["start"]), 1))
        events.append((float(e["end"]), -1))
    events.sort(key=lambda ev: (ev[0], ev[1]))
    peak = current = 0
    for _, delta in events:
        current += delta
        peak = max(peak, current)
    return peak
