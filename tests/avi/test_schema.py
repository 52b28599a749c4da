"""The compact Avi schema: freshness against the Swagger source, validate, with_defaults, refs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from avi_dsr.avi.schema import SCHEMA_DIR, Violation, load_schema

REPO = Path(__file__).resolve().parents[2]
SWAGGER = Path("/work/shared/avi-swagger/22.1.4")


@pytest.fixture(scope="module")
def schema():
    return load_schema("22.1.4")


def _derive_module():
    spec = importlib.util.spec_from_file_location(
        "derive_avi_schema", REPO / "tools/derive_avi_schema.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(
    not SWAGGER.is_dir(), reason=f"Swagger source {SWAGGER} is not available (only on the dev box)"
)
def test_committed_schema_is_up_to_date_with_the_swagger_source():
    derive = _derive_module()
    fresh = derive.render(derive.derive(SWAGGER, "22.1.4"))
    committed = (SCHEMA_DIR / "avi-22.1.4.json").read_text(encoding="utf-8")
    assert fresh == committed, "stale schema: run python tools/derive_avi_schema.py"


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        (
            "Enum options - V4, DNS, V6. Allowed in Enterprise edition",
            {"enum": ["V4", "DNS", "V6"]},
        ),
        (
            "Allowed values are 1-65535. Special values are 0- use backend port in pool.",
            {"min": 1, "max": 65535, "special": [0]},
        ),
        (
            "Allowed values are 5-14400. Special values are 0 - infinite. Unit is SEC.",
            {"min": 5, "max": 14400, "special": [0]},
        ),
        (
            "Allowed values are 0 - 100. Special values are 0- disable.",
            {"min": 0, "max": 100, "special": [0]},
        ),
        (
            "Allowed values are 0,1,2,4,8,16. Field introduced in 18.2.7, 20.1.1.",
            {"enum": [0, 1, 2, 4, 8, 16]},
        ),
        ("Essentials edition(Allowed values- false), Basic edition", {}),
        (
            "It is a reference to an object of type ServiceEngineGroup.",
            {"ref": "serviceenginegroup"},
        ),
    ],
)
def test_derive_parses_the_prose_phrases(description, expected):
    derive = _derive_module()
    field = derive._field({"type": "integer", "description": description})
    assert {k: v for k, v in field.items() if k != "type"} == expected


def test_derive_reads_list_lengths_and_item_constraints():
    derive = _derive_module()
    field = derive._field(
        {
            "type": "array",
            "items": {"type": "integer"},
            "description": "Allowed values are 1-65535. Minimum of 1 items required. "
            "Maximum of 4 items allowed.",
        }
    )
    assert field == {
        "type": "array",
        "min_items": 1,
        "max_items": 4,
        "items": {"type": "integer", "min": 1, "max": 65535},
    }


def test_object_types(schema):
    assert set(schema.object_types) == {
        "networkprofile",
        "healthmonitor",
        "pool",
        "vsvip",
        "virtualservice",
        "applicationprofile",
        "cloud",
        "serviceenginegroup",
        "tenant",
        "vrfcontext",
    }
    assert schema.version == "22.1.4"


NP_TYPES = [
    "PROTOCOL_TYPE_TCP_PROXY",
    "PROTOCOL_TYPE_TCP_FAST_PATH",
    "PROTOCOL_TYPE_UDP_FAST_PATH",
    "PROTOCOL_TYPE_UDP_PROXY",
    "PROTOCOL_TYPE_SCTP_PROXY",
    "PROTOCOL_TYPE_SCTP_FAST_PATH",
]

DSR_NP = {
    "name": "np",
    "profile": {
        "type": "PROTOCOL_TYPE_TCP_FAST_PATH",
        "tcp_fast_path_profile": {
            "dsr_profile": {"dsr_type": "DSR_TYPE_L3", "dsr_encap_type": "ENCAP_IPINIP"}
        },
    },
}


@pytest.mark.parametrize(
    ("obj_type", "body", "expected"),
    [
        ("networkprofile", DSR_NP, []),
        (
            "pool",
            {"name": "p", "servers": [{"ip": {"addr": "10.0.0.1", "type": "V4"}, "port": 80}]},
            [],
        ),
        ("vsvip", {"name": "v", "vip": [{"ip_address": {"addr": "10.0.0.1", "type": "V4"}}]}, []),
        ("virtualservice", {"name": "vs", "services": [{"port": 80, "port_range_end": 0}]}, []),
        ("networkprofile", {"name": "np"}, [Violation("profile", None, "is required")]),
        ("pool", {"name": "p", "servers": [{}]}, [Violation("servers[0].ip", None, "is required")]),
        (
            "virtualservice",
            {"name": "vs", "services": [{"port": 65536}]},
            [Violation("services[0].port", 65536, "must be between 0 and 65535", "0-65535")],
        ),
        (
            "pool",
            {"name": "p", "servers": [{"ip": {"addr": "10.0.0.1", "type": "V4"}, "port": 0}]},
            [],
        ),
        (
            "pool",
            {"name": "p", "servers": [{"ip": {"addr": "10.0.0.1", "type": "V4"}, "ratio": 21}]},
            [Violation("servers[0].ratio", 21, "must be between 1 and 20", "1-20")],
        ),
        (
            "networkprofile",
            {
                **DSR_NP,
                "profile": {
                    "type": "PROTOCOL_TYPE_TCP_FAST_PATH",
                    "tcp_fast_path_profile": {"session_idle_timeout": 1},
                },
            },
            [
                Violation(
                    "profile.tcp_fast_path_profile.session_idle_timeout",
                    1,
                    "must be between 5 and 14400",
                    "5-14400 or 0",
                )
            ],
        ),
        (
            "networkprofile",
            {"name": "np", "profile": {"type": "TCP"}},
            [
                Violation(
                    "profile.type",
                    "TCP",
                    "is not an allowed value",
                    ", ".join(NP_TYPES),
                )
            ],
        ),
        (
            "pool",
            {"name": "p", "enabled": "true"},
            [Violation("enabled", "true", "must be a boolean")],
        ),
        (
            "pool",
            {"name": "p", "default_server_port": True},
            [Violation("default_server_port", True, "must be an integer")],
        ),
        ("pool", {"name": 5}, [Violation("name", 5, "must be a string")]),
        ("pool", {"name": "p", "servers": {}}, [Violation("servers", {}, "must be a list")]),
        (
            "pool",
            {"name": "p", "servers": ["10.0.0.1"]},
            [Violation("servers[0]", "10.0.0.1", "must be an object")],
        ),
        (
            "pool",
            {"name": "p", "lb_algoritm": "x"},
            [Violation("lb_algoritm", "x", "is not a known field (did you mean 'lb_algorithm'?)")],
        ),
        ("pool", {"name": "p", "zzz": 1}, [Violation("zzz", 1, "is not a known field")]),
        (
            "healthmonitor",
            {
                "name": "hm",
                "type": "HEALTH_MONITOR_HTTP",
                "http_monitor": {"http_response_code": []},
            },
            [Violation("http_monitor.http_response_code", [], "must have at least 1 item(s)")],
        ),
        (
            "pool",
            {
                "name": "p",
                "uuid": "pool-1",
                "url": "https://x/api/pool/pool-1",
                "_last_modified": "1",
            },
            [],
        ),
        ("pool", {"name": "p", "description": None}, []),
        ("pool", {"name": None}, [Violation("name", None, "is required")]),
        (
            "vsvip",
            {"name": "v", "vip": [{"ip_address": {"addr": "10.0.0.1"}}]},
            [Violation("vip[0].ip_address.type", None, "is required")],
        ),
    ],
)
def test_validate(schema, obj_type, body, expected):
    assert schema.validate(obj_type, body) == expected


def test_validate_reports_every_violation_at_once(schema):
    found = schema.validate("pool", {"default_server_port": 0, "lb_algorithm": "x", "bad": 1})
    assert sorted(v.path for v in found) == ["bad", "default_server_port", "lb_algorithm", "name"]


def test_violation_text():
    v = Violation("services[0].port", 70000, "must be between 0 and 65535", "0-65535")
    assert str(v) == "services[0].port: must be between 0 and 65535 (allowed: 0-65535)"


@pytest.mark.parametrize(
    ("obj_type", "body", "expected_subset", "absent"),
    [
        (
            "networkprofile",
            DSR_NP,
            {
                "profile": {
                    "type": "PROTOCOL_TYPE_TCP_FAST_PATH",
                    "tcp_fast_path_profile": {
                        "session_idle_timeout": 300,
                        "dsr_profile": {
                            "dsr_type": "DSR_TYPE_L3",
                            "dsr_encap_type": "ENCAP_IPINIP",
                        },
                    },
                }
            },
            ["connection_mirror"],
        ),
        (
            "pool",
            {"name": "p", "servers": [{"ip": {"addr": "10.0.0.1", "type": "V4"}}]},
            {
                "lb_algorithm": "LB_ALGORITHM_LEAST_CONNECTIONS",
                "default_server_port": 80,
                "enabled": True,
                "lb_algorithm_hash": "LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS",
                "servers": [
                    {"ip": {"addr": "10.0.0.1", "type": "V4"}, "enabled": True, "ratio": 1}
                ],
            },
            ["health_monitor_refs"],
        ),
        (
            "pool",
            {"name": "p", "default_server_port": 8080, "enabled": None},
            {"default_server_port": 8080, "enabled": True},
            [],
        ),
        (
            "healthmonitor",
            {"name": "hm", "type": "HEALTH_MONITOR_TCP"},
            {"send_interval": 10, "receive_timeout": 4, "successful_checks": 2, "failed_checks": 2},
            ["http_monitor", "tcp_monitor"],
        ),
        (
            "virtualservice",
            {"name": "vs", "services": [{"port": 80}]},
            {"enabled": True, "traffic_enabled": True, "type": "VS_TYPE_NORMAL"},
            ["pool_ref"],
        ),
    ],
)
def test_with_defaults(schema, obj_type, body, expected_subset, absent):
    filled = schema.with_defaults(obj_type, body)
    assert _subset(expected_subset, filled), filled
    assert not set(absent) & set(filled)
    assert schema.validate(obj_type, filled) == []


def test_with_defaults_does_not_touch_its_input(schema):
    body = {"name": "p", "servers": [{"ip": {"addr": "10.0.0.1", "type": "V4"}}]}
    schema.with_defaults("pool", body)
    assert body == {"name": "p", "servers": [{"ip": {"addr": "10.0.0.1", "type": "V4"}}]}


def test_strip_defaults_inverts_with_defaults(schema):
    body = {
        "name": "p",
        "default_server_port": 8080,
        "servers": [{"ip": {"addr": "10.0.0.1", "type": "V4"}}],
    }
    assert schema.strip_defaults("pool", schema.with_defaults("pool", body)) == body


@pytest.mark.parametrize(
    ("obj_type", "path", "target"),
    [
        ("virtualservice", "pool_ref", "pool"),
        ("virtualservice", "virtualservice.pool_ref", "pool"),
        ("virtualservice", "vsvip_ref", "vsvip"),
        ("virtualservice", "se_group_ref", "serviceenginegroup"),
        ("virtualservice", "vrf_context_ref", "vrfcontext"),
        ("virtualservice", "services[0].override_network_profile_ref", "networkprofile"),
        ("virtualservice", "services.override_application_profile_ref", "applicationprofile"),
        ("pool", "health_monitor_refs", "healthmonitor"),
        ("pool", "health_monitor_refs[2]", "healthmonitor"),
        ("pool", "tenant_ref", "tenant"),
        ("pool", "name", None),
        ("pool", "no_such_ref", None),
        ("pool", "servers.ip.addr", None),
    ],
)
def test_ref_target(schema, obj_type, path, target):
    assert schema.ref_target(obj_type, path) == target


def test_unknown_type_and_version_give_clear_errors(schema):
    with pytest.raises(ValueError, match=r"unknown Avi object type 'poool'; known: .*pool"):
        schema.validate("poool", {})
    with pytest.raises(
        FileNotFoundError, match=r"no Avi schema for version '9\.9'.*available: 22\.1\.4"
    ):
        load_schema("9.9")


def test_load_schema_is_cached():
    assert load_schema() is load_schema("22.1.4")


def _subset(want, have):
    if isinstance(want, dict):
        return isinstance(have, dict) and all(
            k in have and _subset(v, have[k]) for k, v in want.items()
        )
    if isinstance(want, list):
        return isinstance(have, list) and len(want) == len(have) and all(map(_subset, want, have))
    return want == have
