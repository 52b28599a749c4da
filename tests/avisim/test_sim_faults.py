"""Fault injection (5xx bursts, dropped replies, session expiry, latency), counters and log."""

from __future__ import annotations

import time

import pytest
import requests
from simhelpers import create, error

HM = {"name": "hm", "type": "HEALTH_MONITOR_TCP"}


def test_5xx_burst_filtered_by_method_and_path(avisim, api):
    avisim.faults.update(
        {"fail_5xx": {"count": 2, "status": 502, "methods": ["POST"], "path_prefix": "/api/pool"}}
    )
    assert api.get("pool").status_code == 200  # GET not affected
    assert api.post("healthmonitor", data=HM).status_code == 201  # other path not affected
    replies = [api.post("pool", data={"name": "p"}) for _ in range(3)]
    assert [r.status_code for r in replies] == [502, 502, 201]
    assert error(replies[0]) == "avisim: injected 502 fault"


def test_5xx_fault_defaults_to_503_on_any_api_call(avisim, api):
    avisim.faults.update({"fail_5xx": {"count": 1}})
    assert api.get("pool").status_code == 503
    assert api.get("pool").status_code == 200


def test_drop_after_commit_commits_then_hangs_up(avisim, api):
    avisim.faults.update({"drop_after_commit": {"count": 1, "methods": ["POST"]}})
    rsp = api.post("pool", data={"name": "p"})
    # avisdk re-logs in and re-sends the POST on a connection error: the first one was committed.
    assert rsp.status_code == 409
    assert api.get("pool", params={"name": "p"}).json()["count"] == 1
    log = [e for e in avisim.request_log() if e["path"] == "/api/pool" and e["method"] == "POST"]
    assert [(e["status"], e["dropped"]) for e in log] == [(201, True), (409, False)]
    assert avisim.counters()["logins"] == 2


def test_drop_after_commit_ignores_failed_writes_and_reads(avisim, api):
    avisim.faults.update({"drop_after_commit": {"count": 1}})
    assert api.get("pool").status_code == 200
    assert api.post("pool", data={"name": "p", "bogus": 1}).status_code == 400
    assert avisim.faults.drop_after_commit.count == 1


def test_unauthorized_after_n_requests(avisim, api):
    avisim.faults.update({"unauthorized_after": 2})
    for _ in range(4):
        assert api.get("pool").status_code == 200
    assert avisim.counters()["logins"] == 2
    assert [e["status"] for e in avisim.request_log() if e["path"] == "/api/pool"] == [
        200,
        200,
        401,
        200,
        200,
    ]


def test_latency_is_added(avisim, api):
    avisim.faults.update({"latency_ms": 120})
    started = time.monotonic()
    api.get("pool")
    assert time.monotonic() - started >= 0.12


def test_counters_use_collection_paths_and_count_logins(avisim, api):
    avisim.reset_counters()
    pool = create(api, "pool", {"name": "p"})
    api.get(f"pool/{pool['uuid']}")
    api.put(f"pool/{pool['uuid']}", data={"name": "p"})
    api.delete(f"pool/{pool['uuid']}")
    api.get("cluster/version")
    requests.get(f"{avisim.url}/_avisim/counters", timeout=5)  # control calls are not counted
    assert avisim.counters() == {
        "POST /api/pool": 1,
        "GET /api/pool": 1,
        "PUT /api/pool": 1,
        "DELETE /api/pool": 1,
        "GET /api/cluster/version": 1,
    }
    assert [e["method"] for e in avisim.request_log()] == ["POST", "GET", "PUT", "DELETE", "GET"]


def test_control_api_over_http(avisim, api):
    base = f"{avisim.url}/_avisim"
    create(api, "pool", {"name": "p"})
    assert requests.get(f"{base}/counters", timeout=5).json()["POST /api/pool"] == 1
    assert requests.get(f"{base}/log", timeout=5).json()[-1]["path"] == "/api/pool"
    assert requests.post(f"{base}/counters/reset", timeout=5).ok
    assert requests.get(f"{base}/counters", timeout=5).json() == {}
    faults = requests.post(
        f"{base}/faults", json={"latency_ms": 5, "unauthorized_after": 3}, timeout=5
    )
    assert faults.json()["latency_ms"] == 5 and avisim.faults.unauthorized_after == 3
    assert requests.delete(f"{base}/faults", timeout=5).json()["unauthorized_after"] is None
    pools = requests.get(f"{base}/objects/pool", timeout=5).json()
    assert [p["name"] for p in pools] == ["p"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"fail_5xx": {"count": 1, "status": 404}}, "fail_5xx.status: must be 500-599"),
        ({"fail_5xx": {"count": -1}}, "fail_5xx.count: must be an integer >= 0"),
        ({"fail_5xx": {"count": 1, "methods": ["FETCH"]}}, "unknown ['FETCH']"),
        ({"drop_after_commit": {"count": 1, "extra": 1}}, "unknown keys ['extra']"),
        ({"latency": 5}, "unknown key 'latency'"),
        ({"unauthorized_after": "3"}, "unauthorized_after: must be an integer"),
    ],
)
def test_bad_fault_settings_are_400_naming_the_field(avisim, body, fragment):
    rsp = requests.post(f"{avisim.url}/_avisim/faults", json=body, timeout=5)
    assert rsp.status_code == 400
    assert fragment in rsp.json()["error"]
