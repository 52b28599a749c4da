"""CRUD semantics through avisdk: status codes, refs with #name, PUT/PATCH, paging, 404/409."""

from __future__ import annotations

import re

import pytest
from simhelpers import create, error

UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def test_post_is_201_with_location_and_named_refs(avisim, api):
    rsp = api.post("healthmonitor", data={"name": "hm", "type": "HEALTH_MONITOR_TCP"})
    assert rsp.status_code == 201
    body = rsp.json()
    assert re.fullmatch(rf"healthmonitor-{UUID4}", body["uuid"])
    assert body["url"] == f"{avisim.url}/api/healthmonitor/{body['uuid']}#hm"
    assert rsp.headers["Location"] == f"{avisim.url}/api/healthmonitor/{body['uuid']}"
    assert body["tenant_ref"] == f"{avisim.url}/api/tenant/admin#admin"


def test_get_has_no_names_unless_include_name(avisim, api):
    uuid = create(api, "healthmonitor", {"name": "hm", "type": "HEALTH_MONITOR_TCP"})["uuid"]
    plain = api.get(f"healthmonitor/{uuid}").json()
    assert plain["url"] == f"{avisim.url}/api/healthmonitor/{uuid}"
    assert plain["tenant_ref"] == f"{avisim.url}/api/tenant/admin"
    named = api.get(f"healthmonitor/{uuid}", params={"include_name": "true"}).json()
    assert named["tenant_ref"].endswith("/api/tenant/admin#admin")


def test_force_uuid_with_slug(api):
    body = create(
        api,
        "healthmonitor",
        {"name": "hm", "type": "HEALTH_MONITOR_PING"},
        force_uuid="healthmonitor-fixed",
    )
    assert body["uuid"] == "healthmonitor-fixed"


def test_unknown_uuid_is_404_for_every_method(api):
    path = "pool/pool-00000000-0000-4000-8000-000000000000"
    assert api.get(path).status_code == 404
    assert api.put(path, data={"name": "x"}).status_code == 404
    assert api.patch(path, data={"replace": {"name": "x"}}).status_code == 404
    assert api.delete(path).status_code == 404


def test_unknown_object_type_is_404(api):
    assert api.get("nosuchtype").status_code == 404


@pytest.mark.parametrize(
    ("obj_type", "body", "message"),
    [
        ("pool", {"name": "dup"}, "Pool with this Name, Tenant ref and Cloud ref already exists."),
        (
            "healthmonitor",
            {"name": "dup", "type": "HEALTH_MONITOR_TCP"},
            "HealthMonitor with this Name and Tenant ref already exists.",
        ),
        ("tenant", {"name": "dup"}, "Tenant with this Name already exists."),
    ],
)
def test_duplicate_name_is_409(api, obj_type, body, message):
    create(api, obj_type, body)
    rsp = api.post(obj_type, data=body)
    assert rsp.status_code == 409
    assert error(rsp) == message


def test_same_name_in_another_tenant_is_fine(api):
    create(api, "tenant", {"name": "t1"})
    create(api, "pool", {"name": "web"})
    rsp = api.post("pool", data={"name": "web"}, tenant="t1")
    assert rsp.status_code == 201
    assert rsp.json()["tenant_ref"].endswith("#t1")
    assert api.get("pool", params={"name": "web"}).json()["count"] == 1
    assert api.get("pool", params={"name": "web"}, tenant="t1").json()["count"] == 1


def test_put_is_a_full_replace_with_defaults_refilled(api):
    pool = create(api, "pool", {"name": "p", "default_server_port": 8080, "enabled": False})
    first_modified = pool["_last_modified"]
    rsp = api.put(f"pool/{pool['uuid']}", data={"name": "p"})
    assert rsp.status_code == 200
    body = rsp.json()
    assert body["default_server_port"] == 80
    assert body["enabled"] is True
    assert body["url"].endswith("#p")
    assert int(body["_last_modified"]) > int(first_modified)


def test_put_may_send_back_what_get_returned(api):
    pool = create(
        api, "pool", {"name": "p", "servers": [{"ip": {"addr": "10.0.0.1", "type": "V4"}}]}
    )
    current = api.get(f"pool/{pool['uuid']}").json()
    current["default_server_port"] = 81
    rsp = api.put(f"pool/{pool['uuid']}", data=current)
    assert rsp.status_code == 200, rsp.text
    assert rsp.json()["default_server_port"] == 81


def test_put_cannot_take_another_objects_name(api):
    create(api, "pool", {"name": "a"})
    b = create(api, "pool", {"name": "b"})
    assert api.put(f"pool/{b['uuid']}", data={"name": "a"}).status_code == 409


SERVER_A = {"ip": {"addr": "10.0.0.1", "type": "V4"}}
SERVER_B = {"ip": {"addr": "10.0.0.2", "type": "V4"}}


@pytest.mark.parametrize(
    ("patch", "expected_addrs", "expected_port"),
    [
        ({"add": {"servers": [SERVER_B]}}, ["10.0.0.1", "10.0.0.2"], 80),
        ({"replace": {"servers": [SERVER_B]}}, ["10.0.0.2"], 80),
        ({"delete": {"servers": [SERVER_A]}}, [], 80),
        ({"replace": {"default_server_port": 8080}}, ["10.0.0.1"], 8080),
        ({"add": {"default_server_port": 8081}}, ["10.0.0.1"], 8081),
    ],
    ids=["add-list", "replace-list", "delete-list-entry", "replace-scalar", "add-scalar"],
)
def test_patch_operations(api, patch, expected_addrs, expected_port):
    pool = create(api, "pool", {"name": "p", "servers": [SERVER_A]})
    rsp = api.patch(f"pool/{pool['uuid']}", data=patch)
    assert rsp.status_code == 200, rsp.text
    body = rsp.json()
    assert [s["ip"]["addr"] for s in body["servers"]] == expected_addrs
    assert body["default_server_port"] == expected_port


def test_patch_delete_of_a_ref_in_any_form(api):
    hm = create(api, "healthmonitor", {"name": "hm", "type": "HEALTH_MONITOR_TCP"})
    pool = create(api, "pool", {"name": "p", "health_monitor_refs": [hm["url"]]})
    rsp = api.patch(
        f"pool/{pool['uuid']}",
        data={"delete": {"health_monitor_refs": ["/api/healthmonitor?name=hm"]}},
    )
    assert rsp.status_code == 200, rsp.text
    assert rsp.json()["health_monitor_refs"] == []
    assert api.delete(f"healthmonitor/{hm['uuid']}").status_code == 204  # no longer referred


@pytest.mark.parametrize(
    "patch", [{"merge": {"name": "x"}}, {"add": ["x"]}, []], ids=["bad-op", "bad-fields", "list"]
)
def test_bad_patch_body_is_400(api, patch):
    pool = create(api, "pool", {"name": "p"})
    assert api.patch(f"pool/{pool['uuid']}", data=patch).status_code == 400


def test_delete_is_204_then_404(api):
    pool = create(api, "pool", {"name": "p"})
    rsp = api.delete(f"pool/{pool['uuid']}")
    assert rsp.status_code == 204
    assert rsp.text == ""
    assert api.get(f"pool/{pool['uuid']}").status_code == 404


def test_list_name_filter_and_empty_result(api):
    create(api, "pool", {"name": "a"})
    create(api, "pool", {"name": "b"})
    assert api.get("pool").json()["count"] == 2
    found = api.get("pool", params={"name": "b"}).json()
    assert [p["name"] for p in found["results"]] == ["b"]
    assert api.get("pool", params={"name": "zzz"}).json() == {"count": 0, "results": []}
    assert api.get_object_by_name("pool", "zzz") is None
    assert api.get_object_by_name("pool", "a")["name"] == "a"


def test_paging_with_next_and_get_objects_iter(api):
    for i in range(7):
        create(api, "healthmonitor", {"name": f"hm{i}", "type": "HEALTH_MONITOR_TCP"})
    first = api.get("healthmonitor", params={"page_size": 5}).json()
    assert first["count"] == 13  # 6 System-* monitors + 7
    assert len(first["results"]) == 5
    assert "page=2" in first["next"]
    last = api.get("healthmonitor", params={"page_size": 5, "page": 3}).json()
    assert len(last["results"]) == 3 and "next" not in last
    names = [o["name"] for o in api.get_objects_iter("healthmonitor", params={"page_size": 4})]
    assert len(names) == 13 and len(set(names)) == 13


def test_fields_and_skip_default(api):
    create(api, "pool", {"name": "p", "default_server_port": 8080})
    only = api.get("pool", params={"name": "p", "fields": "default_server_port"}).json()["results"][
        0
    ]
    assert set(only) == {"name", "url", "uuid", "default_server_port"}
    skipped = api.get("pool", params={"name": "p", "skip_default": "true"}).json()["results"][0]
    assert skipped["default_server_port"] == 8080
    assert "lb_algorithm" not in skipped and "enabled" not in skipped
    full = api.get("pool", params={"name": "p"}).json()["results"][0]
    assert full["lb_algorithm"] == "LB_ALGORITHM_LEAST_CONNECTIONS"


def test_last_modified_is_a_microsecond_string_that_changes_on_every_write(api):
    pool = create(api, "pool", {"name": "p"})
    stamps = [pool["_last_modified"]]
    for port in (81, 82):
        stamps.append(
            api.patch(
                f"pool/{pool['uuid']}", data={"replace": {"default_server_port": port}}
            ).json()["_last_modified"]
        )
    assert all(s.isdigit() and len(s) == 16 for s in stamps)
    assert stamps == sorted(stamps) and len(set(stamps)) == 3


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (
            {"name": "p", "default_server_port": 70000},
            "default_server_port: 70000 must be between 1 and 65535",
        ),
        (
            {"name": "p", "lb_algorithm": "ROUND_ROBIN"},
            "lb_algorithm: 'ROUND_ROBIN' is not an allowed value",
        ),
        ({"name": "p", "servers": [{"port": 80}]}, "servers[0].ip is required"),
        ({"name": "p", "sever": []}, "sever: [] is not a known field (did you mean 'servers'?)"),
        ({"name": "p", "enabled": "yes"}, "enabled: 'yes' must be a boolean"),
        ({"default_server_port": 80}, "name is required"),
    ],
)
def test_schema_violations_are_400_naming_the_field(api, body, fragment):
    rsp = api.post("pool", data=body)
    assert rsp.status_code == 400
    assert fragment in error(rsp)


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b""], ids=["garbage", "list", "empty"])
def test_body_must_be_a_json_object(api, raw):
    assert api.post("pool", data=raw).status_code == 400


def test_system_objects_are_read_only_types_too(api):
    assert api.post("analyticsprofile", data={"name": "x"}).status_code == 405
    assert api.get_object_by_name("analyticsprofile", "System-Analytics-Profile") is not None
