"""Shared fixtures: `avisim`, an in-process simulated Avi controller on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from avi.sdk.avi_api import ApiSession
from avisim.server import Simulator
from avisim.testing import running_simulator


def _clear_avisdk_sessions() -> None:
    """avisdk caches sessions in a module-global dict keyed by controller:user:port...; a stale
    entry from an earlier test (same port reused) would carry a dead session id."""
    ApiSession.clear_cached_sessions()


@pytest.fixture
def avisim() -> Iterator[Simulator]:
    """A fresh simulated Avi controller (HTTP, admin/admin, strict DSR rules on).

    ``avisim.url``, ``avisim.controller``, ``avisim.faults``, ``avisim.counters()``...
    """
    _clear_avisdk_sessions()
    with running_simulator() as sim:
        yield sim
    _clear_avisdk_sessions()
