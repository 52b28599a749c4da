"""Ownership markers decide who may take, change or delete an object - never timing or clocks."""

from __future__ import annotations

import pytest
from avi_dsr.avi import AviObjects, AviProviderError
from avi_dsr.avi.ownership import Owner, claim_of, with_owner, without_owner
from avi_testlib import owner, writes

HM = {"name": "web-hm", "type": "HEALTH_MONITOR_TCP"}


def stack_a() -> Owner:
    return owner("web-hm", stack_name="a")


def stack_b() -> Owner:
    return owner("web-hm", stack_name="b")


def test_owner_from_urn_names_project_and_stack():
    me = Owner.from_urn("urn:pulumi:prod::avi-dsr::avi-dsr:index:L3DsrService$avi-dsr:avi:Pool::p")
    assert me.stack == "avi-dsr/prod"
    assert me.resource.endswith("::p")
    with pytest.raises(ValueError, match="not a Pulumi URN"):
        Owner.from_urn("pool-1")


def test_markers_keep_the_users_own_labels():
    body = {"name": "x", "markers": [{"key": "team", "values": ["net"]}]}
    marked = with_owner(body, stack_a())
    assert marked["markers"][0] == {"key": "team", "values": ["net"]}
    assert claim_of(marked).is_resource(stack_a())
    assert without_owner(marked) == body
    assert "markers" not in without_owner(with_owner({"name": "x"}, stack_a()))


def test_a_lost_create_reply_is_found_again_by_its_markers(avisim, session):
    """The POST commits, the reply never arrives (a killed or timed-out run): the next create
    of the same resource takes the object over instead of failing or duplicating it."""
    AviObjects("healthmonitor").create(session, dict(HM), stack_a())  # the "lost" create
    avisim.reset_counters()
    outs = AviObjects("healthmonitor").create(session, dict(HM), stack_a())
    assert outs["name"] == "web-hm"
    assert writes(avisim) == ["POST /api/healthmonitor"]  # the 409; nothing else written
    named = [o for o in avisim.controller.objects("healthmonitor") if o["name"] == "web-hm"]
    assert [o["uuid"] for o in named] == [outs["uuid"]]


def test_takeover_of_our_own_object_converges_it_with_one_put(avisim, session):
    AviObjects("healthmonitor").create(session, dict(HM), stack_a())
    avisim.reset_counters()
    outs = AviObjects("healthmonitor").create(session, {**HM, "send_interval": 7}, stack_a())
    assert outs["send_interval"] == 7
    assert writes(avisim) == ["POST /api/healthmonitor", "PUT /api/healthmonitor/{uuid}"]


def test_same_name_in_another_stack_is_refused_not_taken(avisim, session):
    AviObjects("healthmonitor").create(session, dict(HM), stack_a())
    avisim.reset_counters()
    with pytest.raises(AviProviderError, match=r"stack 'avi-dsr/a' manages it"):
        AviObjects("healthmonitor").create(session, dict(HM), stack_b())
    assert writes(avisim) == ["POST /api/healthmonitor"]  # refused by the controller: 409


def test_same_name_of_another_resource_in_this_stack_is_not_taken(avisim, session):
    AviObjects("healthmonitor").create(session, dict(HM), owner("first"))
    with pytest.raises(AviProviderError, match="not managed by this stack; set adopt"):
        AviObjects("healthmonitor").create(session, dict(HM), owner("second"))


def test_an_unmarked_object_needs_adopt(avisim, session):
    assert session.request("POST", "healthmonitor", body=HM).status_code == 201  # by hand
    with pytest.raises(AviProviderError, match="set adopt to its name"):
        AviObjects("healthmonitor").create(session, dict(HM), stack_a())
    outs = AviObjects("healthmonitor").create(session, {**HM, "adopt": "web-hm"}, stack_a())
    assert claim_of(outs).is_resource(stack_a())  # adopted objects carry our markers from now


def test_adopt_never_takes_another_stacks_object(avisim, session):
    AviObjects("healthmonitor").create(session, dict(HM), stack_a())
    avisim.reset_counters()
    with pytest.raises(AviProviderError, match="will not adopt"):
        AviObjects("healthmonitor").create(session, {**HM, "adopt": "web-hm"}, stack_b())
    assert writes(avisim) == []


def test_a_503_after_commit_never_hands_another_stacks_object_over(avisim, session):
    """Issue 8, item 3: B's POST gets a 503, B finds A's identical recent object - and must not
    record it as its own (the old time-window rule did)."""
    AviObjects("healthmonitor").create(session, dict(HM), stack_a())
    avisim.faults.update({"fail_5xx": {"count": 1, "status": 503, "methods": ["POST"]}})
    with pytest.raises(AviProviderError, match="manages it"):
        AviObjects("healthmonitor").create(session, dict(HM), stack_b())


@pytest.mark.parametrize("action", ["diff", "update", "delete"])
def test_an_object_now_marked_by_another_stack_is_left_alone(avisim, session, action):
    hm = AviObjects("healthmonitor")
    outs = hm.create(session, dict(HM), stack_a())
    foreign = {**outs, "markers": stack_b().markers()}  # what a refresh would show
    avisim.reset_counters()
    with pytest.raises(AviProviderError, match=r"stack 'avi-dsr/b' manages it"):
        if action == "diff":
            hm.diff(foreign, dict(HM), stack_a(), "admin")
        elif action == "update":
            hm.update(session, outs["uuid"], foreign, {**HM, "send_interval": 3}, stack_a())
        else:
            hm.delete(session, outs["uuid"], foreign, stack_a())
    assert writes(avisim) == []


def test_an_unmarked_object_in_state_is_no_diff_and_gets_markers_on_its_next_update(
    avisim, session
):
    """Imported or migrated objects have no markers: that alone is not a change (a no-change
    `up` sends nothing), and the next real update marks them."""
    hm = AviObjects("healthmonitor")
    outs = hm.create(session, dict(HM), stack_a())
    bare = {**without_owner(outs), "managed_fields": outs["managed_fields"], "ref": outs["ref"]}
    assert hm.diff(bare, dict(HM), stack_a(), "admin").changes is False
    updated = hm.update(session, outs["uuid"], bare, {**HM, "send_interval": 4}, stack_a())
    assert claim_of(updated).is_resource(stack_a())
