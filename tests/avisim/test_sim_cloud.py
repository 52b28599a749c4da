"""The cloud a preflight reads (type, SE group, VRF) and its networks: seeded from flags with
defaults covering the stacks' ranges, and created through /api/network as on a controller."""

from __future__ import annotations

import pytest
from avisim.networks import parse_network_spec
from avisim.testing import running_simulator
from simhelpers import avisdk_session, create, error

SERVER_NET = {
    "name": "web-segment",
    "configured_subnets": [
        {
            "prefix": {"ip_addr": {"addr": "10.20.0.0", "type": "V4"}, "mask": 24},
            "static_ip_ranges": [
                {
                    "type": "STATIC_IPS_FOR_VIP",
                    "range": {
                        "begin": {"addr": "10.20.0.100", "type": "V4"},
                        "end": {"addr": "10.20.0.110", "type": "V4"},
                    },
                }
            ],
        }
    ],
}


@pytest.mark.parametrize(
    ("cloud_type", "vtype"),
    [(None, "CLOUD_VCENTER"), ("nsxt", "CLOUD_NSXT"), ("none", "CLOUD_NONE")],
)
def test_default_cloud_has_the_type_asked_for(cloud_type, vtype):
    options = {"cloud_type": cloud_type} if cloud_type else {}
    with running_simulator(**options) as sim:
        api = avisdk_session(sim)
        found = api.get("cloud", params={"name": "Default-Cloud"}).json()
        assert found["count"] == 1
        assert found["results"][0]["vtype"] == vtype


def test_se_group_and_vrf_answer_by_name(api):
    assert api.get("serviceenginegroup", params={"name": "Default-Group"}).json()["count"] == 1
    assert api.get("vrfcontext", params={"name": "global"}).json()["count"] == 1
    assert api.get("serviceenginegroup", params={"name": "Missing"}).json()["count"] == 0


def test_default_networks_cover_the_stacks_ranges(api):
    subnets = {}
    for network in api.get("network").json()["results"]:
        for subnet in network["configured_subnets"]:
            prefix = subnet["prefix"]
            subnets[f"{prefix['ip_addr']['addr']}/{prefix['mask']}"] = network["name"]
    assert subnets == {
        "203.0.113.0/24": "vip-network",
        "198.51.100.0/24": "server-network",
        "2001:db8::/32": "ipv6-network",
        "192.0.2.0/24": "lab-network",
    }


def test_networks_from_flags_replace_the_defaults():
    with running_simulator(networks=["segment-a=10.1.0.0/16@10.1.0.10-10.1.0.20"]) as sim:
        api = avisdk_session(sim)
        networks = api.get("network").json()["results"]
        assert [n["name"] for n in networks] == ["segment-a"]
        static = networks[0]["configured_subnets"][0]["static_ip_ranges"][0]
        assert static["range"]["begin"]["addr"] == "10.1.0.10"
        assert networks[0]["cloud_ref"].endswith(
            api.get_object_by_name("cloud", "Default-Cloud")["uuid"]
        )
    with running_simulator(networks=[]) as sim:
        assert avisdk_session(sim).get("network").json()["count"] == 0


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("no-equals", "write NAME=CIDR"),
        ("n=10.0.0.1/24", "is not a subnet"),
        ("n=10.0.0.0/24@10.0.0.9", "is not a range"),
        ("n=10.0.0.0/24@10.0.1.1-10.0.1.9", "is not inside 10.0.0.0/24"),
    ],
)
def test_bad_network_specs_are_refused_naming_the_flag(spec, fragment):
    with pytest.raises(ValueError, match="--network") as raised:
        parse_network_spec(spec)
    assert fragment in str(raised.value)


def test_networks_are_created_through_the_api_like_any_object(api):
    network = create(api, "network", SERVER_NET)
    assert network["cloud_ref"].endswith("#Default-Cloud")
    assert network["vrf_context_ref"].endswith("#global")
    rsp = api.post("network", data=SERVER_NET)
    assert rsp.status_code == 409
    assert error(rsp) == "Network with this Name, Tenant ref and Cloud ref already exists."
    assert api.delete(f"network/{network['uuid']}").status_code == 204


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"begin": {"addr": "10.19.255.1", "type": "V4"}}, "is not inside the subnet 10.20.0.0/24"),
        ({"end": {"addr": "10.20.0.1", "type": "V4"}}, "range is not a range"),
    ],
)
def test_static_ranges_must_sit_inside_their_subnet(api, change, fragment):
    body = {**SERVER_NET, "configured_subnets": [dict(SERVER_NET["configured_subnets"][0])]}
    subnet = body["configured_subnets"][0]
    static = dict(subnet["static_ip_ranges"][0])
    static["range"] = {**static["range"], **change}
    subnet["static_ip_ranges"] = [static]
    rsp = api.post("network", data=body)
    assert rsp.status_code == 400
    assert fragment in error(rsp)


def test_network_schema_rules_apply(api):
    rsp = api.post("network", data={"name": "n", "configured_subnets": [{"static_ip_ranges": []}]})
    assert rsp.status_code == 400
    assert "configured_subnets[0].prefix is required" in error(rsp)
