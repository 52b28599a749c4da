"""Avi bodies: table-driven (service config in -> body out) and valid against Avi's schema."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from avi_dsr.avi.schema import load_schema
from avi_dsr.config import (
    NEWEST_KNOWN_API_VERSION,
    HealthMonitorConfig,
    MemberConfig,
    NetworkProfileConfig,
    PlacementConfig,
    PortRange,
    ServerNetwork,
    ServiceSpec,
    parse_stack,
)
from avi_dsr.config.sources import values_from_stack_file
from avi_dsr.payloads import (
    PoolMember,
    allocated_vip,
    health_monitor_body,
    name_ref,
    network_profile_body,
    pool_body,
    service_payloads,
    static_members,
    virtual_service_body,
    vsvip_body,
)

ROOT = Path(__file__).resolve().parents[2]

PROFILE_CASES = [
    (
        "tcp defaults",
        "tcp",
        NetworkProfileConfig(),
        {
            "type": "PROTOCOL_TYPE_TCP_FAST_PATH",
            "tcp_fast_path_profile": {
                "session_idle_timeout": 300,
                "enable_syn_protection": False,
                "dsr_profile": {"dsr_type": "DSR_TYPE_L3", "dsr_encap_type": "ENCAP_IPINIP"},
            },
        },
    ),
    (
        "tcp gre",
        "tcp",
        NetworkProfileConfig(encap="GRE", idle_timeout=0),
        {
            "type": "PROTOCOL_TYPE_TCP_FAST_PATH",
            "tcp_fast_path_profile": {
                "session_idle_timeout": 0,
                "enable_syn_protection": False,
                "dsr_profile": {"dsr_type": "DSR_TYPE_L3", "dsr_encap_type": "ENCAP_GRE"},
            },
        },
    ),
    (
        "udp l2",
        "udp",
        NetworkProfileConfig(dsr_type="L2"),
        {
            "type": "PROTOCOL_TYPE_UDP_FAST_PATH",
            "udp_fast_path_profile": {
                "session_idle_timeout": 10,
                "snat": False,
                "dsr_profile": {"dsr_type": "DSR_TYPE_L2", "dsr_encap_type": "ENCAP_IPINIP"},
            },
        },
    ),
]


@pytest.mark.parametrize(
    ("protocol", "profile", "expected"),
    [c[1:] for c in PROFILE_CASES],
    ids=[c[0] for c in PROFILE_CASES],
)
def test_network_profile_body(protocol, profile, expected):
    assert network_profile_body("x-np", protocol, profile) == {"name": "x-np", "profile": expected}


MONITOR_CASES = [
    (
        "tcp on first port",
        HealthMonitorConfig(type="tcp"),
        (PortRange(8000, 8010),),
        {
            "name": "m",
            "type": "HEALTH_MONITOR_TCP",
            "monitor_port": 8000,
            "send_interval": 10,
            "receive_timeout": 4,
        },
    ),
    (
        "http with codes",
        HealthMonitorConfig(
            type="http", port=8080, path="/healthz", codes=("2xx", "any"), interval=5, timeout=2
        ),
        (PortRange(80, 80),),
        {
            "name": "m",
            "type": "HEALTH_MONITOR_HTTP",
            "monitor_port": 8080,
            "send_interval": 5,
            "receive_timeout": 2,
            "http_monitor": {
                "http_request": "GET /healthz HTTP/1.0",
                "http_response_code": ["HTTP_2XX", "HTTP_ANY"],
            },
        },
    ),
]


MONITOR_CASES += [
    (
        "udp with request and response",
        HealthMonitorConfig(type="udp", request="ping", response="pong"),
        (PortRange(5000, 5000),),
        {
            "name": "m",
            "type": "HEALTH_MONITOR_UDP",
            "monitor_port": 5000,
            "send_interval": 10,
            "receive_timeout": 4,
            "udp_monitor": {"udp_request": "ping", "udp_response": "pong"},
        },
    ),
    (
        "bare udp",
        HealthMonitorConfig(type="udp"),
        (PortRange(5000, 5000),),
        {
            "name": "m",
            "type": "HEALTH_MONITOR_UDP",
            "monitor_port": 5000,
            "send_interval": 10,
            "receive_timeout": 4,
        },
    ),
    (
        "dns for a DNS service",
        HealthMonitorConfig(type="dns", query_name="www.example.com", record_type="AAAA"),
        (PortRange(53, 53),),
        {
            "name": "m",
            "type": "HEALTH_MONITOR_DNS",
            "monitor_port": 53,
            "send_interval": 10,
            "receive_timeout": 4,
            "dns_monitor": {"query_name": "www.example.com", "record_type": "DNS_RECORD_AAAA"},
        },
    ),
]


@pytest.mark.parametrize(
    ("monitor", "ports", "expected"),
    [c[1:] for c in MONITOR_CASES],
    ids=[c[0] for c in MONITOR_CASES],
)
def test_health_monitor_body(monitor, ports, expected):
    assert health_monitor_body("m", monitor, ports) == expected


def test_pool_body_keeps_member_weights_and_skips_absent_monitor():
    body = pool_body(
        "p",
        members=[PoolMember("192.0.2.5", "V4", ratio=3, enabled=False)],
        ports=(PortRange(53, 53),),
        cloud="Default Cloud",
    )
    assert body["servers"] == [
        {"ip": {"addr": "192.0.2.5", "type": "V4"}, "ratio": 3, "enabled": False}
    ]
    assert "health_monitor_refs" not in body
    assert body["cloud_ref"] == "/api/cloud?name=Default%20Cloud"
    assert name_ref("pool", "a&b") == "/api/pool?name=a%26b"


@pytest.mark.parametrize("stack", ["lab", "lab6", "prod", "local", "existing"])
def test_every_rendered_body_is_valid_for_avi_at_the_stacks_api_version(stack):
    values, _ = values_from_stack_file(ROOT / f"stacks/Pulumi.{stack}.yaml")
    spec = parse_stack(values)
    addresses = {
        s.name: (str(s.ipv4.ip) if s.ipv4 else None, str(s.ipv6.ip) if s.ipv6 else None)
        for s in spec.servers
    }
    schema = load_schema(spec.controller.api_version or NEWEST_KNOWN_API_VERSION)
    for service in spec.services:
        for obj_type, body in service_payloads(service, addresses).items():
            assert schema.validate(obj_type, body) == [], (service.name, obj_type)
            assert schema.edition_violations(obj_type, body, "ENTERPRISE") == []


def net(text):
    return ipaddress.ip_network(text)


def prefix(addr, mask, family="V4"):
    return {"ip_addr": {"addr": addr, "type": family}, "mask": mask}


VSVIP_CASES = [
    (
        "static ipv4 without placement",
        {"vip": "203.0.113.10", "vip6": None},
        {"vip_id": "0", "ip_address": {"addr": "203.0.113.10", "type": "V4"}},
    ),
    (
        "static ipv4 on a placement network",
        {
            "vip": "203.0.113.10",
            "vip6": None,
            "placement": PlacementConfig(vip_network="seg-vip", vip_subnet=net("203.0.113.0/24")),
        },
        {
            "vip_id": "0",
            "ip_address": {"addr": "203.0.113.10", "type": "V4"},
            "placement_networks": [
                {
                    "network_ref": "/api/network?name=seg-vip&cloud=c1",
                    "subnet": prefix("203.0.113.0", 24),
                }
            ],
        },
    ),
    (
        "static ipv6 on a placement network: subnet6",
        {
            "vip": None,
            "vip6": "2001:db8:100::10",
            "placement": PlacementConfig(
                vip_network="seg-vip", vip6_subnet=net("2001:db8:100::/64")
            ),
        },
        {
            "vip_id": "0",
            "ip6_address": {"addr": "2001:db8:100::10", "type": "V6"},
            "placement_networks": [
                {
                    "network_ref": "/api/network?name=seg-vip&cloud=c1",
                    "subnet6": prefix("2001:db8:100::", 64, "V6"),
                }
            ],
        },
    ),
    (
        "ipv4 allocated by IPAM from a network and subnet",
        {
            "vip": None,
            "vip6": None,
            "auto_allocate": "V4",
            "placement": PlacementConfig(vip_network="seg-vip", vip_subnet=net("203.0.113.0/24")),
        },
        {
            "vip_id": "0",
            "auto_allocate_ip": True,
            "auto_allocate_ip_type": "V4_ONLY",
            "ipam_network_subnet": {
                "network_ref": "/api/network?name=seg-vip&cloud=c1",
                "subnet": prefix("203.0.113.0", 24),
            },
        },
    ),
    (
        "ipv6 allocated by IPAM from a network",
        {
            "vip": None,
            "vip6": None,
            "auto_allocate": "V6",
            "placement": PlacementConfig(vip_network="seg vip"),
        },
        {
            "vip_id": "0",
            "auto_allocate_ip": True,
            "auto_allocate_ip_type": "V6_ONLY",
            "ipam_network_subnet": {"network_ref": "/api/network?name=seg%20vip&cloud=c1"},
        },
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "entry"), [c[1:] for c in VSVIP_CASES], ids=[c[0] for c in VSVIP_CASES]
)
def test_vsvip_body_places_or_allocates_the_vip(kwargs, entry):
    body = vsvip_body("v", cloud="c1", vrf="global", **kwargs)
    assert body["vip"] == [entry]
    for version in ("22.1.4", "30.2.1"):
        assert load_schema(version).validate("vsvip", body) == []


def test_pool_placement_networks_and_routed_servers_reach_the_bodies():
    body = pool_body(
        "p",
        members=[PoolMember("198.51.100.11", "V4")],
        ports=(PortRange(80, 80),),
        cloud="Default-Cloud",
        server_networks=(ServerNetwork("seg-web", net("198.51.100.0/24")),),
    )
    assert body["placement_networks"] == [
        {
            "network_ref": "/api/network?name=seg-web&cloud=Default-Cloud",
            "subnet": prefix("198.51.100.0", 24),
        }
    ]
    vs = virtual_service_body(
        "vs",
        ports=(PortRange(80, 80),),
        cloud="Default-Cloud",
        se_group="Default-Group",
        vrf="global",
        enabled=True,
        network_profile_ref="np",
        pool_ref="pool",
        vsvip_ref="vsvip",
        routed_servers=True,
    )
    assert vs["ign_pool_net_reach"] is True
    for version in ("22.1.4", "30.2.1"):
        assert load_schema(version).validate("pool", body) == []
        assert load_schema(version).validate("virtualservice", vs) == []


def _service(**kw):
    base = {
        "name": "s",
        "vip": ipaddress.ip_address("203.0.113.10"),
        "ports": (PortRange(80, 80),),
        "members": (MemberConfig("a"), MemberConfig("b", ratio=2)),
    }
    return ServiceSpec(**{**base, **kw})


ADDRESSES = {"a": ("198.51.100.11", "2001:db8:20::11"), "b": ("198.51.100.12", "2001:db8:20::12")}


def test_pool_members_are_of_the_services_family_only():
    v4 = static_members(_service(), ADDRESSES)
    v6 = static_members(
        _service(vip=None, vip6=ipaddress.ip_address("2001:db8:100::10")), ADDRESSES
    )
    auto6 = static_members(_service(vip=None, auto_allocate="V6"), ADDRESSES)
    assert v4 == [PoolMember("198.51.100.11", "V4"), PoolMember("198.51.100.12", "V4", ratio=2)]
    assert (
        v6
        == auto6
        == [
            PoolMember("2001:db8:20::11", "V6"),
            PoolMember("2001:db8:20::12", "V6", ratio=2),
        ]
    )


@pytest.mark.parametrize(
    ("observed", "family", "expected"),
    [
        ({"vip": [{"ip_address": {"addr": "203.0.113.200", "type": "V4"}}]}, 4, "203.0.113.200"),
        ({"vip": [{"ip6_address": {"addr": "2001:db8::2", "type": "V6"}}]}, 6, "2001:db8::2"),
        ({"vip": [{"ip6_address": {"addr": "2001:db8::2", "type": "V6"}}]}, 4, None),
        ({"vip": [{"auto_allocate_ip": True}]}, 4, None),
        ({}, 4, None),
        (None, 6, None),
    ],
)
def test_allocated_vip_is_read_from_the_stored_vsvip(observed, family, expected):
    assert allocated_vip(observed, family) == expected
