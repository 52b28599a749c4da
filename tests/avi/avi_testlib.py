"""Helpers shared by the provider-core tests (a plain module: test dirs here are not packages)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from avi_dsr.avi.ownership import Owner

CASES = Path(__file__).parent / "cases"
UUID_RE = re.compile(r"[a-z]+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PASSWORD = "admin"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def load_cases(name: str) -> Any:
    """A JSON case file from tests/avi/cases/ (fresh copy each call)."""
    return json.loads((CASES / name).read_text())


def stack() -> list[tuple[str, dict[str, Any]]]:
    """(object type, body) for one DSR service, in dependency order."""
    return [(t, copy.deepcopy(b)) for t, b in load_cases("bodies.json")["stack"]]


def body_of(obj_type: str) -> dict[str, Any]:
    return dict(stack())[obj_type]


def owner(name: str = "web", stack_name: str = "dev", project: str = "avi-dsr") -> Owner:
    """The Owner of a resource named `name` in stack `project/stack_name`."""
    return Owner.from_urn(f"urn:pulumi:{stack_name}::{project}::avi-dsr:avi:Thing::{name}")


def requests_made(sim) -> list[str]:
    """The simulator's request log as `METHOD /path` with uuids replaced by `{uuid}`."""
    return [
        f"{r['method']} {UUID_RE.sub('{uuid}', r['path'].split('?')[0])}"
        for r in sim.request_log()
        if not r["path"].startswith("/_avisim")
    ]


def writes(sim) -> list[str]:
    """Object writes (logins are not writes)."""
    return [
        r
        for r in requests_made(sim)
        if r.split(" ")[0] in ("POST", "PUT", "PATCH", "DELETE") and r != "POST /login"
    ]


def with_unknowns(value: Any) -> Any:
    """Case files spell the preview sentinel "UNKNOWN"."""
    if value == "UNKNOWN":
        return UNKNOWN
    if isinstance(value, dict):
        return {k: with_unknowns(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_unknowns(v) for v in value]
    return value
