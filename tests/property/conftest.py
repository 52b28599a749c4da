"""Hypothesis settings for the property tests.

`make test` and CI run the fixed, derandomized "ci" profile: the same examples every run, so a
failure reproduces and the run time stays put. `HYPOTHESIS_PROFILE=explore` searches further
(random, more examples) when you want to hunt for new bugs by hand.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))  # server_tools

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,  # nothing written into the work tree
    deadline=None,  # the real-tool properties take ~1 s per example on a busy 2-core host
    max_examples=150,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "explore",
    parent=settings.get_profile("ci"),
    derandomize=False,
    max_examples=2000,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
