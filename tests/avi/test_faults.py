"""Faults: dropped POSTs, name clashes, adopt, referred-by, 401 expiry, 5xx bursts."""

from __future__ import annotations

import threading
import time

import pytest
from avi_dsr.avi import AviObjectProvider, AviProviderError
from avi_testlib import requests_made

HM = {"name": "hm", "type": "HEALTH_MONITOR_TCP", "send_interval": 10}


def _count_named(provider: AviObjectProvider, props: dict, name: str) -> int:
    from avi_dsr.avi.session import AviClient

    client = AviClient(props["connection"], props["password"], "test")
    return client.get(provider.object_type, params={"name": name}).json()["count"]


def test_dropped_connection_after_commit_makes_no_duplicate(avisim, make_props):
    provider = AviObjectProvider("healthmonitor")
    avisim.faults.update({"drop_after_commit": {"count": 1, "methods": ["POST"]}})
    avisim.reset_counters()
    outs = provider.create(make_props(dict(HM))).outs
    assert outs["name"] == "hm"
    assert _count_named(provider, make_props(HM), "hm") == 1
    made = [r for r in requests_made(avisim) if "login" not in r]
    assert made[:2] == ["POST /api/healthmonitor", "GET /api/healthmonitor"]
    assert made.count("POST /api/healthmonitor") == 1


def test_dropped_post_with_by_name_refs_is_reconciled(avisim, make_props):
    AviObjectProvider("healthmonitor").create(make_props(dict(HM)))
    body = {"name": "np", "health_monitor_refs": ["/api/healthmonitor?name=hm"]}
    avisim.faults.update({"drop_after_commit": {"count": 1, "methods": ["POST"]}})
    outs = AviObjectProvider("pool").create(make_props(body)).outs
    assert outs["name"] == "np" and "hm" in outs["ref_names"].values()
    assert _count_named(AviObjectProvider("pool"), make_props(body), "np") == 1


def test_name_taken_by_unmanaged_object_points_to_adopt(make_props):
    provider = AviObjectProvider("healthmonitor")
    provider.create(make_props(dict(HM)))
    with pytest.raises(AviProviderError, match=r"not managed by this stack.*adopt='hm'") as err:
        provider.create(make_props(dict(HM)))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("by", ["name", "uuid", "ref"])
def test_adopt_takes_over_and_updates(avisim, make_props, by):
    provider = AviObjectProvider("healthmonitor")
    existing = provider.create(make_props(dict(HM))).outs
    key = {"name": "hm", "uuid": existing["uuid"], "ref": existing["ref"]}[by]
    avisim.reset_counters()
    outs = provider.create(make_props(HM | {"send_interval": 7}, adopt=key)).outs
    assert outs["uuid"] == existing["uuid"]
    assert outs["observed"]["send_interval"] == 7
    assert requests_made(avisim)[-1] == "PUT /api/healthmonitor/{uuid}"
    assert _count_named(provider, make_props(HM), "hm") == 1


def test_adopt_of_missing_object_is_clear(make_props):
    with pytest.raises(
        AviProviderError, match=r"adopt='nope' found no healthmonitor.*tenant 'admin'"
    ):
        AviObjectProvider("healthmonitor").create(make_props(dict(HM), adopt="nope"))


def _pool_with_vs(make_props) -> tuple[dict, dict]:
    pool = AviObjectProvider("pool").create(make_props({"name": "rp"})).outs
    vsvip = (
        AviObjectProvider("vsvip")
        .create(
            make_props(
                {"name": "rv", "vip": [{"ip_address": {"addr": "203.0.113.9", "type": "V4"}}]}
            )
        )
        .outs
    )
    vs = (
        AviObjectProvider("virtualservice")
        .create(
            make_props(
                {
                    "name": "rvs",
                    "pool_ref": pool["ref"],
                    "vsvip_ref": vsvip["ref"],
                    "services": [{"port": 80}],
                }
            )
        )
        .outs
    )
    return pool, vs


def test_referred_by_retries_then_names_the_referrers(avisim, make_props):
    pool, _ = _pool_with_vs(make_props)
    avisim.reset_counters()
    started = time.monotonic()
    with pytest.raises(
        AviProviderError, match=r"pool 'rp': cannot delete, still used by .*rvs"
    ) as err:
        AviObjectProvider("pool").delete(pool["uuid"], pool)
    assert time.monotonic() - started < 2
    assert requests_made(avisim).count("DELETE /api/pool/{uuid}") >= 2
    assert "\n" not in str(err.value)


def test_referred_by_clears_when_the_referrer_goes(make_props):
    pool, vs = _pool_with_vs(make_props)
    remover = threading.Timer(0.05, AviObjectProvider("virtualservice").delete, (vs["uuid"], vs))
    remover.start()
    AviObjectProvider("pool").delete(pool["uuid"], pool)
    remover.join()
    assert AviObjectProvider("pool").read(pool["uuid"], pool).id is None


def test_session_expiry_mid_run_relogs_once(avisim, make_props):
    provider = AviObjectProvider("healthmonitor")
    outs = provider.create(make_props(dict(HM))).outs
    assert avisim.counters()["logins"] == 1
    avisim.faults.update({"unauthorized_after": 0})
    assert provider.read(outs["uuid"], outs).id == outs["uuid"]
    assert provider.read(outs["uuid"], outs).id == outs["uuid"]
    assert avisim.counters()["logins"] == 2


def test_5xx_burst_is_retried_for_reads(avisim, make_props):
    provider = AviObjectProvider("healthmonitor")
    outs = provider.create(make_props(dict(HM))).outs
    avisim.faults.update({"fail_5xx": {"count": 2, "status": 503, "methods": ["GET"]}})
    avisim.reset_counters()
    assert provider.read(outs["uuid"], outs).outs == outs
    assert requests_made(avisim) == ["GET /api/healthmonitor/{uuid}"] * 3


def test_5xx_on_post_reconciles_then_posts_again(avisim, make_props):
    avisim.faults.update({"fail_5xx": {"count": 1, "status": 500, "methods": ["POST"]}})
    outs = AviObjectProvider("healthmonitor").create(make_props(dict(HM))).outs
    made = [r for r in requests_made(avisim) if "login" not in r]
    assert made == ["POST /api/healthmonitor", "GET /api/healthmonitor", "POST /api/healthmonitor"]
    assert outs["observed"]["send_interval"] == 10


def test_persistent_5xx_gives_up_with_a_clear_error(avisim, make_props):
    provider = AviObjectProvider("healthmonitor")
    outs = provider.create(make_props(dict(HM))).outs
    avisim.faults.update({"fail_5xx": {"count": 50, "status": 502, "methods": ["GET"]}})
    with pytest.raises(AviProviderError, match=r"healthmonitor 'hm': read failed \(HTTP 502"):
        provider.read(outs["uuid"], outs)


def test_wrong_password_is_a_clear_login_error(make_props):
    props = make_props(dict(HM)) | {"password": "wrong"}
    with pytest.raises(AviProviderError, match=r"login to http://127.0.0.1:\d+ as 'admin' failed"):
        AviObjectProvider("healthmonitor").create(props)


def test_sessions_do_not_leak_across_credentials(avisim, make_props):
    """A cached good session must never serve a call made with another password."""
    provider = AviObjectProvider("healthmonitor")
    provider.create(make_props(dict(HM)))
    wrong = make_props(HM | {"name": "other"}) | {"password": "not-the-password"}
    with pytest.raises(AviProviderError, match=r"login to .* failed"):
        provider.create(wrong)
    assert avisim.counters()["logins"] == 1  # the failed login is not counted as a session
