"""The state of an Avi object holds what diff and a one-PUT update need, and no more.

Why it matters: the engine rewrites the whole state file after every step of a run, so every
byte a resource keeps is paid once per step (issue 12). What stays must still make a PUT that
keeps every field someone else set, and a diff that sees drift.
"""

from __future__ import annotations

from avi_dsr.avi import AviObjects
from avi_testlib import owner, requests_made

POOL = {
    "name": "lean-pool",
    "lb_algorithm": "LB_ALGORITHM_CONSISTENT_HASH",
    "default_server_port": 80,
    "servers": [{"ip": {"addr": "198.51.100.11", "type": "V4"}}],
}


def _stored(avisim, name: str) -> dict:
    return next(o for o in avisim.controller.objects("pool") if o["name"] == name)


def test_state_leaves_out_controller_fields_and_unmanaged_defaults(avisim, session):
    outs = AviObjects("pool").create(session, dict(POOL), owner())
    for field in ("url", "_last_modified", "configpb_attributes", "vrf_ref"):
        assert field not in outs, field  # rewritten by the controller, never PUT back
    stored = _stored(avisim, "lean-pool")
    assert stored["connection_ramp_duration"] == 10  # a default the controller filled in...
    assert "connection_ramp_duration" not in outs  # ...that a PUT without it gets again
    for field in ("uuid", "ref", "name", "servers", "lb_algorithm", "markers", "tenant_ref"):
        assert field in outs, field
    assert outs["default_server_port"] == 80  # managed fields stay even at their default


def test_a_put_from_lean_state_keeps_what_others_set(avisim, session):
    pool = AviObjects("pool")
    outs = pool.create(session, dict(POOL), owner())
    # an operator sets a field avi-dsr does not manage
    put = {**_stored(avisim, "lean-pool"), "connection_ramp_duration": 30}
    assert session.request("PUT", f"pool/{outs['uuid']}", body=put).status_code == 200
    outs = pool.read(session, outs["uuid"], outs, None)
    assert outs["connection_ramp_duration"] == 30  # not a default: kept for the next PUT
    more = {"ip": {"addr": "198.51.100.12", "type": "V4"}}
    changed = {**POOL, "servers": [*POOL["servers"], more]}
    avisim.reset_counters()
    outs = pool.update(session, outs["uuid"], outs, changed, owner())
    assert requests_made(avisim) == ["PUT /api/pool/{uuid}"]
    stored = _stored(avisim, "lean-pool")
    assert stored["connection_ramp_duration"] == 30
    assert len(stored["servers"]) == 2
    assert pool.diff(outs, changed, owner(), "admin").changes is False
