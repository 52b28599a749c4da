"""Subset compare and merge: data in, differing paths / merged body out."""

import pytest
from avi_dsr.avi.compare import differences, merge
from avi_dsr.avi.specs import POOL, VIRTUAL_SERVICE, VSVIP
from avi_dsr.avi.values import normalize_numbers, unknown_paths

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
P = "pool-6426d0be-1111-4222-8333-444455556666"

SERVERS = [
    {"ip": {"addr": "10.0.0.1", "type": "V4"}, "hostname": "10.0.0.1", "ratio": 1},
    {"ip": {"addr": "10.0.0.2", "type": "V4"}, "hostname": "10.0.0.2", "ratio": 1},
]

DIFF_CASES = {
    "extra server-side keys ignored": (
        POOL,
        {"name": "p", "lb_algorithm": "LB_ALGORITHM_CONSISTENT_HASH"},
        {"name": "p", "lb_algorithm": "LB_ALGORITHM_CONSISTENT_HASH", "enabled": True},
        [],
    ),
    "changed scalar": (
        POOL,
        {"name": "p", "enabled": False},
        {"name": "p", "enabled": True},
        ["enabled"],
    ),
    "int vs float from the wire": (
        POOL,
        {"default_server_port": 80.0},
        {"default_server_port": 80},
        [],
    ),
    "bool is not int": (POOL, {"enabled": 1}, {"enabled": True}, ["enabled"]),
    "keyed list, other order, filled hostname": (
        POOL,
        {"servers": [{"ip": {"addr": "10.0.0.2"}}, {"ip": {"addr": "10.0.0.1"}}]},
        {"servers": SERVERS},
        [],
    ),
    "keyed list, one server replaced": (
        POOL,
        {"servers": [{"ip": {"addr": "10.0.0.1"}}, {"ip": {"addr": "10.0.0.3"}}]},
        {"servers": SERVERS},
        ["servers[1]"],
    ),
    "list length differs": (
        POOL,
        {"servers": [{"ip": {"addr": "10.0.0.1"}}]},
        {"servers": SERVERS},
        ["servers"],
    ),
    "vip_id filled by controller, string vs int": (
        VSVIP,
        {"vip": [{"ip_address": {"addr": "1.2.3.4", "type": "V4"}}]},
        {"vip": [{"vip_id": "0", "ip_address": {"addr": "1.2.3.4", "type": "V4"}}]},
        [],
    ),
    "port_range_end filled by controller": (
        VIRTUAL_SERVICE,
        {"services": [{"port": 80}]},
        {"services": [{"port": 80, "port_range_end": 80, "enable_ssl": False}]},
        [],
    ),
    "ref by name vs uuid with known name": (
        VIRTUAL_SERVICE,
        {"pool_ref": "/api/pool?name=web"},
        {"pool_ref": f"/api/pool/{P}"},
        [],
    ),
    "controller-owned fields never compared": (
        POOL,
        {"name": "p", "uuid": "pool-x", "_last_modified": "1", "url": "u"},
        {"name": "p", "uuid": P, "_last_modified": "2", "url": "v"},
        [],
    ),
    "unknown during preview differs": (POOL, {"name": UNKNOWN}, {"name": "p"}, ["name"]),
    "missing in observed": (POOL, {"description": "d"}, {"name": "p"}, ["description"]),
}


@pytest.mark.parametrize(
    ("spec", "desired", "observed", "expected"), DIFF_CASES.values(), ids=DIFF_CASES
)
def test_differences(spec, desired, observed, expected):
    assert differences(desired, observed, spec, {P: "web"}) == expected


def test_merge_keeps_controller_fields_and_drops_removed_servers():
    observed = {
        "name": "p",
        "uuid": P,
        "_last_modified": "5",
        "servers": SERVERS,
        "cloud_ref": "/api/cloud/c",
    }
    desired = {"name": "p", "servers": [{"ip": {"addr": "10.0.0.2", "type": "V4"}, "ratio": 3}]}
    merged = merge(observed, desired, POOL)
    assert merged == {
        "name": "p",
        "uuid": P,
        "cloud_ref": "/api/cloud/c",
        "servers": [{"ip": {"addr": "10.0.0.2", "type": "V4"}, "hostname": "10.0.0.2", "ratio": 3}],
    }
    assert observed["servers"][1]["ratio"] == 1  # input untouched


def test_unknown_paths_and_numbers():
    body = {"a": UNKNOWN, "b": [{"c": UNKNOWN}, 1.0], "d": {"e": 2.5, "f": True}}
    assert list(unknown_paths(body)) == ["a", "b[0].c"]
    assert normalize_numbers(body)["b"][1] == 1 and isinstance(normalize_numbers(body)["b"][1], int)
    assert normalize_numbers(body)["d"] == {"e": 2.5, "f": True}
