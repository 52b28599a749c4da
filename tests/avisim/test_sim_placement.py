"""Placement as a controller does it: a VIP needs a network (or placement/IPAM settings), pool
servers need to be reachable (or placement networks, a VRF route, ign_pool_net_reach), and SE
assignment takes a moment."""

from __future__ import annotations

import time

import pytest
from avisim.placement import VIP_UNMATCHED
from avisim.testing import running_simulator
from simhelpers import (
    avisdk_session,
    create,
    dsr_network_profile,
    dsr_pool,
    dsr_vs,
    runtime_state,
    vsvip,
    wait_until,
)

SUBNET_VIP = {"ip_addr": {"addr": "203.0.113.0", "type": "V4"}, "mask": 24}
SUBNET_ROUTED = {"ip_addr": {"addr": "10.99.0.0", "type": "V4"}, "mask": 24}
ROUTED_SERVERS = [{"ip": {"addr": "10.99.0.11", "type": "V4"}}]


@pytest.fixture
def no_vip_network():
    """A vCenter cloud whose only network is the servers' (the VIP subnet is nowhere)."""
    with running_simulator(networks=["server-network=198.51.100.0/24"], se_assign_ms=0) as sim:
        yield sim


def _service(api, *, pool=None, vip=None, **vs_extra):
    create(api, "networkprofile", dsr_network_profile())
    create(api, "pool", pool or dsr_pool())
    create(api, "vsvip", vip or vsvip())
    return create(api, "virtualservice", dsr_vs(**vs_extra))


def _status(api, vs):
    return runtime_state(api, vs["uuid"])["oper_status"]


def test_a_vip_no_network_holds_stays_down_with_the_controllers_reason(no_vip_network):
    api = avisdk_session(no_vip_network)
    vs = _service(api)
    runtime = runtime_state(api, vs["uuid"])
    assert runtime["oper_status"]["state"] == "OPER_DOWN"
    assert runtime["oper_status"]["reason"] == ["No network/subnet matched Virtual Service IP"]
    assert runtime["vip_summary"][0]["num_se_assigned"] == 0
    inventory = api.get("virtualservice-inventory", params={"name": "vs-dsr"}).json()
    assert inventory["results"][0]["runtime"]["oper_status"]["reason"] == [VIP_UNMATCHED]


@pytest.mark.parametrize(
    "vip_extra",
    [
        {
            "placement_networks": [
                {"network_ref": "/api/network?name=server-network", "subnet": SUBNET_VIP}
            ]
        },
        {"ipam_network_subnet": {"network_ref": "/api/network?name=server-network"}},
        {"network_ref": "/api/network?name=server-network"},
    ],
    ids=["placement_networks", "ipam_network_subnet", "network_ref"],
)
def test_vip_placement_settings_bring_it_up(no_vip_network, vip_extra):
    api = avisdk_session(no_vip_network)
    vs = _service(api, vip=vsvip(**vip_extra))
    status = _status(api, vs)
    assert (status["state"], status["reason"]) == ("OPER_UP", [])


def test_adding_placement_later_brings_the_service_up(no_vip_network):
    api = avisdk_session(no_vip_network)
    vs = _service(api)
    assert _status(api, vs)["state"] == "OPER_DOWN"
    vip_obj = api.get_object_by_name("vsvip", "vsvip-dsr")
    placement = [{"network_ref": "/api/network?name=server-network", "subnet": SUBNET_VIP}]
    vip_obj["vip"][0]["placement_networks"] = placement
    assert api.put(f"vsvip/{vip_obj['uuid']}", data=vip_obj).status_code == 200
    assert _status(api, vs)["state"] == "OPER_UP"


def test_placement_network_must_exist(no_vip_network):
    api = avisdk_session(no_vip_network)
    placement = [{"network_ref": "/api/network?name=nowhere", "subnet": SUBNET_VIP}]
    rsp = api.post("vsvip", data=vsvip(placement_networks=placement))
    assert rsp.status_code == 400
    assert "cannot resolve" in rsp.text


def test_servers_no_network_reaches_keep_the_service_down(api):
    vs = _service(api, pool=dsr_pool(servers=ROUTED_SERVERS))
    status = _status(api, vs)
    assert status["state"] == "OPER_DOWN"
    assert "no network/subnet matched server IP 10.99.0.11" in status["reason"][0]
    pool = api.get_object_by_name("pool", "pool-dsr")
    detail = api.get(f"pool/{pool['uuid']}/runtime/detail").json()
    assert detail[0]["num_servers_up"] == 0


def test_pool_placement_networks_reach_routed_servers(api):
    create(api, "network", {"name": "routed", "configured_subnets": [{"prefix": SUBNET_ROUTED}]})
    # Pool.placement_networks items require network_ref and subnet (PlacementNetwork.required).
    placement = [{"network_ref": "/api/network?name=server-network", "subnet": SUBNET_ROUTED}]
    vs = _service(api, pool=dsr_pool(servers=ROUTED_SERVERS, placement_networks=placement))
    assert _status(api, vs)["state"] == "OPER_UP"


def test_a_vrf_static_route_reaches_routed_servers(api):
    vrf = api.get_object_by_name("vrfcontext", "global")
    vrf["static_routes"] = [
        {"route_id": "1", "prefix": SUBNET_ROUTED,
         "next_hop": {"addr": "198.51.100.1", "type": "V4"}},
    ]  # fmt: skip
    assert api.put(f"vrfcontext/{vrf['uuid']}", data=vrf).status_code == 200
    vs = _service(api, pool=dsr_pool(servers=ROUTED_SERVERS))
    assert _status(api, vs)["state"] == "OPER_UP"


def test_ign_pool_net_reach_skips_the_reachability_check(api):
    vs = _service(api, pool=dsr_pool(servers=ROUTED_SERVERS), ign_pool_net_reach=True)
    assert _status(api, vs)["state"] == "OPER_UP"


def test_a_disabled_unreachable_server_does_not_matter(api):
    servers = [*dsr_pool()["servers"], {**ROUTED_SERVERS[0], "enabled": False}]
    vs = _service(api, pool=dsr_pool(servers=servers))
    assert _status(api, vs)["state"] == "OPER_UP"


def test_se_assignment_takes_a_moment_by_default():
    with running_simulator() as sim:
        api = avisdk_session(sim)
        vs = _service(api)
        first = runtime_state(api, vs["uuid"])
        assert first["oper_status"]["state"] == "OPER_CREATING"
        assert first["vip_summary"][0]["num_se_assigned"] == 0
        up = wait_until(
            lambda: (r := runtime_state(api, vs["uuid"]))["oper_status"]["state"] == "OPER_UP" and r
        )
        assert up["vip_summary"][0]["num_se_assigned"] == 1
        assert up["vip_summary"][0]["percent_ses_up"] == 100


def test_se_assignment_time_is_configurable_and_restarts_on_a_change():
    with running_simulator(se_assign_ms=400) as sim:
        api = avisdk_session(sim)
        vs = _service(api)
        started = time.monotonic()
        wait_until(lambda: _status(api, vs)["state"] == "OPER_UP")
        assert time.monotonic() - started >= 0.35
        vip_obj = api.get_object_by_name("vsvip", "vsvip-dsr")
        api.put(f"vsvip/{vip_obj['uuid']}", data=vip_obj)
        assert _status(api, vs)["state"] == "OPER_CREATING"
        sim.faults.update({"se_assign_ms": 0})
        assert _status(api, vs)["state"] == "OPER_UP"
