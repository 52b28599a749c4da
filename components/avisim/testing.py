"""In-process simulator for tests: ``with running_simulator() as sim: ... sim.url ...``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from avisim.server import Simulator


@contextmanager
def running_simulator(**options: Any) -> Iterator[Simulator]:
    """Start a simulator on a free loopback port (options as ``Simulator``), stop it afterwards."""
    sim = Simulator(**options).start()
    try:
        yield sim
    finally:
        sim.stop()
