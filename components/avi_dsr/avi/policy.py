"""Retry and wait budgets, in one place so tests can shrink them (monkeypatch `RETRY_POLICY`)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: every loop here ends within a few seconds.

    attempts:               tries of an idempotent call (GET/PUT/DELETE) on 5xx or a dropped
                            connection; POST is never re-sent blindly (see provider._post).
    backoff_seconds:        first wait; doubles per try, capped at max_backoff_seconds.
    referred_by_seconds:    how long DELETE keeps retrying "Cannot delete, object is referred by"
                            (dependents being deleted in parallel by the engine).
    created_within_seconds: a same-named object whose `_last_modified` is this close to the start
                            of our create call may be the one our dropped POST made.
    """

    attempts: int = 4
    backoff_seconds: float = 0.25
    max_backoff_seconds: float = 2.0
    referred_by_seconds: float = float(os.environ.get("AVI_DSR_REFERRED_BY_SECONDS", "6"))
    created_within_seconds: float = 120.0

    def waits(self) -> list[float]:
        """Sleep before each retry (attempts - 1 of them)."""
        return [
            min(self.backoff_seconds * 2**i, self.max_backoff_seconds)
            for i in range(max(self.attempts - 1, 0))
        ]


RETRY_POLICY = RetryPolicy()


def current() -> RetryPolicy:
    """The policy in force (read at call time so a monkeypatched one applies)."""
    return RETRY_POLICY
