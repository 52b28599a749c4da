"""The compact Avi schemas: derivation, freshness, validate, versions, editions, defaults, refs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from avi_dsr.avi.schema import SCHEMA_DIR, UnknownApiVersion, Violation, load_schema
from avi_dsr.versions import KNOWN_API_VERSIONS, NEWEST_KNOWN_API_VERSION

REPO = Path(__file__).resolve().parents[2]
# The Swagger source sits next to the project on the team's machines, never in a user's clone.
SWAGGER = REPO.parent / "shared" / "avi-swagger"


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
    not SWAGGER.is_dir(),
    reason="Avi's Swagger (../shared/avi-swagger next to the project) is not on this machine",
)
@pytest.mark.parametrize("version", KNOWN_API_VERSIONS)
def test_committed_schema_is_up_to_date_with_the_swagger_source(version):
    derive = _derive_module()
    found = derive.releases(SWAGGER)
    fresh = derive.render(derive.derive(found[version], version))
    committed = (SCHEMA_DIR / f"avi-{version}.json").read_text(encoding="utf-8")
    assert fresh == committed, "stale schema: run python tools/derive_avi_schema.py SOURCE"


def test_every_known_version_has_its_committed_schema():
    committed = sorted(p.stem.removeprefix("avi-") for p in SCHEMA_DIR.glob("avi-*.json"))
    assert committed == sorted(KNOWN_API_VERSIONS) and NEWEST_KNOWN_API_VERSION == "30.2.1"
    for version in KNOWN_API_VERSIONS:
        assert (load_schema(version).version, load_schema(version).release) == (version, version)


def _swagger_file(version: str, definitions: dict) -> dict:
    return {"swagger": "2.0", "info": {"version": version}, "definitions": definitions}


MINI_POOL = {
    "Pool": {
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "description": "Name. Allowed in Enterprise edition with "
                     "any value, Essentials, Basic, Enterprise with Cloud Services edition."},
            "use_service_port": {"type": "boolean", "description": "Do not translate. Allowed in "
                                 "Enterprise edition with any value, Essentials edition(Allowed "
                                 "values- false), Basic, Enterprise with Cloud Services edition."},
            "graceful": {"type": "integer", "description": "Allowed values are 1-60. Field "
                         "introduced in 30.2.1. Allowed in Enterprise edition with any value, "
                         "Enterprise with Cloud Services edition."},
            "servers": {"type": "array", "items": {"$ref": "#/definitions/Server"}},
        },
    },
    "Server": {"required": ["ip"], "properties": {"ip": {"type": "string"}}},
}  # fmt: skip


def test_derive_runs_on_a_source_folder_of_releases_without_the_shared_copy(tmp_path, monkeypatch):
    """The tool takes the source as an argument, finds each release by its files' info.version,
    and writes one schema per release; --check then passes, and fails on a stale file."""
    derive = _derive_module()
    monkeypatch.setattr(derive, "OBJECT_TYPES", {"pool": "Pool"})
    source = tmp_path / "swagger"
    for version in ("22.1.4", "30.2.1"):
        (source / version).mkdir(parents=True)
        (source / version / "Pool.json").write_text(json.dumps(_swagger_file(version, MINI_POOL)))
    (source / "30.2.1" / "Stale.json").write_text(json.dumps(_swagger_file("20.1.2", {})))
    out = tmp_path / "out"
    assert derive.main([str(source), "--out-dir", str(out)]) == 0
    document = json.loads((out / "avi-30.2.1.json").read_text())
    assert document["version"] == "30.2.1" and document["objects"] == {"pool": "Pool"}
    fields = document["definitions"]["Pool"]["fields"]
    assert fields["graceful"] == {
        "type": "integer",
        "min": 1,
        "max": 60,
        "introduced": ["30.2.1"],
        "editions": {"ENTERPRISE": None, "ENTERPRISE_WITH_CLOUD_SERVICES": None},
    }
    assert fields["use_service_port"]["editions"]["ESSENTIALS"] == [False]
    assert "editions" not in fields["name"]  # every edition, any value: nothing recorded
    assert derive.main([str(source), "--out-dir", str(out), "--check"]) == 0
    (out / "avi-22.1.4.json").write_text("{}")
    assert derive.main([str(source), "--out-dir", str(out), "--check"]) == 1
    assert derive.main([str(source / "22.1.4"), "--out-dir", str(out)]) == 0  # one release
    with pytest.raises(SystemExit, match=r"no release 31\.1\.1"):
        derive.main([str(source), "--out-dir", str(out), "--version", "31.1.1"])


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
            {"enum": [0, 1, 2, 4, 8, 16], "introduced": ["18.2.7", "20.1.1"]},
        ),
        ("Essentials edition(Allowed values- false), Basic edition", {}),
        (
            "Field introduced in 22.1.5, 30.1.2, 30.2.1.",
            {"introduced": ["22.1.5", "30.1.2", "30.2.1"]},
        ),
        (
            "Field deprecated in 22.1.1. Field introduced in 17.1.1.",
            {"deprecated": "22.1.1", "introduced": ["17.1.1"]},
        ),
        (
            "Allowed in Enterprise edition with any value, Essentials edition(Allowed values- 32), "
            "Basic edition(Allowed values- 0,32), Enterprise with Cloud Services edition.",
            {
                "editions": {
                    "BASIC": [0, 32],
                    "ENTERPRISE": None,
                    "ENTERPRISE_WITH_CLOUD_SERVICES": None,
                    "ESSENTIALS": [32],
                }
            },
        ),
        (
            "Allowed in Enterprise edition with any value, Basic edition with any value, "
            "Enterprise with Cloud Services edition.",
            {
                "editions": {
                    "BASIC": None,
                    "ENTERPRISE": None,
                    "ENTERPRISE_WITH_CLOUD_SERVICES": None,
                }
            },
        ),
        (
            "Allowed in Enterprise edition with any value, Essentials edition with any value, "
            "Basic edition with any value, Enterprise with Cloud Services edition.",
            {},
        ),
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
    with pytest.raises(UnknownApiVersion, match=r"'9\.9' must look like '22\.1\.4'"):
        load_schema("9.9")
    with pytest.raises(
        UnknownApiVersion, match=r"no Avi schema for API version 31\.1\.1: the newest .* 30\.2\.1"
    ):
        load_schema("31.1.1")


@pytest.mark.parametrize(
    ("version", "release", "body", "expected"),
    [
        # only in 30.2.1's Swagger: unknown to the 22.1.4 schema, too new for 22.1.6 requests
        ("22.1.4", "22.1.4", {"revoke_vip_route": True}, "is not a known field"),
        (
            "22.1.6",
            "30.2.1",
            {"revoke_vip_route": True},
            "is not in Avi API version 22.1.6 (introduced in 30.2.1); raise apiVersion or "
            "remove the field",
        ),
        ("30.2.1", "30.2.1", {"revoke_vip_route": True}, None),
    ],
)
def test_fields_newer_than_the_api_version_are_refused(version, release, body, expected):
    schema = load_schema(version)
    assert schema.release == release
    found = schema.validate("virtualservice", {"name": "vs", **body})
    assert [v.problem for v in found] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("version", "ok"),
    [("21.1.4", False), ("21.1.5", True), ("22.1.2", False), ("22.1.3", True), ("22.1.4", True)],
)
def test_a_back_ported_field_exists_from_its_patch_on_each_train(version, ok):
    """Pool.lb_algo_rr_per_se: "Field introduced in 21.1.5, 22.1.3." in the 22.1.4 Swagger."""
    found = load_schema(version).validate("pool", {"name": "p", "lb_algo_rr_per_se": True})
    assert (found == []) is ok, found


def test_defaults_of_fields_newer_than_the_api_version_are_not_filled():
    filled = load_schema("22.1.6").with_defaults("pool", {"name": "p"})
    assert "graceful_hm_down_disable_timeout" not in filled  # introduced in 30.2.1
    assert filled["lb_algorithm"] == "LB_ALGORITHM_LEAST_CONNECTIONS"


DSR_POOL = {"name": "p", "use_service_port": True, "lb_algorithm": "LB_ALGORITHM_CONSISTENT_HASH"}


@pytest.mark.parametrize("version", KNOWN_API_VERSIONS)
@pytest.mark.parametrize(
    ("edition", "obj_type", "body", "expected"),
    [
        ("ENTERPRISE", "networkprofile", DSR_NP, []),
        ("ENTERPRISE_18", "pool", DSR_POOL, []),
        (
            "ESSENTIALS",
            "networkprofile",
            DSR_NP,
            [
                Violation(
                    "profile.tcp_fast_path_profile.dsr_profile",
                    DSR_NP["profile"]["tcp_fast_path_profile"]["dsr_profile"],
                    "is not available in the Essentials edition",
                    "Enterprise, Enterprise with Cloud Services",
                )
            ],
        ),
        (
            "ESSENTIALS",
            "pool",
            DSR_POOL,
            [
                Violation(
                    "use_service_port", True, "is not allowed in the Essentials edition", "false"
                )
            ],
        ),
        ("BASIC", "pool", DSR_POOL, []),
    ],
)
def test_edition_violations_follow_the_swagger_prose(version, edition, obj_type, body, expected):
    assert load_schema(version).edition_violations(obj_type, body, edition) == expected


def test_edition_names_must_be_license_tiers(schema):
    with pytest.raises(ValueError, match=r"unknown Avi license tier 'GOLD'; known: ENTERPRISE"):
        schema.edition_violations("pool", {"name": "p"}, "GOLD")


def test_field_looks_up_nested_specs(schema):
    dsr = schema.field("networkprofile", "profile.udp_fast_path_profile.dsr_profile")
    assert dsr["def"] == "DsrProfile" and dsr["introduced"] == ["18.2.3"]
    assert schema.field("vsvip", "vip[0].placement_networks.subnet.mask")["type"] == "integer"
    assert schema.field("pool", "servers.nope") is None
    assert schema.field("pool", "name.deeper") is None


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
