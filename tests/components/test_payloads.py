"""Avi bodies: table-driven (service config in -> body out) and valid against Avi's schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from avi_dsr.avi.schema import load_schema
from avi_dsr.config import HealthMonitorConfig, NetworkProfileConfig, PortRange, parse_stack
from avi_dsr.config.sources import values_from_stack_file
from avi_dsr.payloads import (
    PoolMember,
    health_monitor_body,
    name_ref,
    network_profile_body,
    pool_body,
    service_payloads,
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
        "tcp gre syn",
        "tcp",
        NetworkProfileConfig(encap="GRE", idle_timeout=0, syn_protection=True),
        {
            "type": "PROTOCOL_TYPE_TCP_FAST_PATH",
            "tcp_fast_path_profile": {
                "session_idle_timeout": 0,
                "enable_syn_protection": True,
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


@pytest.mark.parametrize("stack", ["lab", "prod", "local", "existing"])
def test_every_rendered_body_is_valid_for_avi(stack):
    values, _ = values_from_stack_file(ROOT / f"stacks/Pulumi.{stack}.yaml")
    spec = parse_stack(values)
    addresses = {
        s.name: (str(s.ipv4.ip) if s.ipv4 else None, str(s.ipv6.ip) if s.ipv6 else None)
        for s in spec.servers
    }
    schema = load_schema()
    for service in spec.services:
        for obj_type, body in service_payloads(service, addresses).items():
            assert schema.validate(obj_type, body) == [], (service.name, obj_type)
