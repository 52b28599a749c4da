"""Ordinary controller trouble around a committed write, under the real engine: a restart right
after the commit, a reply slower than the client's read timeout, a clock 10 minutes off; and two
stacks with the same names where the second one's POST gets a 503. Each ends converged with one
object per name, or (the other stack's objects) refused and untouched."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from crash_harness import (
    STOP_SECONDS,
    Transcript,
    controller_objects,
    converged_problems,
    expected_names,
    snapshot_other_stack,
)
from engine_harness import PulumiProject, SimulatorProcess
from test_engine_faults import assert_no_traceback_from_us

pytestmark = pytest.mark.engine

WEB = expected_names(["web"])


def posts_to(sim: SimulatorProcess, path: str, settle_seconds: float = 0) -> int:
    """POSTs to ``path`` in the request log. A delayed reply is logged once it went out, so
    wait up to ``settle_seconds`` for the first one."""
    deadline = time.monotonic() + settle_seconds
    while True:
        n = sum(1 for r in sim.request_log() if r["method"] == "POST" and r["path"] == path)
        if n or time.monotonic() >= deadline:
            return n
        time.sleep(0.2)


@pytest.mark.parametrize("k", [1, 5])
def test_a_controller_restart_right_after_a_commit_converges_in_the_same_up(
    k: int, project: PulumiProject, simulator: SimulatorProcess, tmp_path: Path
) -> None:
    """The k-th write commits, then the controller restarts before replying (sessions and
    connections dropped, port closed for 5 s): the run waits it out and finds the object."""
    simulator.set_faults(hold_reply={"after_writes": k})
    run = project.start("up", "--yes", "--skip-preview", log=tmp_path / "up.log")
    deadline = time.monotonic() + STOP_SECONDS
    while not simulator.writes()["held"]:
        assert run.poll() is None and time.monotonic() < deadline, "no write was held"
        time.sleep(0.01)
    simulator.restart(down_seconds=5)

    assert run.wait(timeout=STOP_SECONDS) == 0, (tmp_path / "up.log").read_text()[-4000:]
    assert converged_problems(project, simulator, Transcript(), WEB) == []


def test_a_reply_slower_than_the_read_timeout_is_found_not_sent_again(
    project: PulumiProject, simulator: SimulatorProcess, make_config: Any
) -> None:
    """The pool POST commits and its reply comes after the client gave up (readTimeout 2 s)."""
    config = make_config()
    config["controller"]["readTimeout"] = 2
    project.write_config(config)
    simulator.set_faults(
        latency_after_commit={
            "ms": 6000,
            "count": 1,
            "methods": ["POST"],
            "path_prefix": "/api/pool",
        }
    )

    project.up()

    assert posts_to(simulator, "/api/pool", settle_seconds=15) == 1, "never re-POSTed"
    assert converged_problems(project, simulator, Transcript(), WEB) == []


@pytest.mark.parametrize("offset", [-600, 600])
def test_a_controller_clock_10_minutes_off_does_not_decide_ownership(
    offset: int, project: PulumiProject, simulator: SimulatorProcess
) -> None:
    """A lost reply is reconciled by the object's markers, whatever its `_last_modified` says."""
    simulator.set_faults(
        clock_offset_seconds=offset,
        drop_after_commit={"count": 1, "methods": ["POST"], "path_prefix": "/api/virtualservice"},
    )

    project.up()

    assert posts_to(simulator, "/api/virtualservice") == 1
    assert converged_problems(project, simulator, Transcript(), WEB) == []


def test_a_503_never_lets_a_second_stack_take_the_first_stacks_objects(
    project: PulumiProject,
    simulator: SimulatorProcess,
    make_config: Any,
    controller_password: str,
    engine_env: dict[str, str],
) -> None:
    """Stacks `test` and `b` use the same names on one controller. `b`'s first POST gets a 503:
    it finds `test`'s object by name, and its markers make `b` stop instead of recording it."""
    project.up()
    owner = f"avi-dsr/{project.stack}"
    before = snapshot_other_stack(simulator, owner)
    config = make_config()
    for server in config["servers"]:  # its own staged servers: only the Avi names collide
        server["ssh"]["stageRoot"] += "-b"
    second = PulumiProject(project.root, engine_env, config, stack="b")
    second.set_secret("controllerPassword", controller_password)
    simulator.set_faults(fail_5xx={"count": 1, "status": 503, "methods": ["POST"]})
    simulator.reset_counters()

    up = second.up(check=False)

    assert up.returncode != 0
    assert f"its ownership markers say stack '{owner}' manages it" in up.output
    assert_no_traceback_from_us(up.output)
    assert not [k for k in simulator.counters() if k.split()[0] in ("PUT", "PATCH", "DELETE")]
    assert not [
        r for r in second.export()["deployment"].get("resources") or [] if "avi:" in r["type"]
    ]
    assert snapshot_other_stack(simulator, owner) == before

    second.destroy()
    assert snapshot_other_stack(simulator, owner) == before
    assert len(controller_objects(simulator)) == len(WEB), "no object of b's anywhere"
    assert converged_problems(project, simulator, Transcript(), WEB) == []
