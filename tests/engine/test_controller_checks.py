"""What a real controller needs, checked under the engine: the preflight refuses before any write,
and `up` reports whether the virtual service came up, with the controller's own reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from engine_harness import PulumiProject, SimulatorProcess, SshServer, stack_config

pytestmark = pytest.mark.engine

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def writes(sim: SimulatorProcess) -> dict[str, int]:
    return {k: n for k, n in sim.counters().items() if k.split(" ")[0] in WRITES}


def project_on(
    sim: SimulatorProcess,
    ssh: SshServer,
    tmp_path: Path,
    env: dict[str, str],
    **controller: Any,
) -> PulumiProject:
    config = stack_config(sim, ssh, tmp_path / "stage")
    config["controller"].update(controller)
    config["services"][0]["waitForUpSeconds"] = 20
    project = PulumiProject(tmp_path / "project", env, config)
    project.set_secret("controllerPassword", sim.password)
    return project


@pytest.mark.parametrize(
    ("simulator_args", "controller", "expected"),
    [
        (("--license", "essentials"), {}, "licence"),
        (("--cloud-type", "nsxt"), {}, "CLOUD_NSXT"),
        ((), {"apiVersion": "30.2.1"}, "30.2.1 is newer than the controller (22.1.4)"),
    ],
    ids=["essentials-edition", "nsx-t-cloud", "api-version-newer-than-controller"],
)
def test_the_preflight_refuses_before_any_write(
    engine_env: dict[str, str],
    ssh_server: SshServer,
    tmp_path: Path,
    simulator_args: tuple[str, ...],
    controller: dict[str, Any],
    expected: str,
) -> None:
    sim = SimulatorProcess("preflight-pw", *simulator_args)
    try:
        project = project_on(sim, ssh_server, tmp_path, engine_env, **controller)
        result = project.up(check=False)
        assert result.returncode != 0
        assert "preflight refused (nothing was written)" in result.output
        assert expected in result.output
        assert "Traceback" not in result.output
        assert writes(sim) == {}, "a refused preflight sends no write"
        gets = {k: n for k, n in sim.counters().items() if k.startswith("GET")}
        assert all(n == 1 for n in gets.values()), f"one GET per fact per run: {gets}"
    finally:
        sim.stop()


def test_up_reports_oper_up(
    engine_env: dict[str, str], ssh_server: SshServer, tmp_path: Path
) -> None:
    sim = SimulatorProcess("oper-pw")
    try:
        project = project_on(sim, ssh_server, tmp_path, engine_env)
        project.up()
        assert project.outputs()["services"]["web"]["operStatus"] == "OPER_UP"
    finally:
        sim.stop()


def test_a_vip_no_network_holds_fails_with_the_controllers_reason_then_converges(
    engine_env: dict[str, str], ssh_server: SshServer, tmp_path: Path
) -> None:
    """A fresh controller without the VIP's network: the VS stays down, `up` says why (the
    controller's words) and keeps the VS; once the network exists the next `up` converges
    without creating anything again."""
    sim = SimulatorProcess("down-pw", "--network", "server-network=198.51.100.0/24")
    try:
        project = project_on(sim, ssh_server, tmp_path, engine_env)
        failed = project.up(check=False)
        assert failed.returncode != 0
        assert "not up after 20 s" in failed.output
        assert "No network/subnet matched" in failed.output
        assert "virtualservice" in {
            r["type"].rsplit(":", 1)[-1].lower()
            for r in project.export()["deployment"]["resources"]
        }
        api = sim.api()
        made = api.post(
            f"{sim.url}/api/network",
            json={
                "name": "vip-network",
                "configured_subnets": [
                    {"prefix": {"ip_addr": {"addr": "203.0.113.0", "type": "V4"}, "mask": 24}}
                ],
            },
            timeout=10,
        )
        assert made.status_code == 201, made.text
        sim.reset_counters()
        project.up()
        assert not [k for k in sim.counters() if k.startswith("POST /api/")], "nothing re-made"
        assert project.outputs()["services"]["web"]["operStatus"] == "OPER_UP"
    finally:
        sim.stop()
