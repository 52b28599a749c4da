"""The simulator's own reading of Avi's Swagger: the prose it parses, the derive tool, and the
committed data (checked against the Swagger folder when it is next to the project)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from avisim import derive_schema
from avisim.derive_schema import essentials_rule, field_spec
from avisim.schema import load_schema

REPO_ROOT = Path(__file__).resolve().parents[2]
SWAGGER = REPO_ROOT.parent / "shared" / "avi-swagger"

EDITIONS_ANY = (
    "Allowed in Enterprise edition with any value, Essentials, Basic, Enterprise with Cloud "
    "Services edition."
)


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        (
            {
                "type": "string",
                "default": "ENCAP_IPINIP",
                "description": "Encapsulation. Enum options - ENCAP_IPINIP, ENCAP_GRE. Field "
                f"introduced in 18.2.3. {EDITIONS_ANY}",
            },
            {
                "type": "string",
                "default": "ENCAP_IPINIP",
                "enum": ["ENCAP_IPINIP", "ENCAP_GRE"],
                "since": "18.2.3",
            },
        ),
        (
            {
                "type": "integer",
                "description": "Idle. Allowed values are 5-14400. Special values are 0 - "
                f"infinite. Unit is SEC. {EDITIONS_ANY}",
            },
            {"type": "integer", "min": 5, "max": 14400, "special": [0]},
        ),
        (
            {
                "type": "array",
                "items": {"type": "string"},
                "description": "Monitors. It is a reference to an object of type HealthMonitor. "
                f"Maximum of 50 items allowed. Field introduced in 17.2.12, 18.1.2. {EDITIONS_ANY}",
            },
            {
                "type": "array",
                "items": {"type": "string", "ref": "healthmonitor"},
                "max_items": 50,
                "since": ["17.2.12", "18.1.2"],
            },
        ),
        (
            {
                "$ref": "#/definitions/DsrProfile",
                "description": "DSR profile information. Field introduced in 18.2.3. Allowed in "
                "Enterprise edition with any value, Enterprise with Cloud Services edition.",
            },
            {"type": "object", "def": "DsrProfile", "since": "18.2.3", "essentials": False},
        ),
        (
            {
                "type": "boolean",
                "description": "Do not translate. Allowed in Enterprise edition with any value, "
                "Essentials edition(Allowed values- false), Basic, Enterprise with Cloud "
                "Services edition.",
            },
            {"type": "boolean", "essentials": [False]},
        ),
        (
            {
                "type": "string",
                "description": "Network profile. It is a reference to an object of type "
                f"NetworkProfile. {EDITIONS_ANY} Special default for Essentials edition is "
                "System-TCP-Fast-Path.",
            },
            {
                "type": "string",
                "ref": "networkprofile",
                "essentials_default": "System-TCP-Fast-Path",
            },
        ),
        (
            {
                "type": "integer",
                "default": 10,
                "description": "Ramp. Allowed in Enterprise edition with any value, Essentials "
                "edition(Allowed values- 0), Basic edition(Allowed values- 0), Enterprise with "
                "Cloud Services edition. Special default for Essentials edition is 0, Basic "
                "edition is 0, Enterprise is 10.",
            },
            {"type": "integer", "default": 10, "essentials": [0], "essentials_default": 0},
        ),
    ],
    ids=[
        "enum-since",
        "range-special",
        "ref-list",
        "enterprise-only",
        "essentials-values",
        "essentials-default-ref",
        "essentials-default-int",
    ],
)
def test_field_spec_reads_the_prose(prop, expected):
    assert field_spec(prop) == expected


@pytest.mark.parametrize(
    ("desc", "expected"),
    [
        ("No edition clause at all.", None),
        (EDITIONS_ANY, None),
        (
            "Allowed in Enterprise edition with any value, Essentials edition with any value, "
            "Basic edition with any value, Enterprise with Cloud Services edition.",
            None,
        ),
        (
            "Allowed in Enterprise edition with any value, Essentials edition(Allowed values- "
            "CLOUD_NONE,CLOUD_VCENTER), Basic edition(Allowed values- CLOUD_NONE,CLOUD_NSXT), "
            "Enterprise with Cloud Services edition.",
            ["CLOUD_NONE", "CLOUD_VCENTER"],
        ),
        (
            "Allowed in Enterprise edition with any value, Basic, Enterprise with Cloud "
            "Services edition.",
            False,
        ),
    ],
    ids=["none", "any", "any-explicit", "values", "not-essentials"],
)
def test_essentials_rule(desc, expected):
    assert essentials_rule(desc, "string") == expected


def _swagger_file(folder: Path, name: str, definitions: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps({"definitions": definitions}))


def _tiny_release(root: Path) -> Path:
    """A release folder with just enough definitions for every object type the tool wants."""
    release = root / "99.1.1"
    for definition in derive_schema.OBJECT_TYPES.values():
        _swagger_file(
            release,
            definition,
            {
                definition: {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "description": EDITIONS_ANY},
                        "shared": {"$ref": "#/definitions/Shared"},
                    },
                },
                "Shared": {"type": "object", "properties": {"x": {"type": "integer"}}},
            },
        )
    return release


def test_derive_writes_one_file_per_release_and_check_spots_staleness(tmp_path):
    source = tmp_path / "swagger"
    _tiny_release(source)
    out = tmp_path / "out"
    assert derive_schema.main([str(source), "--out", str(out)]) == 0
    document = json.loads((out / "avi-99.1.1.json").read_text())
    assert document["definitions"]["Pool"] == {
        "fields": {"name": {"type": "string"}, "shared": {"type": "object", "def": "Shared"}},
        "required": ["name"],
    }
    assert derive_schema.main([str(source), "--out", str(out), "--check"]) == 0
    (out / "avi-99.1.1.json").write_text("{}")
    assert derive_schema.main([str(source), "--out", str(out), "--check"]) == 1


def test_derive_refuses_conflicting_definitions(tmp_path):
    release = _tiny_release(tmp_path / "swagger")
    _swagger_file(release, "Zzz", {"Shared": {"type": "object", "properties": {}}})
    with pytest.raises(SystemExit, match="definition Shared differs"):
        derive_schema.derive(release, "99.1.1")


def test_derive_needs_release_folders(tmp_path):
    with pytest.raises(SystemExit, match="no release folders"):
        derive_schema.main([str(tmp_path)])


@pytest.mark.skipif(not SWAGGER.is_dir(), reason="the Avi Swagger folder (../shared) is absent")
def test_committed_schemas_match_the_swagger():
    assert derive_schema.main([str(SWAGGER), "--check"]) == 0


@pytest.mark.parametrize("release", ["22.1.4", "30.2.1"])
def test_committed_schemas_hold_the_swagger_facts(release):
    """Facts read by hand from both releases' Swagger text."""
    schema = load_schema(release)
    assert schema.ref_target("virtualservice", "pool_ref") == "pool"
    assert schema.ref_target("vsvip", "vip[0].ipam_network_subnet.network_ref") == "network"
    document = json.loads((Path(derive_schema.SCHEMA_DIR) / f"avi-{release}.json").read_text())
    defs = document["definitions"]
    dsr = defs["TCPFastPathProfile"]["fields"]["dsr_profile"]
    assert (dsr["since"], dsr["essentials"]) == ("18.2.3", False)
    assert defs["Pool"]["fields"]["use_service_port"]["essentials"] == [False]
    assert defs["DsrProfile"]["fields"]["dsr_encap_type"]["enum"] == ["ENCAP_IPINIP", "ENCAP_GRE"]
    newer = "graceful_hm_down_disable_timeout"
    if release == "30.2.1":
        assert defs["Pool"]["fields"][newer]["since"] == "30.2.1"
    else:
        assert newer not in defs["Pool"]["fields"]
