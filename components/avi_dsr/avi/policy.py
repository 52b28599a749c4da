"""Retry and wait budgets, in one place so tests can shrink them (monkeypatch `RETRY_POLICY`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass


def _env_seconds(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: every loop here ends, and says how long it tried.

    window_seconds:         how long an idempotent call (GET/PUT/DELETE), or the by-name
                            reconcile of a create whose reply was lost, keeps retrying 5xx answers
                            and failed connections. Long enough for a controller restart.
    backoff_seconds:        first wait; doubles per try, capped at max_backoff_seconds.
    referred_by_seconds:    how long DELETE keeps retrying "Cannot delete, object is referred by"
                            (the controller finishing the removal of a dependent).
    """

    window_seconds: float = _env_seconds("AVI_DSR_RETRY_WINDOW_SECONDS", 90.0)
    backoff_seconds: float = 0.25
    max_backoff_seconds: float = 5.0
    referred_by_seconds: float = _env_seconds("AVI_DSR_REFERRED_BY_SECONDS", 6.0)

    def waits(self) -> Iterator[float]:
        """Sleeps between tries: doubling, capped; the caller stops at its deadline."""
        wait = self.backoff_seconds
        while True:
            yield wait
            wait = min(wait * 2, self.max_backoff_seconds)


RETRY_POLICY = RetryPolicy()


def current() -> RetryPolicy:
    """The policy in force (read at call time so a monkeypatched one applies)."""
    return RETRY_POLICY
