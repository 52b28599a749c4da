"""The client: one login per controller per process however many threads, TLS verified by
default with the verifier's whole reason, the API version chosen rather than guessed."""

from __future__ import annotations

import logging
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from avi_dsr.avi import AviObjects, AviProviderError
from avi_dsr.avi.client import Connection, session_for
from avi_testlib import owner
from avisim.testing import running_simulator

HM = {"type": "HEALTH_MONITOR_TCP"}


def _in_threads(fn, items, workers=16):
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


def test_many_concurrent_creates_log_in_once(avisim, session):
    hm = AviObjects("healthmonitor")
    outs = _in_threads(
        lambda i: hm.create(session, {"name": f"hm{i}", **HM}, owner(f"hm{i}")), range(32)
    )
    assert sorted(o["name"] for o in outs) == sorted(f"hm{i}" for i in range(32))
    assert avisim.counters()["logins"] == 1


def test_401_burst_from_many_threads_relogs_once(avisim, session):
    hm = AviObjects("healthmonitor")
    created = [hm.create(session, {"name": f"hm{i}", **HM}, owner(f"hm{i}")) for i in range(4)]
    assert avisim.counters()["logins"] == 1
    avisim.faults.update({"unauthorized_after": 0})
    reads = _in_threads(lambda o: hm.read(session, o["uuid"], o, None)["uuid"], created * 4)
    assert reads == [o["uuid"] for o in created * 4]
    assert avisim.counters()["logins"] == 2


def test_unset_api_version_uses_the_controllers(avisim, session):
    session.ensure_login()
    assert session.controller_version == "22.1.4"
    assert session.api_version == "22.1.4"


def test_configured_api_version_is_sent_as_is(avisim):
    session = session_for(
        Connection(controller=avisim.url, username="admin", password="admin", api_version="22.1.4")
    )
    session.ensure_login()
    assert session.api_version == "22.1.4"


def test_wrong_password_is_one_clear_line(avisim):
    session = session_for(Connection(controller=avisim.url, username="admin", password="nope"))
    with pytest.raises(
        AviProviderError,
        match=r"login to .* as 'admin' failed \(HTTP 401\); "
        "check the username and the controller password",
    ):
        AviObjects("healthmonitor").read(session, "healthmonitor-x", {"name": "x"}, None)


@pytest.fixture(scope="module")
def tls_sim():
    with running_simulator(tls=True) as sim:
        yield sim


def _tls_session(sim, **conn):
    return session_for(Connection(controller=sim.url, username="admin", password="admin", **conn))


def test_tls_verified_by_default_with_the_whole_reason(tls_sim):
    assert tls_sim.url.startswith("https://")
    with pytest.raises(AviProviderError) as failed:
        AviObjects("healthmonitor").create(_tls_session(tls_sim), {"name": "t", **HM}, owner())
    text = str(failed.value)
    assert "TLS verification of https://" in text and "caBundle" in text
    # the verifier's reason, whole (the old client cut it mid-sentence)
    assert "failed: certificate verify failed: unable to get local issuer certificate;" in text
    assert tls_sim.counters().get("logins", 0) == 0


def test_tls_with_ca_bundle_works(tls_sim):
    session = _tls_session(tls_sim, ca_bundle=str(tls_sim.ca_cert_path))
    outs = AviObjects("healthmonitor").create(session, {"name": "ca", **HM}, owner("ca"))
    assert outs["name"] == "ca"


def test_ca_bundle_under_home_works(tls_sim, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    shutil.copy(tls_sim.ca_cert_path, tmp_path / "ca.pem")
    session = _tls_session(tls_sim, ca_bundle="~/ca.pem")
    outs = AviObjects("healthmonitor").create(session, {"name": "home", **HM}, owner("home"))
    assert outs["name"] == "home"


def test_tls_off_is_explicit_and_warns(tls_sim, caplog):
    session = _tls_session(tls_sim, verify_tls=False)
    with caplog.at_level(logging.WARNING, logger="avi_dsr.avi"):
        outs = AviObjects("healthmonitor").create(session, {"name": "off", **HM}, owner("off"))
    assert outs["name"] == "off"
    assert "TLS verification is OFF" in caplog.text


def test_plain_http_on_loopback_does_not_warn(avisim, caplog):
    session = session_for(
        Connection(controller=avisim.url, username="admin", password="admin", verify_tls=False)
    )
    with caplog.at_level(logging.WARNING, logger="avi_dsr.avi"):
        AviObjects("healthmonitor").create(session, {"name": "quiet", **HM}, owner("quiet"))
    assert "TLS verification is OFF" not in caplog.text
    assert "plain HTTP" not in caplog.text
