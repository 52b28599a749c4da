"""Faults under the real engine: a wrong SSH host key stops before traffic, a flaky controller
still converges, and a re-run after a failure finishes the job without duplicates."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from engine_harness import AVI_TYPES, PulumiProject, SimulatorProcess

pytestmark = pytest.mark.engine


def assert_no_traceback_from_us(output: str) -> None:
    """Our failures are one line each. The one traceback we tolerate is the Python SDK's own race:
    when a step fails, the engine cancels registrations still in flight and the SDK reports each
    as an unhandled `Exception: context canceled` (upstream behaviour, not a provider error)."""
    for block in output.split("Traceback (most recent call last):")[1:]:
        assert "context canceled" in block, block
        assert "avi_dsr" not in block, block


def other_host_key(tmp_path: Path) -> str:
    key = tmp_path / "impostor"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    kind, body, *_ = (tmp_path / "impostor.pub").read_text().split()
    return f"{kind} {body}"


def test_wrong_host_key_stops_before_the_pool_sends_traffic(
    project: PulumiProject, simulator: SimulatorProcess, make_config: Any, tmp_path: Path
) -> None:
    config = make_config()
    impostor = other_host_key(tmp_path)
    for server in config["servers"]:
        server["ssh"]["hostKey"] = impostor
    project.write_config(config)

    up = project.up(check=False)

    assert up.returncode != 0
    assert "host key mismatch" in up.output
    assert_no_traceback_from_us(up.output)
    assert simulator.managed("pool") == [], "no pool may point at unconfigured servers"
    assert simulator.managed("virtualservice") == []
    assert not list((tmp_path / "stage").rglob("60-avi-dsr.yaml")), "nothing applied"


def test_flaky_controller_still_converges_without_duplicates(
    project: PulumiProject, simulator: SimulatorProcess
) -> None:
    # a 503 burst on creates, a POST whose reply is lost after the commit, and a session expiry
    simulator.set_faults(
        fail_5xx={"count": 2, "status": 503, "methods": ["POST"]},
        drop_after_commit={"count": 1, "methods": ["POST"], "path_prefix": "/api/pool"},
        unauthorized_after=3,
    )

    project.up()

    for obj_type in AVI_TYPES:
        assert len(simulator.managed(obj_type)) == 1, obj_type
    simulator.reset_counters()
    project.up()
    assert simulator.counters() == {}, "converged: a second up sends nothing"


def test_rerun_after_a_failed_up_finishes_the_job(
    project: PulumiProject, simulator: SimulatorProcess
) -> None:
    # the controller refuses every pool write: the first up fails part-way
    simulator.set_faults(fail_5xx={"count": 1000, "status": 500, "path_prefix": "/api/pool"})
    first = project.up(check=False)
    assert first.returncode != 0
    assert "pool 'web-pool'" in first.output
    assert_no_traceback_from_us(first.output)
    assert simulator.managed("pool") == []

    simulator.set_faults(fail_5xx={"count": 0})
    project.up()

    for obj_type in AVI_TYPES:
        assert len(simulator.managed(obj_type)) == 1, obj_type
