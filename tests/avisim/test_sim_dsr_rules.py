"""Strict DSR rules: each refuses what it should, and each can be switched off on its own."""

from __future__ import annotations

import pytest
import requests
from avisim.testing import running_simulator
from simhelpers import (
    avisdk_session,
    create,
    dsr_network_profile,
    dsr_pool,
    dsr_vs,
    error,
    vsvip,
)

V6 = {"ip6_address": {"addr": "2001:db8:100::10", "type": "V6"}}

# rule name -> (pool body, vsvip body, vs extra fields, error fragment)
BREAKS = {
    "l4_application_profile": (
        dsr_pool(),
        vsvip(),
        {"application_profile_ref": "/api/applicationprofile?name=System-HTTP"},
        "needs an L4 application profile",
    ),
    "consistent_hash": (
        dsr_pool(lb_algorithm="LB_ALGORITHM_ROUND_ROBIN"),
        vsvip(),
        {},
        "must use lb_algorithm LB_ALGORITHM_CONSISTENT_HASH",
    ),
    "server_port_equals_service_port": (
        dsr_pool(port=8080),
        vsvip(),
        {},
        "DSR cannot translate ports",
    ),
    "no_ssl": (
        dsr_pool(),
        vsvip(),
        {"services": [{"port": 80, "enable_ssl": True}]},
        "cannot terminate SSL",
    ),
    "ipv6_needs_30_2_1": (dsr_pool(), vsvip(**V6), {}, "IPv6 L3 DSR needs X-Avi-Version 30.2.1"),
}


@pytest.mark.parametrize("rule", BREAKS)
def test_rule_refuses_the_dsr_virtual_service(api, dsr_parts, rule):
    pool, vip, extra, fragment = BREAKS[rule]
    dsr_parts(pool=pool, vip=vip)
    rsp = api.post("virtualservice", data=dsr_vs(**extra))
    assert rsp.status_code == 400
    assert fragment in error(rsp)
    assert "DSR virtual service 'vs-dsr'" in error(rsp)


@pytest.mark.parametrize("rule", BREAKS)
def test_rule_switched_off_alone_lets_it_through(avisim, api, dsr_parts, rule):
    pool, vip, extra, _ = BREAKS[rule]
    avisim.controller.rules.update({rule: False})
    dsr_parts(pool=pool, vip=vip)
    assert api.post("virtualservice", data=dsr_vs(**extra)).status_code == 201


@pytest.mark.parametrize("rule", BREAKS)
def test_strict_dsr_off_via_control_api_lets_everything_through(avisim, api, dsr_parts, rule):
    pool, vip, extra, _ = BREAKS[rule]
    rsp = requests.post(f"{avisim.url}/_avisim/rules", json={"strict_dsr": False}, timeout=5)
    assert rsp.json()["strict_dsr"] is False
    dsr_parts(pool=pool, vip=vip)
    assert api.post("virtualservice", data=dsr_vs(**extra)).status_code == 201


def test_no_strict_dsr_option():
    with running_simulator(strict_dsr=False) as sim:
        assert sim.controller.rules.strict_dsr is False


def test_rules_do_not_apply_without_a_dsr_profile(api, dsr_parts):
    dsr_parts(pool=dsr_pool(lb_algorithm="LB_ALGORITHM_ROUND_ROBIN", port=8080))
    body = dsr_vs(network_profile_ref="/api/networkprofile?name=System-TCP-Fast-Path")
    assert api.post("virtualservice", data=body).status_code == 201


def test_use_service_port_satisfies_the_port_rule(api, dsr_parts):
    dsr_parts(pool=dsr_pool(port=8080, use_service_port=True))
    assert api.post("virtualservice", data=dsr_vs()).status_code == 201


def test_per_server_port_counts(api, dsr_parts):
    pool = dsr_pool()
    pool["servers"][1]["port"] = 8443
    dsr_parts(pool=pool)
    rsp = api.post("virtualservice", data=dsr_vs())
    assert rsp.status_code == 400
    assert "198.51.100.12:8443" in error(rsp)


def test_ipv6_vip_is_fine_from_30_2_1_on_a_30_2_1_controller():
    with running_simulator(controller_version="30.2.1", se_assign_ms=0) as sim:
        api = avisdk_session(sim, api_version="30.2.1")
        create(api, "networkprofile", dsr_network_profile())
        create(api, "pool", dsr_pool())
        create(api, "vsvip", vsvip(**V6))
        assert api.post("virtualservice", data=dsr_vs()).status_code == 201
        rsp = api.post("virtualservice", data=dsr_vs(name="vs-old"), api_version="22.1.4")
        assert rsp.status_code == 400
        assert "IPv6 L3 DSR needs X-Avi-Version 30.2.1" in error(rsp)


def test_changing_a_referenced_object_is_checked_too(api, dsr_parts):
    parts = dsr_parts()
    create(api, "virtualservice", dsr_vs())
    pool_path = f"pool/{parts['pool']['uuid']}"
    rsp = api.patch(pool_path, data={"replace": {"lb_algorithm": "LB_ALGORITHM_ROUND_ROBIN"}})
    assert rsp.status_code == 400
    assert "LB_ALGORITHM_CONSISTENT_HASH" in error(rsp)
    vip_path = f"vsvip/{parts['vsvip']['uuid']}"
    assert (
        api.patch(vip_path, data={"replace": {"vip": [{"vip_id": "0", **V6}]}}).status_code == 400
    )
    assert api.get(pool_path).json()["lb_algorithm"] == "LB_ALGORITHM_CONSISTENT_HASH"


def test_rules_api_rejects_unknown_rules(avisim):
    rsp = requests.post(f"{avisim.url}/_avisim/rules", json={"strict": False}, timeout=5)
    assert rsp.status_code == 400
    assert "unknown rule 'strict'" in rsp.json()["error"]


def test_a_dsr_pool_shared_by_two_virtual_services_is_refused(api, dsr_parts):
    """22.1 DSR page: "Pool sharing is not supported for DSR"."""
    dsr_parts()
    create(api, "virtualservice", dsr_vs())
    create(api, "vsvip", vsvip(name="vsvip-2"))
    rsp = api.post("virtualservice", data=dsr_vs(name="vs-2", vsvip_ref="/api/vsvip?name=vsvip-2"))
    assert rsp.status_code == 400
    assert "is already used by virtual service 'vs-dsr'" in error(rsp)
    assert "pool sharing is not supported for DSR" in error(rsp)


def test_a_non_dsr_service_cannot_take_a_dsr_services_pool(api, dsr_parts):
    dsr_parts()
    create(api, "virtualservice", dsr_vs())
    create(api, "vsvip", vsvip(name="vsvip-2"))
    plain = dsr_vs(
        name="vs-plain",
        vsvip_ref="/api/vsvip?name=vsvip-2",
        network_profile_ref="/api/networkprofile?name=System-TCP-Fast-Path",
    )
    rsp = api.post("virtualservice", data=plain)
    assert rsp.status_code == 400
    assert "belongs to DSR virtual service 'vs-dsr'" in error(rsp)


def test_a_service_may_keep_its_own_pool_on_update(api, dsr_parts):
    dsr_parts()
    vs = create(api, "virtualservice", dsr_vs())
    rsp = api.put(f"virtualservice/{vs['uuid']}", data=dsr_vs(description="again"))
    assert rsp.status_code == 200, rsp.text


def test_pool_sharing_rule_can_be_switched_off(avisim, api, dsr_parts):
    avisim.controller.rules.update({"pool_not_shared": False})
    dsr_parts()
    create(api, "virtualservice", dsr_vs())
    create(api, "vsvip", vsvip(name="vsvip-2"))
    body = dsr_vs(name="vs-2", vsvip_ref="/api/vsvip?name=vsvip-2")
    assert api.post("virtualservice", data=body).status_code == 201


@pytest.mark.parametrize(
    ("cloud_type", "status"), [("nsxt", 400), ("none", 201), ("linuxserver", 201)]
)
def test_dsr_needs_a_cloud_type_avi_documents_for_it(cloud_type, status):
    """DSR pages, supported ecosystems: VMware (write and no access), Linux server cloud."""
    with running_simulator(cloud_type=cloud_type) as sim:
        api = avisdk_session(sim)
        create(api, "networkprofile", dsr_network_profile())
        create(api, "pool", dsr_pool())
        create(api, "vsvip", vsvip())
        rsp = api.post("virtualservice", data=dsr_vs())
        assert rsp.status_code == status, rsp.text
        if status == 400:
            assert "cloud 'Default-Cloud' is CLOUD_NSXT; DSR is supported on" in error(rsp)
            sim.controller.rules.update({"dsr_cloud_type": False})
            assert api.post("virtualservice", data=dsr_vs()).status_code == 201
