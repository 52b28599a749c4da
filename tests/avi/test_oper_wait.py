"""Waiting for OPER_UP: the placement time sits on the critical path of every create, so the
wait must notice an up virtual service soon after the controller places it."""

from __future__ import annotations

import copy

from avi_dsr.avi import AviObjects
from avi_testlib import owner, stack

SE_ASSIGN_S = 0.3  # avisim's default placement time


def test_an_up_virtual_service_is_seen_within_a_tenth_of_a_second(avisim, session):
    for obj_type, body in stack():
        extra = {"wait_for_up_seconds": 10} if obj_type == "virtualservice" else {}
        outs = AviObjects(obj_type).create(session, {**copy.deepcopy(body), **extra}, owner())
    assert outs["oper_status"] == "OPER_UP"
    log = [r for r in avisim.request_log() if "virtualservice" in r["path"]]
    posted = next(r["end"] for r in log if r["method"] == "POST")
    seen_up = log[-1]["end"]  # the last runtime read, the one that saw OPER_UP
    assert log[-1]["path"].endswith("/runtime")
    late = seen_up - posted - SE_ASSIGN_S
    assert late < 0.15, f"saw the VS up {late:.2f} s after it was placed"
