"""check: local validation before any request - one CheckFailure per bad field, clear text."""

from __future__ import annotations

import pytest
from avi_dsr.avi import AviObjectProvider
from avi_dsr.avi.values import UNKNOWN_SENTINELS
from avi_testlib import load_cases, stack

UNKNOWN = next(iter(UNKNOWN_SENTINELS))
CASES = load_cases("check.json")


def _unknowns(value):
    """Case files spell the preview sentinel as "UNKNOWN"."""
    if value == "UNKNOWN":
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _unknowns(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknowns(v) for v in value]
    return value


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_check_cases(case, avisim, make_props):
    news = make_props(_unknowns(case["body"]), adopt=case.get("adopt"))
    news["connection"] = {**news["connection"], **case.get("connection", {})}
    avisim.reset_counters()
    result = AviObjectProvider(case["type"]).check({}, news)
    got = [(f.property, f.reason) for f in result.failures]
    assert [p for p, _ in got] == [p for p, _, _ in case["failures"]], got
    for (_, reason), (_, start, allowed) in zip(got, case["failures"], strict=True):
        assert start in reason and allowed in reason and "\n" not in reason
    assert avisim.request_log() == []  # validation is local


class _Violation:
    def __init__(self, path, value, problem, allowed=None):
        self.path, self.value, self.problem, self.allowed = path, value, problem, allowed


class _FakeSchema:
    """Reports every field named `bad*` and every required-but-missing `type` (Contract 1 shape)."""

    def __init__(self):
        self.seen = []

    def validate(self, obj_type, body):
        self.seen.append(body)
        found = [_Violation(k, v, "must be an integer") for k, v in body.items() if k[:3] == "bad"]
        if "type" not in body:
            found.append(_Violation("type", None, "is required"))
        found += [
            _Violation(f"list[{i}]", v, "must be an object")
            for i, v in enumerate(body.get("list", []))
        ]
        return found


def test_check_filters_unknown_paths_with_any_schema(monkeypatch):
    from avi_dsr.avi import schema as schema_module

    fake = _FakeSchema()
    monkeypatch.setattr(schema_module, "load_schema", lambda version="22.1.4": fake)
    news = {
        "connection": {"controller": "ctrl", "username": "u"},
        "password": "p",
        "body": {"name": "x", "bad1": UNKNOWN, "bad2": "z", "list": [UNKNOWN, 1], "n": 3.0},
    }
    result = AviObjectProvider("pool").check({}, news)
    assert [(f.property, f.reason) for f in result.failures] == [
        ("body.bad2", "pool 'x': body.bad2 = 'z' must be an integer"),
        ("body.type", "pool 'x': body.type is required"),
        ("body.list[1]", "pool 'x': body.list[1] = 1 must be an object"),
    ]
    assert result.inputs["body"]["n"] == 3 and isinstance(result.inputs["body"]["n"], int)
    assert fake.seen[0]["n"] == 3


def test_check_missing_schema_file_is_a_failure_not_a_crash(monkeypatch):
    from avi_dsr.avi import schema as schema_module

    def missing(version="22.1.4"):
        raise FileNotFoundError("avi-22.1.4.json")

    monkeypatch.setattr(schema_module, "load_schema", missing)
    news = {
        "connection": {"controller": "c", "username": "u"},
        "password": "p",
        "body": {"name": "x"},
    }
    failures = AviObjectProvider("pool").check({}, news).failures
    assert [f.property for f in failures] == ["body"] and "reinstall" in failures[0].reason


@pytest.mark.parametrize(("obj_type", "body"), stack(), ids=[t for t, _ in stack()])
def test_dsr_service_bodies_pass_check(obj_type, body, make_props):
    assert AviObjectProvider(obj_type).check({}, make_props(body)).failures == []
