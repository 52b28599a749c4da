"""Defaults a controller fills on write: schema defaults, default refs and observed extras."""

from __future__ import annotations

import pytest
from simhelpers import create


def _names(obj, *fields):
    """The `#name` part of each ref field of a returned object."""
    return {f: obj[f].rsplit("#", 1)[1] for f in fields}


def test_virtualservice_default_refs(api):
    vs = create(api, "virtualservice", {"name": "vs", "services": [{"port": 443}]})
    assert _names(
        vs,
        "cloud_ref",
        "se_group_ref",
        "vrf_context_ref",
        "network_profile_ref",
        "application_profile_ref",
        "analytics_profile_ref",
        "tenant_ref",
    ) == {
        "cloud_ref": "Default-Cloud",
        "se_group_ref": "Default-Group",
        "vrf_context_ref": "global",
        "network_profile_ref": "System-TCP-Proxy",
        "application_profile_ref": "System-HTTP",
        "analytics_profile_ref": "System-Analytics-Profile",
        "tenant_ref": "admin",
    }
    assert [s["port_range_end"] for s in vs["services"]] == [443]
    assert vs["enabled"] is True and vs["traffic_enabled"] is True


def test_explicit_refs_are_kept(api):
    vs = create(
        api,
        "virtualservice",
        {
            "name": "vs",
            "services": [{"port": 80}],
            "network_profile_ref": "/api/networkprofile?name=System-TCP-Fast-Path",
            "application_profile_ref": "/api/applicationprofile?name=System-L4-Application",
        },
    )
    assert vs["network_profile_ref"].endswith("#System-TCP-Fast-Path")
    assert vs["application_profile_ref"].endswith("#System-L4-Application")


@pytest.mark.parametrize(
    ("services", "expected_end"),
    [
        ([{"port": 80}], [80]),
        ([{"port": 8000, "port_range_end": 8010}], [8010]),
        ([{"port": 53, "port_range_end": 0}], [53]),
    ],
)
def test_port_range_end_defaults_to_port(api, services, expected_end):
    vs = create(api, "virtualservice", {"name": "vs", "services": services})
    assert [s["port_range_end"] for s in vs["services"]] == expected_end


def test_vsvip_defaults(api):
    vip = create(
        api, "vsvip", {"name": "v", "vip": [{"ip_address": {"addr": "203.0.113.10", "type": "V4"}}]}
    )
    assert vip["vip"][0]["vip_id"] == "0"
    assert vip["vip"][0]["enabled"] is True
    assert vip["cloud_ref"].endswith("#Default-Cloud")
    assert vip["vrf_context_ref"].endswith("#global")


def test_pool_defaults(api):
    pool = create(
        api, "pool", {"name": "p", "servers": [{"ip": {"addr": "198.51.100.11", "type": "V4"}}]}
    )
    server = pool["servers"][0]
    assert server["hostname"] == "198.51.100.11"
    assert server["enabled"] is True and server["ratio"] == 1
    assert pool["lb_algorithm"] == "LB_ALGORITHM_LEAST_CONNECTIONS"
    assert pool["default_server_port"] == 80
    assert pool["cloud_ref"].endswith("#Default-Cloud")
    assert pool["vrf_ref"].endswith("#global")


def test_networkprofile_defaults_fill_sub_objects_present(api):
    np = create(
        api,
        "networkprofile",
        {
            "name": "np",
            "profile": {"type": "PROTOCOL_TYPE_UDP_FAST_PATH", "udp_fast_path_profile": {}},
        },
    )
    udp = np["profile"]["udp_fast_path_profile"]
    assert udp["session_idle_timeout"] == 10
    assert udp["snat"] is True
    assert "tcp_fast_path_profile" not in np["profile"]


def test_server_owned_fields_are_regenerated(api):
    pool = create(
        api, "pool", {"name": "p", "uuid": "pool-mine", "_last_modified": "1", "url": "x"}
    )
    assert pool["uuid"].startswith("pool-") and pool["uuid"] != "pool-mine"
    assert pool["_last_modified"] != "1"
    assert pool["configpb_attributes"] == {"version": 1}


def test_seeded_system_objects(api):
    expected = {
        "tenant": ["admin"],
        "cloud": ["Default-Cloud"],
        "serviceenginegroup": ["Default-Group"],
        "vrfcontext": ["global"],
        "applicationprofile": ["System-L4-Application", "System-HTTP"],
        "networkprofile": ["System-TCP-Proxy", "System-TCP-Fast-Path", "System-UDP-Fast-Path"],
        "healthmonitor": ["System-TCP", "System-HTTP", "System-UDP", "System-Ping"],
        "analyticsprofile": ["System-Analytics-Profile"],
    }
    for obj_type, names in expected.items():
        for name in names:
            assert api.get_object_by_name(obj_type, name) is not None, (obj_type, name)
    assert api.get("tenant/admin").json()["name"] == "admin"
    l4 = api.get_object_by_name("applicationprofile", "System-L4-Application")
    assert l4["type"] == "APPLICATION_PROFILE_TYPE_L4"
