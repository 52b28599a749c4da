"""Avi IPAM: auto_allocate_ip takes a free address from a network's static VIP range, and only
when the cloud has an IPAM profile (Avi 22.1 Installation Guide, "IPAM Provider")."""

from __future__ import annotations

import pytest
from avisim.testing import running_simulator
from simhelpers import (
    avisdk_session,
    create,
    dsr_network_profile,
    dsr_pool,
    dsr_vs,
    error,
    runtime_state,
)

TINY_NET = "tiny=10.7.0.0/24@10.7.0.10-10.7.0.11"


def _auto_vip(name: str, **vip: object) -> dict:
    return {"name": name, "vip": [{"auto_allocate_ip": True, **vip}]}


def _vip_addr(obj: dict, field: str = "ip_address") -> str:
    return obj["vip"][0][field]["addr"]


@pytest.fixture
def ipam_api():
    with running_simulator(ipam=True, se_assign_ms=0) as sim:
        yield avisdk_session(sim)


def test_auto_allocation_needs_an_ipam_profile_on_the_cloud(api):
    rsp = api.post("vsvip", data=_auto_vip("v"))
    assert rsp.status_code == 400
    assert "needs an IPAM profile on cloud Default-Cloud" in error(rsp)
    assert api.get_object_by_name("cloud", "Default-Cloud").get("ipam_provider_ref") is None


def test_the_ipam_flag_gives_the_cloud_an_avi_ipam_profile(ipam_api):
    cloud = ipam_api.get_object_by_name("cloud", "Default-Cloud")
    assert cloud["ipam_provider_ref"].split("/")[-1].startswith("ipamdnsproviderprofile-")
    profile = ipam_api.get_object_by_name("ipamdnsproviderprofile", "avisim-ipam")
    assert profile["type"] == "IPAMDNS_TYPE_INTERNAL"


def test_addresses_come_from_the_static_range_one_after_another(ipam_api):
    net = {"ipam_network_subnet": {"network_ref": "/api/network?name=vip-network"}}
    first = create(ipam_api, "vsvip", _auto_vip("a", **net))
    second = create(ipam_api, "vsvip", _auto_vip("b", **net))
    assert [_vip_addr(first), _vip_addr(second)] == ["203.0.113.100", "203.0.113.101"]


def test_usable_networks_are_the_default(ipam_api):
    assert _vip_addr(create(ipam_api, "vsvip", _auto_vip("a"))) == "203.0.113.100"


def test_an_explicit_address_is_not_handed_out_again(ipam_api):
    fixed = {"ip_address": {"addr": "203.0.113.100", "type": "V4"}}
    create(ipam_api, "vsvip", {"name": "fixed", "vip": [fixed]})
    assert _vip_addr(create(ipam_api, "vsvip", _auto_vip("a"))) == "203.0.113.101"


def test_a_put_without_the_address_keeps_the_allocation(ipam_api):
    vip = create(ipam_api, "vsvip", _auto_vip("a"))
    create(ipam_api, "vsvip", _auto_vip("b"))
    again = ipam_api.put(f"vsvip/{vip['uuid']}", data=_auto_vip("a"))
    assert again.status_code == 200, again.text
    assert _vip_addr(again.json()) == "203.0.113.100"


def test_the_subnet_picks_the_family_and_range(ipam_api):
    v6 = create(
        ipam_api,
        "vsvip",
        _auto_vip(
            "v6",
            auto_allocate_ip_type="V6_ONLY",
            ipam_network_subnet={
                "network_ref": "/api/network?name=ipv6-network",
                "subnet6": {"ip_addr": {"addr": "2001:db8::", "type": "V6"}, "mask": 32},
            },
        ),
    )
    assert _vip_addr(v6, "ip6_address") == "2001:db8:100::100"
    assert "ip_address" not in v6["vip"][0]


def test_an_exhausted_range_refuses_the_vip():
    with running_simulator(ipam=True, networks=[TINY_NET]) as sim:
        api = avisdk_session(sim)
        assert [_vip_addr(create(api, "vsvip", _auto_vip(n))) for n in "ab"] == [
            "10.7.0.10",
            "10.7.0.11",
        ]
        rsp = api.post("vsvip", data=_auto_vip("c"))
        assert rsp.status_code == 400
        assert "static IP address pool is empty or exhausted" in error(rsp)


def test_a_network_without_a_range_cannot_allocate(ipam_api):
    net = {"ipam_network_subnet": {"network_ref": "/api/network?name=server-network"}}
    rsp = ipam_api.post("vsvip", data=_auto_vip("a", **net))
    assert rsp.status_code == 400
    assert "empty or exhausted" in error(rsp)


def test_an_allocated_vip_places_the_service(ipam_api):
    create(ipam_api, "networkprofile", dsr_network_profile())
    create(ipam_api, "pool", dsr_pool())
    vip = create(ipam_api, "vsvip", {**_auto_vip("vsvip-dsr")})
    vs = create(ipam_api, "virtualservice", dsr_vs())
    runtime = runtime_state(ipam_api, vs["uuid"])
    assert runtime["oper_status"]["state"] == "OPER_UP"
    assert runtime["vip_summary"][0]["ip_address"]["addr"] == _vip_addr(vip)
