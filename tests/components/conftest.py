"""Fixtures for component tests: stack configs as plain data, parsed specs."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from dsr_stacks import LAB_VALUES


@pytest.fixture
def lab_values() -> dict[str, Any]:
    """A valid two-server, one-service config (vsphere, dual stack); mutate freely."""
    return copy.deepcopy(LAB_VALUES)
