"""Hostile-input tests reuse the component tests' Pulumi mocks and stack data."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "components"))
