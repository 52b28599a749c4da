"""Fixtures for simulator tests: an avisdk session on `avisim`, and a DSR object set."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from avi.sdk.avi_api import ApiSession
from avisim.server import Simulator
from simhelpers import avisdk_session, create, dsr_network_profile, dsr_pool, vsvip


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
