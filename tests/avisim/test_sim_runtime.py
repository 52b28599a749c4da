"""VS runtime and inventory: OPER_UP once enabled with an enabled pool holding an enabled server."""

from __future__ import annotations

import pytest
from simhelpers import create, dsr_vs


def test_dsr_service_comes_up_with_vip_summary_list(avisim, api, dsr_parts):
    dsr_parts()
    vs = create(api, "virtualservice", dsr_vs())
    runtime = api.get(f"virtualservice/{vs['uuid']}/runtime").json()
    assert runtime["oper_status"]["state"] == "OPER_UP"
    assert isinstance(runtime["vip_summary"], list)
    summary = runtime["vip_summary"][0]
    assert summary["vip_id"] == "0"
    assert summary["num_se_assigned"] >= 1 and summary["percent_ses_up"] == 100
    assert summary["ip_address"] == {"addr": "203.0.113.10", "type": "V4"}


def test_disabled_service_is_oper_disabled_without_an_se(api, dsr_parts):
    dsr_parts()
    vs = create(api, "virtualservice", dsr_vs(enabled=False))
    runtime = api.get(f"virtualservice/{vs['uuid']}/runtime").json()
    assert runtime["oper_status"]["state"] == "OPER_DISABLED"
    assert runtime["oper_status"]["reason"] == ["Virtual service is disabled"]
    assert runtime["vip_summary"][0]["num_se_assigned"] == 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"virtualservice": {"pool_ref": None}}, "Virtual service has no pool"),
        ({"pool": {"enabled": False}}, "Pool 'pool-dsr' is disabled"),
        ({"pool": {"servers": []}}, "Pool 'pool-dsr' has no enabled servers"),
        (
            {
                "pool": {
                    "servers": [{"ip": {"addr": "198.51.100.11", "type": "V4"}, "enabled": False}]
                }
            },
            "Pool 'pool-dsr' has no enabled servers",
        ),
    ],
)
def test_oper_down_with_a_reason(api, dsr_parts, change, reason):
    parts = dsr_parts()
    vs = create(api, "virtualservice", dsr_vs())
    for obj_type, fields in change.items():
        uuid = vs["uuid"] if obj_type == "virtualservice" else parts[obj_type]["uuid"]
        if None in fields.values():
            rsp = api.patch(f"{obj_type}/{uuid}", data={"delete": dict.fromkeys(fields)})
        else:
            rsp = api.patch(f"{obj_type}/{uuid}", data={"replace": fields})
        assert rsp.status_code == 200, rsp.text
    runtime = api.get(f"virtualservice/{vs['uuid']}/runtime").json()
    assert runtime["oper_status"]["state"] == "OPER_DOWN"
    assert runtime["oper_status"]["reason"] == [reason]


def test_inventory_lists_config_and_runtime(avisim, api, dsr_parts):
    dsr_parts()
    vs = create(api, "virtualservice", dsr_vs())
    create(api, "virtualservice", {"name": "other", "services": [{"port": 81}]})
    inv = api.get("virtualservice-inventory", params={"name": "vs-dsr"}).json()
    assert inv["count"] == 1
    entry = inv["results"][0]
    assert entry["uuid"] == vs["uuid"]
    assert entry["config"]["name"] == "vs-dsr"
    assert entry["runtime"]["oper_status"]["state"] == "OPER_UP"
    assert isinstance(entry["runtime"]["vip_summary"], list)
    assert entry["pools"] == [
        f"{avisim.url}/api/pool/{vs['pool_ref'].split('/')[-1].split('#')[0]}"
    ]
    one = api.get(f"virtualservice-inventory/{vs['uuid']}").json()
    assert one["uuid"] == vs["uuid"]
    counts = avisim.counters()
    assert counts["GET /api/virtualservice-inventory"] == 2


def test_runtime_of_unknown_vs_is_404(api):
    assert api.get("virtualservice/virtualservice-nope/runtime").status_code == 404


def test_slow_placement_reports_creating_for_n_polls_after_each_write(avisim, api, dsr_parts):
    dsr_parts()
    avisim.faults.update({"oper_up_after_polls": 2})
    vs = create(api, "virtualservice", dsr_vs())
    path = f"virtualservice/{vs['uuid']}/runtime"
    states = [api.get(path).json()["oper_status"]["state"] for _ in range(3)]
    assert states == ["OPER_CREATING", "OPER_CREATING", "OPER_UP"]
    api.patch(f"virtualservice/{vs['uuid']}", data={"replace": {"description": "changed"}})
    inventory = api.get("virtualservice-inventory", params={"name": "vs-dsr"}).json()
    assert inventory["results"][0]["runtime"]["oper_status"]["state"] == "OPER_CREATING"


def test_pool_runtime_detail_is_a_list(api, dsr_parts):
    parts = dsr_parts()
    detail = api.get(f"pool/{parts['pool']['uuid']}/runtime/detail").json()
    assert isinstance(detail, list)
    assert detail[0]["oper_status"]["state"] == "OPER_UP"
    assert detail[0]["num_servers_up"] == 2


def test_null_fields_are_not_stored(avisim, api, dsr_parts):
    dsr_parts()
    vs = create(api, "virtualservice", {**dsr_vs(), "description": None, "pool_ref": None})
    assert "description" not in vs and "pool_ref" not in vs
    runtime = api.get(f"virtualservice/{vs['uuid']}/runtime").json()
    assert runtime["oper_status"]["reason"] == ["Virtual service has no pool"]
