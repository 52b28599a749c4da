"""The avi-dsr provider plugin under the real engine, used directly (not through the components):
`pulumi import` of an object made out of band, calls served many at once, clean errors."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from engine_harness import PulumiProject, SimulatorProcess

pytestmark = pytest.mark.engine

PROGRAM = """
import pulumi
from avi_dsr.avi import AviConnectionArgs, HealthMonitor, Provider

config = pulumi.Config("avi-dsr")
controller = config.require_object("controller")
avi = Provider(
    "ctrl",
    AviConnectionArgs(
        controller=controller["address"],
        username="admin",
        password=config.require_secret("controllerPassword"),
    ),
)
for name in config.require_object("services"):
    HealthMonitor(
        name,
        body={"name": name, "type": "HEALTH_MONITOR_TCP", "send_interval": 7},
        opts=pulumi.ResourceOptions(provider=avi),
    )
"""


def program_project(root: Path, env: dict[str, str], sim: SimulatorProcess, names: list[str]):
    project = PulumiProject(
        root, env, {"controller": {"address": sim.url}, "servers": [], "services": names}
    )
    (root / "__main__.py").write_text(textwrap.dedent(PROGRAM))
    project.set_secret("controllerPassword", sim.password)
    return project


def only_named(sim: SimulatorProcess, name: str) -> dict[str, Any]:
    found = [o for o in sim.managed("healthmonitor") if o["name"] == name]
    assert len(found) == 1, found
    return found[0]


def test_pulumi_import_adopts_an_object_made_out_of_band_and_the_next_up_sends_nothing(
    engine_env: dict[str, str], simulator: SimulatorProcess, tmp_path: Path
) -> None:
    api = simulator.api()
    made = api.post(
        f"{simulator.url}/api/healthmonitor",
        json={"name": "by-hand", "type": "HEALTH_MONITOR_TCP", "send_interval": 7},
        timeout=10,
    )
    assert made.status_code == 201, made.text
    uuid = made.json()["uuid"]

    project = program_project(tmp_path / "project", engine_env, simulator, [])
    project.up()  # the provider only
    provider_urn = next(
        r["urn"]
        for r in project.export()["deployment"]["resources"]
        if r["type"].startswith("pulumi:providers:avi-dsr")
    )
    imported = project.on_stack(
        "import",
        "avi-dsr:avi:HealthMonitor",
        "by-hand",
        uuid,
        "--provider",
        f"ctrl={provider_urn}",
        "--yes",
    )
    assert "= 1 imported" in imported.stdout
    # the code `pulumi import` prints comes from the plugin's schema through the real Python
    # language host: typed fields, and Avi's enum options in Python's style
    assert 'avi_dsr.avi.HealthMonitor("by-hand"' in imported.stdout
    assert "send_interval=7" in imported.stdout
    assert "type=avi_dsr.avi.HealthMonitorType.HEALTH_MONITOR_TCP" in imported.stdout

    project.write_config(
        {"controller": {"address": simulator.url}, "servers": [], "services": ["by-hand"]}
    )
    simulator.reset_counters()
    result = project.up()
    assert simulator.counters() == {}, "an imported object matching the program needs no request"
    assert "1 unchanged" in result.stdout or "unchanged" in result.stdout
    assert only_named(simulator, "by-hand")["uuid"] == uuid  # the very object, not a new one


def test_many_objects_are_created_with_calls_in_flight_at_once(
    engine_env: dict[str, str], simulator: SimulatorProcess, tmp_path: Path
) -> None:
    """The plugin serves calls concurrently: with latency, creates overlap on the controller
    (the dynamic-provider host ran at most 4 at once) and the login happens once."""
    simulator.set_faults(latency_ms=150)
    names = [f"hm-{i:02d}" for i in range(24)]
    project = program_project(tmp_path / "project", engine_env, simulator, names)
    project.up("--parallel", "64")
    log = [
        r for r in simulator.request_log() if r["method"] == "POST" and "healthmonitor" in r["path"]
    ]
    assert len(log) == len(names)
    assert simulator.counters().get("logins") == 1
    assert max_in_flight(simulator) >= 8


def max_in_flight(sim: SimulatorProcess) -> int:
    """Most requests the controller was serving at one moment (from the request log's times)."""
    events = []
    for entry in sim.request_log():
        if "start" in entry and "end" in entry:
            events += [(entry["start"], 1), (entry["end"], -1)]
    running = peak = 0
    for _, step in sorted(events):
        running += step
        peak = max(peak, running)
    return peak
