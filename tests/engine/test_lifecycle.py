"""`pulumi up / refresh / destroy` of the real program against the simulator, under the engine."""

from __future__ import annotations

from typing import Any

import pytest
from engine_harness import AVI_TYPES, PulumiProject, SimulatorProcess

pytestmark = pytest.mark.engine

EXPECTED_NAMES = {
    "networkprofile": ["web-np"],
    "healthmonitor": ["web-hm"],
    "pool": ["web-pool"],
    "vsvip": ["web-vsvip"],
    "virtualservice": ["web-vs"],
}


def objects_by_type(sim: SimulatorProcess) -> dict[str, list[dict[str, Any]]]:
    """Objects the program made, by type."""
    return {t: sim.managed(t) for t in AVI_TYPES}


def only(sim: SimulatorProcess, obj_type: str) -> dict[str, Any]:
    found = objects_by_type(sim)[obj_type]
    assert len(found) == 1, f"expected one {obj_type}, found {[o.get('name') for o in found]}"
    return found[0]


def uuid_of(ref: str) -> str:
    """``https://host/api/pool/pool-1234#web-pool`` -> ``pool-1234``."""
    return ref.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def writes(counters: dict[str, int]) -> dict[str, int]:
    return {
        k: n
        for k, n in counters.items()
        if k.split(" ", 1)[0] in {"POST", "PUT", "PATCH", "DELETE"}
    }


def pool_addresses(pool: dict[str, Any]) -> list[str]:
    return sorted(s["ip"]["addr"] for s in pool.get("servers", []))


def test_up_creates_exactly_the_expected_objects(
    project: PulumiProject, simulator: SimulatorProcess
) -> None:
    project.up()

    assert {
        t: sorted(o["name"] for o in objs) for t, objs in objects_by_type(simulator).items()
    } == EXPECTED_NAMES
    assert writes(simulator.counters()) == {
        "POST /api/networkprofile": 1,
        "POST /api/healthmonitor": 1,
        "POST /api/pool": 1,
        "POST /api/vsvip": 1,
        "POST /api/virtualservice": 1,
    }

    np, hm, pool = (only(simulator, t) for t in ("networkprofile", "healthmonitor", "pool"))
    vsvip, vs = only(simulator, "vsvip"), only(simulator, "virtualservice")
    fast_path = np["profile"]["tcp_fast_path_profile"]
    assert np["profile"]["type"] == "PROTOCOL_TYPE_TCP_FAST_PATH"
    assert fast_path["dsr_profile"] == {"dsr_type": "DSR_TYPE_L3", "dsr_encap_type": "ENCAP_IPINIP"}
    assert (hm["type"], hm["monitor_port"]) == ("HEALTH_MONITOR_TCP", 80)
    assert pool["lb_algorithm"] == "LB_ALGORITHM_CONSISTENT_HASH"
    assert pool_addresses(pool) == ["198.51.100.11", "198.51.100.12"]
    assert [uuid_of(r) for r in pool["health_monitor_refs"]] == [hm["uuid"]]
    assert [v["ip_address"]["addr"] for v in vsvip["vip"]] == ["203.0.113.10"]
    assert [s["port"] for s in vs["services"]] == [80]
    assert uuid_of(vs["network_profile_ref"]) == np["uuid"]
    assert uuid_of(vs["pool_ref"]) == pool["uuid"]
    assert uuid_of(vs["vsvip_ref"]) == vsvip["uuid"]

    outputs = project.outputs()
    assert outputs["services"]["web"]["vsUuid"] == vs["uuid"]
    assert sorted(outputs["servers"]) == ["web01", "web02"]


def test_second_up_changes_nothing_and_sends_no_request(
    project: PulumiProject, simulator: SimulatorProcess
) -> None:
    project.up()
    simulator.reset_counters()

    result = project.up()
    preview = project.preview("--expect-no-changes")

    assert simulator.counters() == {}, "a no-change up must not talk to the controller at all"
    assert "unchanged" in result.stdout
    for verb in ("created", "updated", "deleted", "replaced"):
        assert f" {verb}" not in result.stdout.split("Resources:", 1)[-1]
    assert preview.returncode == 0


def test_refresh_finds_out_of_band_changes_and_up_repairs_them(
    project: PulumiProject, simulator: SimulatorProcess
) -> None:
    project.up()
    pool = only(simulator, "pool")
    vs = only(simulator, "virtualservice")
    api = simulator.api()
    edited = {**pool, "servers": pool["servers"][:1]}  # an operator drops a member by hand
    api.put(f"{simulator.url}/api/pool/{pool['uuid']}", json=edited, timeout=10).raise_for_status()
    api.delete(f"{simulator.url}/api/virtualservice/{vs['uuid']}", timeout=10).raise_for_status()

    project.refresh()
    drift = project.preview("--expect-no-changes", check=False)
    assert drift.returncode != 0, "after refresh the engine must know the state drifted"

    simulator.reset_counters()
    project.up()

    assert pool_addresses(only(simulator, "pool")) == ["198.51.100.11", "198.51.100.12"]
    repaired_vs = only(simulator, "virtualservice")
    assert uuid_of(repaired_vs["pool_ref"]) == pool["uuid"]
    assert writes(simulator.counters()) == {"PUT /api/pool": 1, "POST /api/virtualservice": 1}
    project.preview("--expect-no-changes")


def test_changing_pool_members_updates_the_pool_in_place_with_one_put(
    project: PulumiProject, simulator: SimulatorProcess, make_config: Any
) -> None:
    project.up()
    before = only(simulator, "pool")

    project.write_config(make_config(service_servers=("web01",)))
    simulator.reset_counters()
    project.up()

    after = only(simulator, "pool")
    assert after["uuid"] == before["uuid"]
    assert pool_addresses(after) == ["198.51.100.11"]
    assert writes(simulator.counters()) == {"PUT /api/pool": 1}


def test_destroy_leaves_nothing_and_deletes_in_dependency_order(
    project: PulumiProject, simulator: SimulatorProcess
) -> None:
    project.up()
    simulator.reset_counters()

    project.destroy()

    assert objects_by_type(simulator) == {t: [] for t in AVI_TYPES}
    deletes = [e["path"].split("/")[2] for e in simulator.request_log() if e["method"] == "DELETE"]
    assert sorted(deletes) == sorted(AVI_TYPES)
    position = {obj_type: deletes.index(obj_type) for obj_type in AVI_TYPES}
    for referrer, referred in [
        ("virtualservice", "vsvip"),
        ("virtualservice", "pool"),
        ("virtualservice", "networkprofile"),
        ("pool", "healthmonitor"),
    ]:
        assert position[referrer] < position[referred], f"{referrer} must go before {referred}"
    assert project.resource_types() in ([], ["pulumi:pulumi:Stack"])
