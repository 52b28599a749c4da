"""API versions: the controller's own version, X-Avi-Version newer than it, fields introduced after
the request's version, and responses shaped for older clients."""

from __future__ import annotations

import pytest
from avisim.testing import running_simulator
from avisim.versions import available
from simhelpers import avisdk_session, create, error, http_session

# Pool.json of 30.2.1: "Field introduced in 30.2.1."
NEW_POOL_FIELD = "graceful_hm_down_disable_timeout"


@pytest.fixture(scope="module")
def sim30():
    with running_simulator(controller_version="30.2.1", se_assign_ms=0) as sim:
        yield sim


@pytest.mark.parametrize("release", ["22.1.4", "30.2.1"])
def test_controller_reports_its_version_everywhere(release):
    with running_simulator(controller_version=release) as sim:
        api = avisdk_session(sim, api_version=release)
        assert api.remote_api_version["Version"] == release
        assert api.get("initial-data").json()["version"]["Version"] == release
        assert api.get("cluster/version").json()["Version"] == release


def test_an_x_avi_version_newer_than_the_controller_is_400(avisim):
    http = http_session(avisim, version="30.2.1")
    rsp = http.get(f"{avisim.url}/api/pool", timeout=5)
    assert rsp.status_code == 400
    assert "30.2.1" in rsp.json()["error"] and "22.1.4" in rsp.json()["error"]
    assert http.post(f"{avisim.url}/api/pool", json={"name": "p"}, timeout=5).status_code == 400
    assert avisim.controller.objects("pool") == []


def test_initial_data_answers_any_version_so_clients_can_learn_the_version(avisim):
    http = http_session(avisim, version="30.2.1")
    rsp = http.get(f"{avisim.url}/api/initial-data", timeout=5)
    assert rsp.status_code == 200
    assert rsp.json()["version"]["Version"] == "22.1.4"


def test_a_field_newer_than_the_request_is_refused_with_the_controllers_words(sim30):
    http = http_session(sim30, version="22.1.4")
    rsp = http.post(f"{sim30.url}/api/pool", json={"name": "new", NEW_POOL_FIELD: 5}, timeout=5)
    assert rsp.status_code == 400
    assert rsp.json()["error"] == (
        f"Incoming request (v22_1_4) has field ({NEW_POOL_FIELD}) introduced in later "
        "versions(v30_2_1)."
    )
    ok = http_session(sim30, version="30.2.1").post(
        f"{sim30.url}/api/pool", json={"name": "new", NEW_POOL_FIELD: 5}, timeout=5
    )
    assert ok.status_code == 201, ok.text


def test_nested_fields_are_version_checked_too(avisim):
    """DsrProfile (TCPFastPathProfile.dsr_profile) is "Field introduced in 18.2.3"."""
    api = avisdk_session(avisim, api_version="18.2.2")
    body = {
        "name": "np",
        "profile": {
            "type": "PROTOCOL_TYPE_TCP_FAST_PATH",
            "tcp_fast_path_profile": {"dsr_profile": {"dsr_type": "DSR_TYPE_L3"}},
        },
    }
    rsp = api.post("networkprofile", data=body)
    assert rsp.status_code == 400
    assert error(rsp) == (
        "Incoming request (v18_2_2) has field (dsr_profile) introduced in later versions(v18_2_3)."
    )


def test_without_x_avi_version_the_request_is_16_4_1(avisim):
    """Avi API versioning: "if X-Avi-Version is not specified, the Avi Controller defaults to
    API version 16.4.1"; VsVip fields are "Field introduced in 17.1.1"."""
    http = http_session(avisim, version=None)
    vip = {"name": "v", "vip": [{"ip_address": {"addr": "203.0.113.10", "type": "V4"}}]}
    rsp = http.post(f"{avisim.url}/api/vsvip", json=vip, timeout=5)
    assert rsp.status_code == 400
    assert "Incoming request (v16_4_1)" in rsp.json()["error"]
    assert http.post(f"{avisim.url}/api/pool", json={"name": "p"}, timeout=5).status_code == 201


def test_a_field_unknown_to_an_older_controller_is_refused():
    with running_simulator(controller_version="22.1.4") as sim:
        api = avisdk_session(sim)
        rsp = api.post("pool", data={"name": "p", NEW_POOL_FIELD: 5})
        assert rsp.status_code == 400
        assert f"{NEW_POOL_FIELD}: 5 is not a known field" in error(rsp)


def test_older_clients_do_not_see_newer_fields_and_can_put_back_what_they_read(sim30):
    old = avisdk_session(sim30, api_version="22.1.4")
    new = avisdk_session(sim30, api_version="30.2.1")
    pool = create(old, "pool", {"name": "round-trip"})
    assert NEW_POOL_FIELD not in pool
    assert new.get(f"pool/{pool['uuid']}").json()[NEW_POOL_FIELD] == -1  # the 30.2.1 default
    current = old.get(f"pool/{pool['uuid']}").json()
    assert NEW_POOL_FIELD not in current
    current["default_server_port"] = 8080
    rsp = old.put(f"pool/{pool['uuid']}", data=current)
    assert rsp.status_code == 200, rsp.text
    patched = old.patch(f"pool/{pool['uuid']}", data={"replace": {"default_server_port": 81}})
    assert patched.status_code == 200, patched.text


@pytest.mark.parametrize(
    ("since", "request_version", "expected"),
    [
        ("18.2.3", (18, 2, 2), False),
        ("18.2.3", (18, 2, 3), True),
        ("30.2.1", (22, 1, 4), False),
        (None, (16, 4, 1), True),
        (["17.2.12", "18.1.2"], (17, 2, 11), False),
        (["17.2.12", "18.1.2"], (17, 2, 12), True),
        (["17.2.12", "18.1.2"], (18, 1, 1), False),
        (["17.2.12", "18.1.2"], (18, 2, 1), True),
        (["17.2.12", "18.1.2"], (17, 1, 9), False),
    ],
)
def test_a_field_listed_for_several_trains(since, request_version, expected):
    assert available(since, request_version) is expected
