"""Every CRUD path of the core over real HTTP against the simulator, with the requests it makes."""

from __future__ import annotations

import copy

import pytest
from avi_dsr.avi import AviObjects, AviProviderError
from avi_dsr.avi.ownership import claim_of
from avi_testlib import owner, requests_made, stack, writes

UPDATES = {
    "networkprofile": {
        "profile": {
            "type": "PROTOCOL_TYPE_TCP_FAST_PATH",
            "tcp_fast_path_profile": {"session_idle_timeout": 600},
        }
    },
    "healthmonitor": {"send_interval": 5},
    "pool": {"servers": [{"ip": {"addr": "198.51.100.13", "type": "V4"}}]},
    "vsvip": {"vip": [{"ip_address": {"addr": "203.0.113.11", "type": "V4"}}]},
    "virtualservice": {"enabled": False},
}


def test_full_stack_lifecycle(avisim, session):
    """Create all five, prove they are in sync, update each with one PUT, read, then destroy."""
    created = {}
    for obj_type, body in stack():
        me = owner(body["name"])
        avisim.reset_counters()
        outs = AviObjects(obj_type).create(session, copy.deepcopy(body), me)
        assert outs["uuid"].startswith(f"{obj_type}-")
        assert outs["ref"] == f"/api/{obj_type}/{outs['uuid']}"
        assert outs["name"] == body["name"]
        assert outs["managed_fields"] == sorted(body)
        assert claim_of(outs).is_resource(me)  # ownership markers went in with the POST
        assert writes(avisim) == [f"POST /api/{obj_type}"]
        created[obj_type] = outs

    for obj_type, body in stack():
        objects, outs, me = AviObjects(obj_type), created[obj_type], owner(body["name"])
        same = objects.diff(outs, copy.deepcopy(body), me, "admin")
        assert (same.changes, same.replaces) == (False, []), obj_type
        avisim.reset_counters()
        assert objects.read(session, outs["uuid"], outs, None) == outs, obj_type
        assert requests_made(avisim) == [f"GET /api/{obj_type}/{{uuid}}"]

        new_body = {**copy.deepcopy(body), **UPDATES[obj_type]}
        changed = objects.diff(outs, new_body, me, "admin")
        assert changed.changes is True and changed.replaces == [], obj_type
        assert changed.diffs == sorted(UPDATES[obj_type]), obj_type
        avisim.reset_counters()
        updated = objects.update(session, outs["uuid"], outs, new_body, me)
        # one PUT over the stored state: no GET first
        assert requests_made(avisim) == [f"PUT /api/{obj_type}/{{uuid}}"]
        assert updated["uuid"] == outs["uuid"]
        assert objects.diff(updated, new_body, me, "admin").changes is False, obj_type
        created[obj_type] = updated

    assert [s["ip"]["addr"] for s in created["pool"]["servers"]] == ["198.51.100.13"]
    assert created["virtualservice"]["enabled"] is False

    for obj_type, _ in reversed(stack()):
        avisim.reset_counters()
        AviObjects(obj_type).delete(session, created[obj_type]["uuid"], created[obj_type], owner())
        assert requests_made(avisim) == [f"DELETE /api/{obj_type}/{{uuid}}"]
    assert all(
        not o["name"].endswith(("-np", "-hm", "-pool", "-vsvip", "-vs"))
        for t, _ in stack()
        for o in avisim.controller.objects(t)
    )


def test_read_of_a_deleted_object_reports_gone(avisim, session):
    hm = AviObjects("healthmonitor")
    outs = hm.create(session, {"name": "gone", "type": "HEALTH_MONITOR_TCP"}, owner())
    hm.delete(session, outs["uuid"], outs, owner())
    assert hm.read(session, outs["uuid"], outs, None) is None


def test_delete_of_a_missing_object_is_done(avisim, session):
    hm = AviObjects("healthmonitor")
    outs = hm.create(session, {"name": "twice", "type": "HEALTH_MONITOR_TCP"}, owner())
    hm.delete(session, outs["uuid"], outs, owner())
    avisim.reset_counters()
    hm.delete(session, outs["uuid"], outs, owner())
    assert requests_made(avisim) == ["DELETE /api/healthmonitor/{uuid}"]


def test_update_of_an_object_deleted_outside_says_refresh(avisim, session):
    hm = AviObjects("healthmonitor")
    outs = hm.create(session, {"name": "oob", "type": "HEALTH_MONITOR_TCP"}, owner())
    hm.delete(session, outs["uuid"], outs, owner())
    with pytest.raises(AviProviderError, match=r"no longer exists.*pulumi refresh"):
        hm.update(
            session,
            outs["uuid"],
            outs,
            {"name": "oob", "type": "HEALTH_MONITOR_TCP", "send_interval": 5},
            owner(),
        )


def test_a_field_the_user_drops_reverts_to_the_default(avisim, session):
    hm = AviObjects("healthmonitor")
    body = {"name": "hm-drop", "type": "HEALTH_MONITOR_TCP", "send_interval": 5}
    outs = hm.create(session, body, owner())
    assert outs["send_interval"] == 5
    lean = {"name": "hm-drop", "type": "HEALTH_MONITOR_TCP"}
    assert hm.diff(outs, lean, owner(), "admin").diffs == ["send_interval"]
    outs = hm.update(session, outs["uuid"], outs, lean, owner())
    stored = next(o for o in avisim.controller.objects("healthmonitor") if o["name"] == "hm-drop")
    assert stored["send_interval"] == 10  # Avi's default
    assert "send_interval" not in outs  # an unmanaged field at its default is not kept
    assert outs["managed_fields"] == ["name", "type"]


def test_import_inputs_leave_out_controller_fields_and_markers(avisim, session):
    pool = AviObjects("pool")
    outs = pool.create(
        session, {"name": "imp", "lb_algorithm": "LB_ALGORITHM_CONSISTENT_HASH"}, owner()
    )
    inputs = pool.importable_inputs(outs)
    assert inputs["name"] == "imp"
    assert inputs["lb_algorithm"] == "LB_ALGORITHM_CONSISTENT_HASH"
    for field in ("uuid", "url", "_last_modified", "markers", "ref", "managed_fields"):
        assert field not in inputs
