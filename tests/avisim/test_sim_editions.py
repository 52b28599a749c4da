"""Editions: what Essentials refuses (Swagger edition prose), its own defaults, and the licence
endpoints a preflight reads."""

from __future__ import annotations

import pytest
from avisim.testing import running_simulator
from simhelpers import avisdk_session, create, dsr_network_profile, dsr_pool, error


@pytest.fixture(scope="module")
def essentials():
    with running_simulator(license="essentials", se_assign_ms=0) as sim:
        yield sim


@pytest.fixture
def ess_api(essentials):
    return avisdk_session(essentials)


def test_essentials_refuses_the_dsr_profile(ess_api):
    """TCPFastPathProfile.dsr_profile: "Allowed in Enterprise edition with any value, Enterprise
    with Cloud Services edition"."""
    rsp = ess_api.post("networkprofile", data=dsr_network_profile("np-ess"))
    assert rsp.status_code == 400
    assert "profile.tcp_fast_path_profile.dsr_profile is not allowed in the Essentials" in error(
        rsp
    )


def test_essentials_refuses_use_service_port_but_takes_false(ess_api):
    """Pool.use_service_port: "Essentials edition(Allowed values- false)"."""
    rsp = ess_api.post("pool", data=dsr_pool("p-usp", use_service_port=True))
    assert rsp.status_code == 400
    assert "use_service_port: true is not allowed in the Essentials edition" in error(rsp)
    assert ess_api.post("pool", data=dsr_pool("p-ok", use_service_port=False)).status_code == 201


@pytest.mark.parametrize(
    ("algorithm", "status"),
    [("LB_ALGORITHM_CONSISTENT_HASH", 201), ("LB_ALGORITHM_FASTEST_RESPONSE", 400)],
)
def test_essentials_limits_enum_values(ess_api, algorithm, status):
    rsp = ess_api.post("pool", data={"name": f"p-{algorithm}", "lb_algorithm": algorithm})
    assert rsp.status_code == status


def test_enterprise_takes_what_essentials_refuses(api):
    assert api.post("networkprofile", data=dsr_network_profile()).status_code == 201
    assert api.post("pool", data=dsr_pool(use_service_port=True)).status_code == 201


def test_essentials_has_its_own_defaults(ess_api):
    """VirtualService: "Special default for Essentials edition is System-TCP-Fast-Path" /
    System-L4-Application; Pool.connection_ramp_duration: Essentials default 0 (else 10)."""
    vs = create(ess_api, "virtualservice", {"name": "vs-ess", "services": [{"port": 80}]})
    assert vs["network_profile_ref"].endswith("#System-TCP-Fast-Path")
    assert vs["application_profile_ref"].endswith("#System-L4-Application")
    assert create(ess_api, "pool", {"name": "ramp"})["connection_ramp_duration"] == 0


def test_enterprise_defaults_are_the_swagger_defaults(api):
    vs = create(api, "virtualservice", {"name": "vs", "services": [{"port": 80}]})
    assert vs["network_profile_ref"].endswith("#System-TCP-Proxy")
    assert create(api, "pool", {"name": "ramp"})["connection_ramp_duration"] == 10


@pytest.mark.parametrize(
    ("edition", "tier"), [("enterprise", "ENTERPRISE"), ("essentials", "ESSENTIALS")]
)
def test_licence_endpoints_tell_the_edition(edition, tier):
    with running_simulator(license=edition) as sim:
        api = avisdk_session(sim)
        licence = api.get("license").json()
        assert licence["count"] == 1
        assert licence["results"][0]["license_tier"] == [tier]
        assert licence["results"][0]["licenses"][0]["tier_type"] == tier
        assert api.get("licensing").json()["license_tiers"][0]["tier_type"] == tier
        assert api.get("systemconfiguration").json()["default_license_tier"] == tier
        cloud = api.get_object_by_name("cloud", "Default-Cloud")
        assert cloud["license_tier"] == tier
        assert api.get("licensing/status").json()["count"] == 1


def test_essentials_cannot_have_an_nsxt_cloud():
    """Cloud.vtype: "Essentials edition(Allowed values- CLOUD_NONE,CLOUD_VCENTER)"."""
    with pytest.raises(ValueError, match="vtype: 'CLOUD_NSXT' is not allowed in the Essentials"):
        running_simulator(license="essentials", cloud_type="nsxt").__enter__()


def test_essentials_networks_have_no_static_ranges(essentials, ess_api):
    """Subnet.static_ip_ranges is Enterprise-only, so seeded networks drop their VIP ranges."""
    network = ess_api.get_object_by_name("network", "vip-network")
    assert network["configured_subnets"][0]["prefix"]["mask"] == 24
    assert "static_ip_ranges" not in network["configured_subnets"][0]
