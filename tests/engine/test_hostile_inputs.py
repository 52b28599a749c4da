"""Hostile inputs through the real engine: `pulumi preview` and `up` stop with one clean error
that names the key, nothing is created or applied, and the controller gets zero requests.

A few representative cases of the corpus (tests/inputs/corpus): the whole pipeline, from the
stack file the CLI reads to the language host, stops before the first registration.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from engine_harness import PulumiProject, SimulatorProcess

pytestmark = pytest.mark.engine

HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHnbDemdjlvUVRHxGx5gDqAyUdwVzJfMkCZcVNqGmTc4"


def base_config(sim: SimulatorProcess, stage: Path) -> dict[str, Any]:
    """Two existing servers in staged mode (never reached: every case stops before)."""
    return {
        "controller": {"address": sim.url, "username": "admin", "apiVersion": "22.1.4"},
        "servers": [
            {
                "name": name,
                "kind": "existing",
                "ipv4": f"198.51.100.{11 + i}/24",
                "gateway4": "198.51.100.1",
                "ssh": {"host": "127.0.0.1", "hostKey": HOST_KEY, "stageRoot": str(stage / name)},
            }
            for i, name in enumerate(("web01", "web02"))
        ],
        "services": [
            {
                "name": "web",
                "vip": "203.0.113.10",
                "ports": [80],
                "servers": ["web01", "web02"],
                "healthMonitor": {"type": "http", "path": "/healthz"},
            }
        ],
    }


@pytest.fixture
def hostile_project(
    engine_env: dict[str, str], simulator: SimulatorProcess, controller_password: str, tmp_path
) -> PulumiProject:
    project = PulumiProject(tmp_path / "project", engine_env, base_config(simulator, tmp_path))
    project.set_secret("controllerPassword", controller_password)
    project.set_secret("sshPrivateKey", "not-a-key: never used, every case stops before SSH")
    return project


def assert_stopped_cleanly(
    project: PulumiProject, sim: SimulatorProcess, expected: list[str]
) -> None:
    for result in (project.preview(check=False), project.up(check=False)):
        assert result.returncode != 0
        for text in expected:
            assert text in result.output, result.output[-3000:]
        assert "Traceback" not in result.output
        assert max(len(line) for line in result.output.splitlines()) < 600
    assert sim.counters() == {}, "no request may reach the controller"
    assert project.resource_types() in ([], ["pulumi:pulumi:Stack"]), "nothing may be created"


def test_stage_root_slash_stops_before_any_server_is_applied(
    hostile_project: PulumiProject, simulator: SimulatorProcess, tmp_path: Path
) -> None:
    """Issue 8: `stageRoot: /` passed the config, web01 was applied, then a traceback."""
    config = base_config(simulator, tmp_path)
    config["servers"][1]["ssh"]["stageRoot"] = "/"
    hostile_project.write_config(config)
    assert_stopped_cleanly(
        hostile_project,
        simulator,
        ["avi-dsr:servers[1].ssh.stageRoot: '/' would stage over the live system"],
    )
    assert not (tmp_path / "web01").exists(), "web01 must not have been staged either"


def test_name_with_a_trailing_newline_stops_the_run(
    hostile_project: PulumiProject, simulator: SimulatorProcess, tmp_path: Path
) -> None:
    config = base_config(simulator, tmp_path)
    config["services"][0]["name"] = "web\n"
    config["servers"][0]["name"] = "web01\n"
    config["services"][0]["servers"] = ["web01\n", "web02"]
    hostile_project.write_config(config)
    assert_stopped_cleanly(
        hostile_project,
        simulator,
        [
            "2 problems in the stack config",
            "avi-dsr:servers[0].name: contains a control character (newline, U+000A)",
            "avi-dsr:services[0].name: contains a control character (newline, U+000A)",
        ],
    )


def test_5000_ports_give_one_short_line(
    hostile_project: PulumiProject, simulator: SimulatorProcess, tmp_path: Path
) -> None:
    config = base_config(simulator, tmp_path)
    config["services"][0]["ports"] = list(range(1, 5001))
    hostile_project.write_config(config)
    assert_stopped_cleanly(
        hostile_project,
        simulator,
        ["avi-dsr:services[0].ports: has 5000 entries; at most 2048 are allowed"],
    )


COMPONENT_PROGRAM = """\
import pulumi
from avi_dsr.avi import AviConnectionArgs
from avi_dsr.config import HealthMonitorConfig, PortRange
from avi_dsr.payloads import PoolMember
from avi_dsr.pool import DsrPool, DsrPoolArgs

connection = AviConnectionArgs(
    controller={controller!r},
    username="admin",
    password=pulumi.Config("avi-dsr").require_secret("controllerPassword"),
    api_version="22.1.4",
)
DsrPool("web-pool", DsrPoolArgs(
    connection=connection,
    name=None,
    ports=[PortRange(80, 80)],
    members=[PoolMember("not-an-ip", "V4")],
    health_monitor=HealthMonitorConfig(type="http", path="/healthz\\r\\nHost: evil"),
    health_monitor_name="web-hm",
))
"""


def test_component_args_from_python_stop_before_registering(
    hostile_project: PulumiProject, simulator: SimulatorProcess
) -> None:
    """A program using the components directly: bad args are one clean error, no traceback."""
    program = COMPONENT_PROGRAM.format(controller=simulator.url)
    (hostile_project.root / "__main__.py").write_text(textwrap.dedent(program))
    assert_stopped_cleanly(
        hostile_project,
        simulator,
        [
            "DsrPool 'web-pool': 3 problems in its args:",
            "name: must be a non-empty string, got None",
            "members[0].address: must be an IPv4 address, got 'not-an-ip'",
            "health_monitor.path: contains a control character (carriage return, U+000D)",
        ],
    )
