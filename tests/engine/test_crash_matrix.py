"""The crash matrix: for every k of a 3-service create (15 writes), SIGKILL the `pulumi` CLI
(with and without checkpoints), and separately the avi-dsr provider plugin, right after the k-th
write committed on the controller (its reply never arrives). README's recovery (CLI: `avi-dsr
doctor --fix`, then `pulumi up`; provider: `pulumi up`) must end in a converged stack with zero
orphans and zero duplicates, and never touch the objects another stack keeps under the same
names (stack `b`, in tenant `blue` of the same controller).

Scenarios are independent (own simulator, project, file backend) and run a few at a time
(AVI_DSR_CRASH_WORKERS, default 2) to keep CI time down. AVI_DSR_CRASH_KS="3,15" runs only those
k (for debugging one case; CI runs all).
"""

from __future__ import annotations

import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from crash_harness import (
    WRITES_PER_CREATE,
    Transcript,
    fresh_copy,
    kill_after_write,
    recover_and_audit,
    snapshot_other_stack,
    three_services,
)
from engine_harness import PulumiProject, SimulatorProcess, SshServer

pytestmark = [pytest.mark.engine, pytest.mark.timeout(1800)]

WORKERS = int(os.environ.get("AVI_DSR_CRASH_WORKERS", "2"))
KS = [int(k) for k in os.environ.get("AVI_DSR_CRASH_KS", "").split(",") if k.strip()] or list(
    range(1, WRITES_PER_CREATE + 1)
)
OTHER_TENANT = "blue"


@dataclass(frozen=True)
class OtherStack:
    """Stack `b`'s objects, deployed once by the real engine, as a simulator state file."""

    state_file: Path
    owner: str
    objects: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def other_stack(
    engine_env: dict[str, str], ssh_server: SshServer, tmp_path_factory: pytest.TempPathFactory
) -> OtherStack:
    root = tmp_path_factory.mktemp("stack-b")
    password = "b-pw-" + secrets.token_hex(8)
    state_file = root / "avisim.json"
    sim = SimulatorProcess(password, "--state-file", str(state_file))
    try:
        sim.api().post(f"{sim.url}/api/tenant", json={"name": OTHER_TENANT}).raise_for_status()
        config = three_services(sim, ssh_server, root / "stage", tenant=OTHER_TENANT, first_vip=20)
        project = PulumiProject(root / "project", engine_env, config, stack="b")
        project.set_secret("controllerPassword", password)
        project.up()
        objects = snapshot_other_stack(sim, "avi-dsr/b")
    finally:
        sim.stop()
    assert len(objects) == WRITES_PER_CREATE, "stack b made its 15 objects"
    return OtherStack(state_file, "avi-dsr/b", objects)


@dataclass(frozen=True)
class Verdict:
    target: str
    k: int
    problems: list[str]
    transcript: str

    def __str__(self) -> str:
        return f"kill {self.target} after write {self.k}: {self.problems}\n{self.transcript}"


def scenario(
    target: str,
    k: int,
    root: Path,
    env: dict[str, str],
    ssh: SshServer,
    other: OtherStack,
) -> Verdict:
    password = "crash-pw-" + secrets.token_hex(8)
    state_file = fresh_copy(other.state_file, root / "avisim.json")
    sim = SimulatorProcess(password, "--state-file", str(state_file))
    transcript = Transcript()
    try:
        project = PulumiProject(root / "project", env, three_services(sim, ssh, root / "stage"))
        project.set_secret("controllerPassword", password)
        log = root / "killed-up.log"
        problems = kill_after_write(project, sim, k, target, log)
        transcript.add(f"killed `pulumi up`:\n{log.read_text(errors='replace')[-2500:]}")
        if not problems:
            problems = recover_and_audit(project, sim, transcript, target=target)
        if snapshot_other_stack(sim, other.owner) != other.objects:
            problems.append("stack b's objects (same names, tenant blue) changed")
    except Exception as err:  # a harness failure is a verdict too, with what ran so far
        problems = [f"{type(err).__name__}: {err}"]
    finally:
        sim.stop()
    return Verdict(target, k, problems, str(transcript))


def run_matrix(
    target: str,
    base: Path,
    env: dict[str, str],
    ssh: SshServer,
    other: OtherStack,
) -> list[Verdict]:
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [
            pool.submit(scenario, target, k, base / f"k{k:02d}", env, ssh, other) for k in KS
        ]
        return [f.result() for f in futures]


@pytest.mark.parametrize(
    ("target", "checkpoints"),
    [("cli", True), ("provider", True), ("cli", False)],
    ids=["cli", "provider", "cli-without-checkpoints"],
)
def test_a_run_killed_after_any_write_recovers_without_orphans_or_duplicates(
    target: str,
    checkpoints: bool,
    engine_env: dict[str, str],
    ssh_server: SshServer,
    other_stack: OtherStack,
    tmp_path: Path,
) -> None:
    """Without checkpoints (PULUMI_SKIP_CHECKPOINTS, what `make up` sets for stacks without
    VMs: README, Benchmarks) a killed run leaves the state it started from, so every write it
    made is a lost create that the next `up` must find again by its ownership marker."""
    env = engine_env if checkpoints else {**engine_env, "PULUMI_SKIP_CHECKPOINTS": "true"}
    verdicts = run_matrix(target, tmp_path, env, ssh_server, other_stack)

    failed = [v for v in verdicts if v.problems]
    assert not failed, "\n\n".join(str(v) for v in failed)
    assert [v.k for v in verdicts] == KS
