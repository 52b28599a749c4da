"""diff, table-driven: (controller state, old outputs, new inputs) in -> DiffResult out.

No requests: the old outputs carry everything diff needs."""

from __future__ import annotations

import pytest
from avi_dsr.avi import AviObjectProvider
from avi_dsr.avi.session import AviClient
from avi_dsr.avi.values import UNKNOWN_SENTINELS
from avi_testlib import load_cases

UNKNOWN = next(iter(UNKNOWN_SENTINELS))
CASES = load_cases("diff.json")


def _fill(value, names):
    if isinstance(value, str):
        value = (value == "UNKNOWN" and UNKNOWN) or value
        for key, sub in names.items():
            value = value.replace("{" + key + "}", sub)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_diff_cases(case, avisim, make_props):
    names = {"url": avisim.url}
    for i, (obj_type, body) in enumerate(case.get("setup", [])):
        names[f"setup{i}"] = AviObjectProvider(obj_type).create(make_props(body)).id
    provider = AviObjectProvider(case["type"])
    olds = provider.create(make_props(_fill(case["create"], names))).outs
    if "drift" in case:  # someone edits the object on the controller, then `pulumi refresh`
        client = AviClient(olds["connection"], olds["password"], "drift")
        current = client.get(f"{case['type']}/{olds['uuid']}").json()
        assert client.put(f"{case['type']}/{olds['uuid']}", {**current, **case["drift"]}).ok
        olds = provider.read(olds["uuid"], olds).outs

    news = make_props(_fill(case["news"], names))
    news["connection"] = {**news["connection"], **_fill(case.get("connection", {}), names)}
    news["password"] = case.get("password", news["password"])
    avisim.reset_counters()
    result = provider.diff(olds["uuid"], olds, news)
    assert avisim.request_log() == []  # diff is local: old outputs carry what it needs
    assert result.changes is case["expect"]["changes"]
    assert result.replaces == case["expect"]["replaces"]
    assert result.delete_before_replace is True
