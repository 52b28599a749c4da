"""Every CRUD path over real avisdk and HTTP against the simulator, with the requests it makes."""

from __future__ import annotations

import copy

import pytest
from avi_dsr.avi import AviObjectProvider, AviProviderError
from avi_testlib import body_of, requests_made, stack

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


def test_full_stack_lifecycle(avisim, make_props):
    """Create all five, prove they are in sync, update each, refresh, then destroy."""
    created = {}
    for obj_type, body in stack():
        avisim.reset_counters()
        result = AviObjectProvider(obj_type).create(make_props(copy.deepcopy(body)))
        outs = result.outs
        assert result.id == outs["uuid"] and outs["uuid"].startswith(f"{obj_type}-")
        assert outs["ref"] == f"/api/{obj_type}/{outs['uuid']}"
        assert outs["name"] == body["name"] == outs["observed"]["name"]
        assert [r for r in requests_made(avisim) if "login" not in r] == [f"POST /api/{obj_type}"]
        created[obj_type] = outs

    for obj_type, body in stack():
        provider, outs = AviObjectProvider(obj_type), created[obj_type]
        same = provider.diff(outs["uuid"], outs, make_props(copy.deepcopy(body)))
        assert (same.changes, same.replaces) == (False, []), obj_type
        avisim.reset_counters()
        read = provider.read(outs["uuid"], outs)
        assert read.id == outs["uuid"] and read.outs == outs, obj_type
        assert requests_made(avisim) == [f"GET /api/{obj_type}/{{uuid}}"]

        new_body = {**copy.deepcopy(body), **UPDATES[obj_type]}
        changed = provider.diff(outs["uuid"], outs, make_props(new_body))
        assert changed.changes is True and changed.replaces == [], obj_type
        avisim.reset_counters()
        updated = provider.update(outs["uuid"], outs, make_props(new_body)).outs
        # one PUT over the stored observed object: no GET first (bench limit: 1 PUT per change)
        assert requests_made(avisim) == [f"PUT /api/{obj_type}/{{uuid}}"]
        assert updated["uuid"] == outs["uuid"] and updated["body"] == new_body
        after = provider.diff(outs["uuid"], updated, make_props(new_body))
        assert after.changes is False, obj_type
        created[obj_type] = updated

    assert [s["ip"]["addr"] for s in created["pool"]["observed"]["servers"]] == ["198.51.100.13"]
    assert created["virtualservice"]["observed"]["enabled"] is False

    for obj_type, _ in reversed(stack()):
        outs = created[obj_type]
        avisim.reset_counters()
        AviObjectProvider(obj_type).delete(outs["uuid"], outs)
        assert requests_made(avisim) == [f"DELETE /api/{obj_type}/{{uuid}}"]
        assert AviObjectProvider(obj_type).read(outs["uuid"], outs).id is None


def test_update_of_removed_field_reverts_to_default(avisim, make_props):
    provider = AviObjectProvider("pool")
    body = {"name": "p1", "description": "old", "default_server_port": 8080}
    outs = provider.create(make_props(body)).outs
    news = make_props({"name": "p1"})
    assert provider.diff(outs["uuid"], outs, news).changes is True
    updated = provider.update(outs["uuid"], outs, news).outs
    assert "description" not in updated["observed"]
    assert updated["observed"].get("default_server_port", 80) == 80  # schema default


def test_rename_is_in_place(make_props):
    provider = AviObjectProvider("pool")
    outs = provider.create(make_props({"name": "before"})).outs
    diff = provider.diff(outs["uuid"], outs, make_props({"name": "after"}))
    assert (diff.changes, diff.replaces) == (True, [])
    updated = provider.update(outs["uuid"], outs, make_props({"name": "after"})).outs
    assert (updated["uuid"], updated["name"]) == (outs["uuid"], "after")


def test_read_404_means_gone_and_delete_404_is_done(avisim, make_props):
    provider = AviObjectProvider("pool")
    outs = provider.create(make_props(body_of("pool") | {"health_monitor_refs": []})).outs
    provider.delete(outs["uuid"], outs)
    avisim.reset_counters()
    assert provider.read(outs["uuid"], outs).id is None
    provider.delete(outs["uuid"], outs)  # already gone: no error
    assert requests_made(avisim) == ["GET /api/pool/{uuid}", "DELETE /api/pool/{uuid}"]


def test_update_of_object_deleted_outside_is_a_clear_error(make_props):
    provider = AviObjectProvider("healthmonitor")
    body = {"name": "hm1", "type": "HEALTH_MONITOR_TCP"}
    outs = provider.create(make_props(body)).outs
    provider.delete(outs["uuid"], outs)
    with pytest.raises(AviProviderError, match=r"deleted outside Pulumi.*pulumi refresh") as err:
        provider.update(outs["uuid"], outs, make_props(body | {"send_interval": 3}))
    assert "\n" not in str(err.value)


def test_rejected_body_is_one_line_naming_the_object(make_props):
    provider = AviObjectProvider("virtualservice")
    body = {"name": "vs1", "pool_ref": "/api/pool?name=missing", "services": [{"port": 80}]}
    with pytest.raises(
        Exception, match=r"^virtualservice 'vs1': create rejected .*HTTP 4\d\d"
    ) as err:
        provider.create(make_props(body))
    assert "\n" not in str(err.value)
