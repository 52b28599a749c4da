"""References in every accepted form, tenant scoping, and referential integrity on delete."""

from __future__ import annotations

import pytest
from simhelpers import create, error


@pytest.fixture
def hm(api):
    return create(api, "healthmonitor", {"name": "hm-web", "type": "HEALTH_MONITOR_TCP"})


REF_FORMS = {
    "by-name": lambda hm, base: "/api/healthmonitor?name=hm-web",
    "by-name-slash-tenant": lambda hm, base: "/api/healthmonitor/?name=hm-web&tenant=admin",
    "absolute-url-with-name": lambda hm, base: (
        f"https://avi.example/api/healthmonitor/{hm['uuid']}#hm-web"
    ),
    "relative-uuid": lambda hm, base: f"/api/healthmonitor/{hm['uuid']}",
    "as-returned": lambda hm, base: hm["url"],
}


@pytest.mark.parametrize("form", REF_FORMS)
def test_every_ref_form_resolves_to_the_canonical_ref(avisim, api, hm, form):
    ref = REF_FORMS[form](hm, avisim.url)
    pool = create(api, "pool", {"name": "p", "health_monitor_refs": [ref]})
    assert pool["health_monitor_refs"] == [f"{avisim.url}/api/healthmonitor/{hm['uuid']}#hm-web"]
    stored = avisim.controller.find("pool", "p")
    assert stored["health_monitor_refs"] == [f"/api/healthmonitor/{hm['uuid']}"]


def test_name_alias_fields(api):
    pool = create(api, "pool", {"name": "p"})
    vs = create(api, "virtualservice", {"name": "vs", "pool_name": "p", "services": [{"port": 80}]})
    assert vs["pool_ref"].endswith(f"/api/pool/{pool['uuid']}#p")
    assert "pool_name" not in vs


@pytest.mark.parametrize(
    ("ref", "fragment"),
    [
        ("/api/healthmonitor?name=nope", "health_monitor_refs[0]: cannot resolve"),
        ("/api/healthmonitor/healthmonitor-0000", "no healthmonitor with uuid"),
        ("/api/pool?name=p0", "refers to a pool, expected a healthmonitor"),
        ("hm-web", "is not a reference"),
        ("/api/healthmonitor/?tenant=admin", "names neither a uuid nor ?name="),
    ],
)
def test_unresolvable_or_mistyped_refs_are_400(api, hm, ref, fragment):
    create(api, "pool", {"name": "p0"})
    rsp = api.post("pool", data={"name": "p", "health_monitor_refs": [ref]})
    assert rsp.status_code == 400
    assert fragment in error(rsp)


def test_tenant_objects_are_invisible_from_other_tenants(api):
    create(api, "tenant", {"name": "t1"})
    create(api, "healthmonitor", {"name": "hm-t1", "type": "HEALTH_MONITOR_TCP"}, tenant="t1")
    assert api.get("healthmonitor", params={"name": "hm-t1"}).json()["count"] == 0
    rsp = api.post(
        "pool", data={"name": "p", "health_monitor_refs": ["/api/healthmonitor?name=hm-t1"]}
    )
    assert rsp.status_code == 400
    ok = api.post(
        "pool",
        data={"name": "p", "health_monitor_refs": ["/api/healthmonitor?name=hm-t1"]},
        tenant="t1",
    )
    assert ok.status_code == 201, ok.text


def test_system_objects_are_usable_from_every_tenant(api):
    create(api, "tenant", {"name": "t1"})
    assert api.get_object_by_name("healthmonitor", "System-TCP", tenant="t1") is not None
    pool = create(
        api,
        "pool",
        {"name": "p", "health_monitor_refs": ["/api/healthmonitor?name=System-TCP"]},
        tenant="t1",
    )
    assert pool["health_monitor_refs"][0].endswith("#System-TCP")


def test_delete_of_a_referred_object_names_the_referrers(api, hm):
    create(api, "pool", {"name": "p1", "health_monitor_refs": [hm["url"]]})
    create(api, "pool", {"name": "p2", "health_monitor_refs": [hm["url"]]})
    rsp = api.delete(f"healthmonitor/{hm['uuid']}")
    assert rsp.status_code == 400
    assert error(rsp) == "Cannot delete, object is referred by: [Pool p1, Pool p2]"


def test_reverse_index_follows_updates_and_deletes(api, hm):
    pool = create(api, "pool", {"name": "p", "health_monitor_refs": [hm["url"]]})
    api.put(f"pool/{pool['uuid']}", data={"name": "p"})
    assert api.delete(f"healthmonitor/{hm['uuid']}").status_code == 204
    hm2 = create(api, "healthmonitor", {"name": "hm2", "type": "HEALTH_MONITOR_TCP"})
    pool2 = create(api, "pool", {"name": "p2", "health_monitor_refs": [hm2["url"]]})
    assert api.delete(f"pool/{pool2['uuid']}").status_code == 204
    assert api.delete(f"healthmonitor/{hm2['uuid']}").status_code == 204


@pytest.mark.parametrize(
    ("obj_type", "name"),
    [
        ("networkprofile", "System-TCP-Proxy"),
        ("healthmonitor", "System-Ping"),
        ("applicationprofile", "System-L4-Application"),
        ("serviceenginegroup", "Default-Group"),
        ("cloud", "Default-Cloud"),
        ("vrfcontext", "global"),
        ("tenant", "admin"),
    ],
)
def test_system_objects_cannot_be_deleted(api, obj_type, name):
    obj = api.get_object_by_name(obj_type, name)
    rsp = api.delete(f"{obj_type}/{obj['uuid']}")
    assert rsp.status_code == 400
    assert "Cannot delete system default object" in error(rsp)


def test_refers_to_and_referred_by_filters(api, hm):
    pool = create(api, "pool", {"name": "p", "health_monitor_refs": [hm["url"]]})
    create(api, "pool", {"name": "other"})
    refers = api.get("pool", params={"refers_to": f"healthmonitor:{hm['uuid']}"}).json()
    assert [p["name"] for p in refers["results"]] == ["p"]
    by = api.get("healthmonitor", params={"referred_by": f"pool:{pool['uuid']}"}).json()
    assert [h["name"] for h in by["results"]] == ["hm-web"]
