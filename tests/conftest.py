"""Shared fixtures: `avisim`, an in-process simulated Avi controller on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import hypothesis  # noqa: F401 - imported now, not late (see below)
import pytest
from avi.sdk.avi_api import ApiSession
from avisim.server import Simulator
from avisim.testing import running_simulator

# hypothesis's pytest plugin imports hypothesis lazily, at the end of the session, where pytest
# compiles (assertion-rewrites) it deep in its hook stack; CPython 3.11.7 then fails that compile
# with "AST constructor recursion depth mismatch" (python/cpython#106905, fixed in later 3.11
# releases). Importing it at collection, from a shallow stack, avoids the late compile.


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
