"""Bounded retries under controller trouble: 5xx, dropped connections, refusals, 'referred by'."""

from __future__ import annotations

import socket

import pytest
from avi_dsr.avi import AviObjects, AviProviderError
from avi_dsr.avi.client import Connection, session_for
from avi_testlib import owner, requests_made, writes

HM = {"name": "f-hm", "type": "HEALTH_MONITOR_TCP"}


def test_get_retries_5xx_until_it_answers(avisim, session):
    outs = AviObjects("healthmonitor").create(session, dict(HM), owner())
    avisim.faults.update({"fail_5xx": {"count": 2, "status": 503, "methods": ["GET"]}})
    avisim.reset_counters()
    assert AviObjects("healthmonitor").read(session, outs["uuid"], outs, None)["name"] == "f-hm"
    assert requests_made(avisim) == ["GET /api/healthmonitor/{uuid}"] * 3


def test_endless_5xx_fails_with_the_controllers_answer(avisim, session):
    outs = AviObjects("healthmonitor").create(session, dict(HM), owner())
    avisim.faults.update({"fail_5xx": {"count": 1000, "status": 502, "methods": ["PUT"]}})
    with pytest.raises(AviProviderError, match=r"update failed \(HTTP 502"):
        AviObjects("healthmonitor").update(
            session, outs["uuid"], outs, {**HM, "send_interval": 3}, owner()
        )


def test_dropped_post_after_commit_is_reconciled_to_one_object(avisim, session):
    avisim.faults.update({"drop_after_commit": {"count": 1, "methods": ["POST"]}})
    outs = AviObjects("healthmonitor").create(session, dict(HM), owner())
    named = [o for o in avisim.controller.objects("healthmonitor") if o["name"] == "f-hm"]
    assert [o["uuid"] for o in named] == [outs["uuid"]]
    assert writes(avisim) == ["POST /api/healthmonitor"]  # never re-POSTed blindly


def test_dropped_put_is_retried(avisim, session):
    outs = AviObjects("healthmonitor").create(session, dict(HM), owner())
    avisim.faults.update({"drop_after_commit": {"count": 1, "methods": ["PUT"]}})
    outs = AviObjects("healthmonitor").update(
        session, outs["uuid"], outs, {**HM, "send_interval": 3}, owner()
    )
    assert outs["send_interval"] == 3


def test_refused_connection_says_refused_and_gives_up_in_the_window():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    session = session_for(
        Connection(controller=f"http://127.0.0.1:{port}", username="a", password="b")
    )
    with pytest.raises(AviProviderError, match="connection refused"):
        AviObjects("healthmonitor").read(session, "healthmonitor-x", {"name": "x"}, None)


def test_a_controller_that_never_answers_times_out_with_the_seconds():
    """TCP accepted, no HTTP answer: the login times out after readTimeout, said as such."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        session = session_for(
            Connection(controller=url, username="a", password="b", read_timeout=0.3)
        )
        with pytest.raises(AviProviderError, match=r"timed out after 0.3 s"):
            AviObjects("healthmonitor").read(session, "healthmonitor-x", {"name": "x"}, None)


def test_delete_of_a_referenced_object_names_who_uses_it(avisim, session):
    hm = AviObjects("healthmonitor").create(session, dict(HM), owner("hm"))
    AviObjects("pool").create(
        session, {"name": "uses-hm", "health_monitor_refs": [hm["ref"]]}, owner("pool")
    )
    with pytest.raises(AviProviderError, match=r"still used by .*uses-hm"):
        AviObjects("healthmonitor").delete(session, hm["uuid"], hm, owner("hm"))
