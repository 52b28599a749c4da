"""Fixtures for simulator tests: a simulator that places virtual services at once (tests of the
SE-assignment delay ask for it), an avisdk session on it, and a DSR object set."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from avi.sdk.avi_api import ApiSession
from avisim.server import Simulator
from avisim.testing import running_simulator
from simhelpers import avisdk_session, create, dsr_network_profile, dsr_pool, vsvip


@pytest.fixture
def avisim() -> Iterator[Simulator]:
    """Like tests/conftest.py's, with se_assign_ms=0 so runtime answers do not race the clock."""
    ApiSession.clear_cached_sessions()
    with running_simulator(se_assign_ms=0) as sim:
        yield sim
    ApiSession.clear_cached_sessions()


@pytest.fixture
def api(avisim: Simulator) -> ApiSession:
    return avisdk_session(avisim)


@pytest.fixture
def dsr_parts(api: ApiSession) -> Callable[..., dict[str, dict[str, Any]]]:
    """Create the network profile, pool and VsVip of a DSR service; returns their POST bodies."""

    def make(pool: dict[str, Any] | None = None, vip: dict[str, Any] | None = None) -> dict:
        return {
            "networkprofile": create(api, "networkprofile", dsr_network_profile()),
            "pool": create(api, "pool", pool or dsr_pool()),
            "vsvip": create(api, "vsvip", vip or vsvip()),
        }

    return make
