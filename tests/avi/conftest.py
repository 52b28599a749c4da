"""Fixtures for provider tests: fast retry budgets, fresh sessions, and props for the simulator."""

from __future__ import annotations

from typing import Any

import pytest
from avi_dsr.avi import AviConnectionArgs, AviObjectProvider, policy, session

PASSWORD = "admin"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    """Shrink every wait so fault tests take milliseconds, not seconds."""
    monkeypatch.setattr(
        policy,
        "RETRY_POLICY",
        policy.RetryPolicy(backoff_seconds=0.01, max_backoff_seconds=0.05, referred_by_seconds=0.3),
    )


@pytest.fixture(autouse=True)
def fresh_sessions():
    session.forget_sessions()
    yield
    session.forget_sessions()


@pytest.fixture
def connection(avisim) -> dict[str, Any]:
    return AviConnectionArgs(controller=avisim.url, username="admin", password=PASSWORD).wire()


@pytest.fixture
def make_props(connection):
    def make(body: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "connection": connection,
            "password": PASSWORD,
            "body": body,
            "adopt": None,
            **extra,
        }

    return make


@pytest.fixture
def provider():
    return AviObjectProvider
