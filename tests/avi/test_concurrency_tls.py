"""Four engine threads share one login; TLS is verified unless the user explicitly opts out."""

from __future__ import annotations

import logging
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from avi_dsr.avi import AviConnectionArgs, AviObjectProvider, AviProviderError
from avisim.testing import running_simulator

HM = {"type": "HEALTH_MONITOR_TCP"}


def _in_threads(fn, items):
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(fn, items))


def test_four_concurrent_creates_log_in_once(avisim, make_props):
    provider = AviObjectProvider("healthmonitor")  # one instance, as the engine shares it
    outs = _in_threads(
        lambda i: provider.create(make_props({"name": f"hm{i}", **HM})).outs, range(8)
    )
    assert sorted(o["name"] for o in outs) == [f"hm{i}" for i in range(8)]
    assert avisim.counters()["logins"] == 1


def test_401_burst_from_four_threads_relogs_once(avisim, make_props):
    provider = AviObjectProvider("healthmonitor")
    created = [provider.create(make_props({"name": f"hm{i}", **HM})).outs for i in range(4)]
    assert avisim.counters()["logins"] == 1
    avisim.faults.update({"unauthorized_after": 0})
    reads = _in_threads(lambda o: provider.read(o["uuid"], o).id, created * 2)
    assert reads == [o["uuid"] for o in created * 2]
    assert avisim.counters()["logins"] == 2


def _props(sim, **conn):
    args = AviConnectionArgs(controller=sim.url, username="admin", password="admin", **conn)
    return {"connection": args.wire(), "password": "admin", "body": {"name": "t", **HM}}


@pytest.fixture(scope="module")
def tls_sim():
    with running_simulator(tls=True) as sim:
        yield sim


def test_tls_verified_by_default_and_fails_on_unknown_ca(tls_sim):
    assert tls_sim.url.startswith("https://")
    with pytest.raises(AviProviderError, match=r"TLS verification of https://.*failed.*ca_bundle"):
        AviObjectProvider("healthmonitor").create(_props(tls_sim))
    assert tls_sim.counters().get("logins", 0) == 0


def test_tls_with_ca_bundle_works(tls_sim):
    props = _props(tls_sim, ca_bundle=str(tls_sim.ca_cert_path))
    outs = AviObjectProvider("healthmonitor").create(props).outs
    AviObjectProvider("healthmonitor").delete(outs["uuid"], {**props, **outs})


def test_ca_bundle_under_home_works(tls_sim, tmp_path, monkeypatch):
    """check expands `~` when it tests the file, so the client must expand it too."""
    monkeypatch.setenv("HOME", str(tmp_path))
    shutil.copy(tls_sim.ca_cert_path, tmp_path / "ca.pem")
    props = _props(tls_sim, ca_bundle="~/ca.pem")
    props["body"]["name"] = "home-ca"
    assert AviObjectProvider("healthmonitor").check({}, props).failures == []
    assert AviObjectProvider("healthmonitor").create(props).outs["name"] == "home-ca"


def test_tls_off_is_explicit_and_warns(tls_sim, caplog):
    props = _props(tls_sim, verify_tls=False)
    props["body"]["name"] = "insecure"
    with caplog.at_level(logging.WARNING, logger="avi_dsr.avi"), pytest.warns(Warning):
        outs = AviObjectProvider("healthmonitor").create(props).outs
    assert outs["name"] == "insecure"
    assert "TLS verification is OFF" in caplog.text


def test_plain_http_on_loopback_does_not_warn_about_tls(avisim, make_props, caplog):
    props = make_props({"name": "quiet", **HM})
    props["connection"]["verify_tls"] = False  # moot without TLS: no warning, avisdk stays quiet
    with caplog.at_level(logging.WARNING, logger="avi_dsr.avi"):
        AviObjectProvider("healthmonitor").create(props)
    assert "TLS verification is OFF" not in caplog.text
    assert "plain HTTP" not in caplog.text
