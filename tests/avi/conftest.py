"""Fixtures for provider-core tests: fast retry budgets, fresh sessions, a session on avisim."""

from __future__ import annotations

import pytest
from avi_dsr.avi import policy
from avi_dsr.avi.client import Connection, forget_sessions, session_for
from avi_dsr.avi.preflight import forget_preflights
from avi_testlib import PASSWORD


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    """Shrink every wait so fault tests take milliseconds, not seconds."""
    monkeypatch.setattr(
        policy,
        "RETRY_POLICY",
        policy.RetryPolicy(
            window_seconds=1.0,
            backoff_seconds=0.01,
            max_backoff_seconds=0.05,
            referred_by_seconds=0.3,
        ),
    )


@pytest.fixture(autouse=True)
def fresh_sessions():
    forget_sessions()
    forget_preflights()
    yield
    forget_sessions()
    forget_preflights()


@pytest.fixture
def conn(avisim) -> Connection:
    return Connection(controller=avisim.url, username="admin", password=PASSWORD)


@pytest.fixture
def session(conn):
    return session_for(conn)
