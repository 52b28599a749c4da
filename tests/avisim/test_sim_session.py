"""Login, cookies, CSRF and session expiry, seen from avisdk and from plain HTTP."""

from __future__ import annotations

import pytest
import requests
from avisim.server import Simulator
from avisim.testing import running_simulator
from simhelpers import avisdk_session


def _login(sim: Simulator, **kwargs) -> requests.Response:
    return requests.post(f"{sim.url}/login", timeout=5, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {"username": "admin", "password": "admin"}},  # avisdk: form-encoded
        {"json": {"username": "admin", "password": "admin"}},  # Go SDK, scripts: JSON
    ],
    ids=["form", "json"],
)
def test_login_accepts_form_and_json_and_sets_session_cookies(avisim, kwargs):
    rsp = _login(avisim, **kwargs)
    assert rsp.status_code == 200
    body = rsp.json()
    assert body["version"]["Version"] == "22.1.4"
    assert body["session_cookie_name"] == "avi-sessionid"
    assert {"csrftoken", "sessionid", "avi-sessionid"} <= set(rsp.cookies.keys())
    assert rsp.cookies["sessionid"] == rsp.cookies["avi-sessionid"]
    assert avisim.counters()["logins"] == 1


@pytest.mark.parametrize(
    "creds", [{"username": "admin", "password": "wrong"}, {"username": "root", "password": "admin"}]
)
def test_bad_credentials_are_401_and_avisdk_raises(avisim, creds):
    assert _login(avisim, data=creds).status_code == 401
    with pytest.raises(Exception, match="401"):
        avisdk_session(avisim, password=creds["password"], username=creds["username"])
    assert "logins" not in avisim.counters()


def test_custom_credentials():
    with running_simulator(username="ops", password="s3cret!") as sim:
        assert _login(sim, data={"username": "ops", "password": "s3cret!"}).status_code == 200
        assert _login(sim, data={"username": "admin", "password": "admin"}).status_code == 401
        assert "s3cret" not in repr(sim.sessions)


def test_avisdk_logs_in_and_reads_controller_version(api):
    assert api.remote_api_version["Version"] == "22.1.4"
    assert api.get("cluster/version").json()["Version"] == "22.1.4"
    assert api.get("initial-data").json()["version"]["Version"] == "22.1.4"


def test_api_without_session_is_401(avisim):
    rsp = requests.get(f"{avisim.url}/api/pool", timeout=5)
    assert rsp.status_code == 401


def _session(sim: Simulator) -> tuple[requests.Session, str]:
    http = requests.Session()
    rsp = http.post(f"{sim.url}/login", data={"username": "admin", "password": "admin"}, timeout=5)
    return http, rsp.cookies["csrftoken"]


@pytest.mark.parametrize("token", [None, "not-the-token"], ids=["missing", "wrong"])
def test_writes_need_the_csrf_token_plain_text_401(avisim, token):
    http, _ = _session(avisim)
    headers = {"X-CSRFToken": token} if token else {}
    rsp = http.post(f"{avisim.url}/api/pool", json={"name": "p"}, headers=headers, timeout=5)
    assert rsp.status_code == 401
    assert rsp.text == "CSRF token missing or incorrect."
    assert rsp.headers["Content-Type"].startswith("text/plain")
    assert http.get(f"{avisim.url}/api/pool", timeout=5).status_code == 200  # reads need none


def test_write_with_csrf_token_succeeds(avisim):
    http, token = _session(avisim)
    rsp = http.post(
        f"{avisim.url}/api/pool", json={"name": "p"}, headers={"X-CSRFToken": token}, timeout=5
    )
    assert rsp.status_code == 201


def test_logout_ends_the_session(avisim):
    http, token = _session(avisim)
    assert http.post(f"{avisim.url}/logout", headers={"X-CSRFToken": token}, timeout=5).ok
    assert http.get(f"{avisim.url}/api/pool", timeout=5).status_code == 401


def test_session_expiry_makes_avisdk_log_in_again(avisim, api):
    avisim.faults.update({"unauthorized_after": 1})
    for _ in range(3):
        assert api.get("pool").status_code == 200
    counts = avisim.counters()
    assert counts["logins"] == 2
    statuses = [e["status"] for e in avisim.request_log() if e["path"] == "/api/pool"]
    assert statuses == [200, 401, 200, 200]


def test_expired_session_via_control_api(avisim, api):
    requests.post(f"{avisim.url}/_avisim/sessions/expire", timeout=5)
    assert api.get("pool").status_code == 200
    assert avisim.counters()["logins"] == 2


@pytest.mark.parametrize(
    ("header", "status"), [("22.1.4", 200), ("21.1.3", 200), ("latest-ish", 400)]
)
def test_x_avi_version_is_parsed(avisim, api, header, status):
    assert api.get("pool", api_version=header).status_code == status


@pytest.mark.parametrize(("tenant", "status"), [("admin", 200), ("no-such-tenant", 400)])
def test_x_avi_tenant_must_exist(avisim, api, tenant, status):
    assert api.get("pool", tenant=tenant).status_code == status
