"""Helpers shared by the provider tests (a plain module: test dirs here are not packages)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

CASES = Path(__file__).parent / "cases"
UUID_RE = re.compile(r"[a-z]+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def load_cases(name: str) -> Any:
    """A JSON case file from tests/avi/cases/ (fresh copy each call)."""
    return json.loads((CASES / name).read_text())


def stack() -> list[tuple[str, dict[str, Any]]]:
    """(object type, body) for one DSR service, in dependency order."""
    return [(t, copy.deepcopy(b)) for t, b in load_cases("bodies.json")["stack"]]


def body_of(obj_type: str) -> dict[str, Any]:
    return dict(stack())[obj_type]


def requests_made(sim) -> list[str]:
    """The simulator's request log as `METHOD /path` with uuids replaced by `{uuid}`."""
    return [
        f"{r['method']} {UUID_RE.sub('{uuid}', r['path'].split('?')[0])}"
        for r in sim.request_log()
        if not r["path"].startswith("/_avisim")
    ]
