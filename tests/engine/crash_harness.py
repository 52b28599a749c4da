"""Crash scenarios under the real engine: kill the `pulumi` CLI or the avi-dsr provider plugin
with SIGKILL right after the k-th write committed on the simulator, recover with what README
prescribes, and audit the controller against the stack's state.

Why a module of its own: the matrix runs many independent scenarios (each with its own simulator,
project and file backend), possibly several at once, and each must end in a verdict that names
every problem found, with the transcript, rather than stop at the first assertion.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine_harness import (
    AVI_TYPES,
    VENV,
    PulumiProject,
    RunResult,
    SimulatorProcess,
    SshServer,
    stack_config,
)

PROJECT = "avi-dsr"
SERVICES = (("web", 80), ("api", 443), ("dns", 8053))  # 3 services x 5 objects = 15 writes
WRITES_PER_CREATE = 5 * len(SERVICES)
AVI_CLASSES = ("NetworkProfile", "HealthMonitor", "Pool", "VsVip", "VirtualService")
AVI_TOKENS = {f"avi-dsr:avi:{name}" for name in AVI_CLASSES}
PROVIDER_MODULE = "avi_dsr.provider"
STOP_SECONDS = 120
USER_SEES_AFTER_KILL = re.compile(r"the stack is currently locked|: EOF")


def three_services(
    sim: SimulatorProcess,
    ssh: SshServer,
    stage_root: Path,
    *,
    tenant: str = "admin",
    first_vip: int = 10,
) -> dict[str, Any]:
    """The local stack's shape (tests/engine) with three TCP services on two servers."""
    config = stack_config(sim, ssh, stage_root)
    config["controller"]["tenant"] = tenant
    template = config["services"][0]
    config["services"] = [
        {**template, "name": name, "vip": f"203.0.113.{first_vip + i}", "ports": [port]}
        for i, (name, port) in enumerate(SERVICES)
    ]
    return config


def expected_names(services: Iterable[str] = tuple(n for n, _ in SERVICES)) -> set[tuple[str, str]]:
    """(type, name) of every Avi object the services make."""
    suffix = {
        "networkprofile": "np",
        "healthmonitor": "hm",
        "pool": "pool",
        "vsvip": "vsvip",
        "virtualservice": "vs",
    }
    return {(t, f"{name}-{suffix[t]}") for name in services for t in AVI_TYPES}


# ------------------------------------------------------------------------------- processes
def descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process below ``pid``."""
    children: dict[int, list[int]] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
        commands[int(entry.name)] = cmdline
    found: list[tuple[int, str]] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append((child, commands.get(child, "")))
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except OSError:
        return False


def kill_all(pids: Iterable[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def wait_gone(pids: Iterable[int], seconds: float) -> list[int]:
    """The pids still alive after ``seconds``."""
    deadline = time.monotonic() + seconds
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [p for p in left if alive(p)]
    return left


# ------------------------------------------------------------------------------------ audit
def owner_of(obj: Mapping[str, Any]) -> str | None:
    for marker in obj.get("markers") or ():
        if marker.get("key") == "pulumi-stack" and marker.get("values"):
            return str(marker["values"][0])
    return None


def controller_objects(sim: SimulatorProcess) -> list[tuple[str, dict[str, Any]]]:
    """(type, object) for every object of the types avi-dsr manages, every tenant."""
    return [(t, o) for t in AVI_TYPES for o in sim.managed(t)]


def audit(
    sim: SimulatorProcess, project: PulumiProject, expected: set[tuple[str, str]] | None = None
) -> list[str]:
    """Problems between the controller and the stack's state: orphans (objects whose markers
    name this stack but the state does not hold), duplicates (one name twice in a tenant),
    objects the state holds that are gone, and anything but the expected (type, name)s."""
    expected = expected_names() if expected is None else expected
    owner = f"{PROJECT}/{project.stack}"
    resources = project.export()["deployment"].get("resources") or []
    in_state = {r["id"]: r for r in resources if r.get("type") in AVI_TOKENS and r.get("id")}
    problems: list[str] = []
    mine = [(t, o) for t, o in controller_objects(sim) if owner_of(o) == owner]
    for obj_type, obj in mine:
        if obj["uuid"] not in in_state:
            problems.append(f"orphan: {obj_type} {obj['name']} ({obj['uuid']}) is not in the state")
    on_controller = {o["uuid"] for _, o in controller_objects(sim)}
    for uuid, resource in in_state.items():
        if uuid not in on_controller:
            problems.append(f"the state holds {resource['urn']} ({uuid}), gone from the controller")
    names = Counter((t, o.get("tenant_ref"), o["name"]) for t, o in controller_objects(sim))
    problems += [f"duplicate: {n} x {key}" for key, n in names.items() if n > 1]
    got = {(t, o["name"]) for t, o in mine}
    if got != expected:
        problems.append(f"objects of this stack: {sorted(got)}, expected {sorted(expected)}")
    if len(in_state) != len(expected):
        problems.append(f"the state holds {len(in_state)} Avi objects, expected {len(expected)}")
    return problems


def snapshot_other_stack(sim: SimulatorProcess, owner: str) -> dict[str, dict[str, Any]]:
    """Every object another stack owns, whole (uuid, fields, `_last_modified`, markers)."""
    return {o["uuid"]: o for _, o in controller_objects(sim) if owner_of(o) == owner}


# ----------------------------------------------------------------------------- the scenario
@dataclass
class Transcript:
    """What a scenario ran and saw, for the failure message."""

    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)

    def ran(self, what: str, result: RunResult) -> None:
        tail = "\n".join(result.output.strip().splitlines()[-25:])
        self.add(f"$ {what} -> {result.returncode}\n{tail}")

    def __str__(self) -> str:
        return "\n".join(self.lines)


def run_doctor(project: PulumiProject, *args: str) -> RunResult:
    """`avi-dsr doctor` as a user runs it: in the project directory, with pulumi's environment."""
    command = [str(VENV / "bin" / "avi-dsr"), "doctor", "--stack", project.stack, *args]
    done = subprocess.run(
        command,
        cwd=project.root,
        env=project.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return RunResult(tuple(command), done.returncode, done.stdout, done.stderr)


def provider_tracebacks(output: str) -> list[str]:
    """Python tracebacks from the avi-dsr provider: its code, or the gRPC servicer it is built
    on. The program's own, printed when the engine cancels it after a plugin died
    (KeyboardInterrupt or `context canceled` inside the Pulumi SDK), are upstream behaviour."""
    blocks = output.split("Traceback (most recent call last):")[1:]
    ours = ("avi_dsr", "provider_pb2_grpc", "_cygrpc/aio/server")
    return [block for block in blocks if any(mark in block for mark in ours)]


def kill_after_write(
    project: PulumiProject, sim: SimulatorProcess, k: int, target: str, log: Path
) -> list[str]:
    """`pulumi up`, SIGKILL to ``target`` ("cli" or "provider") once the k-th write committed
    and its reply is held; then the held reply's connection drops. Problems seen on the way."""
    sim.set_faults(hold_reply={"after_writes": k})
    proc = project.start("up", "--yes", "--skip-preview", log=log)
    problems: list[str] = []
    try:
        deadline = time.monotonic() + STOP_SECONDS
        while not sim.writes()["held"]:
            if proc.poll() is not None or time.monotonic() > deadline:
                return [f"the run ended (or stalled) before write {k} committed"]
            time.sleep(0.01)
        family = descendants(proc.pid)
        providers = [pid for pid, cmd in family if PROVIDER_MODULE in cmd]
        if len(providers) != 1:
            return [f"expected one avi-dsr provider process, found {family}"]
        os.kill(proc.pid if target == "cli" else providers[0], signal.SIGKILL)
        sim.release_writes("drop")
        proc.wait(timeout=STOP_SECONDS)
        if target == "cli":
            # the plugin notices its engine is gone and stops by itself
            left = wait_gone(providers, 15)
            problems += [f"the avi-dsr provider (pid {p}) outlived its engine" for p in left]
            # what the user sees next (`up`, `refresh` and `destroy` take the lock; `preview`
            # does not): the lock of the dead run, or a broken sidecar's EOF
            seen = project.refresh(check=False)
            if seen.returncode == 0 or not USER_SEES_AFTER_KILL.search(seen.output):
                problems.append(f"after the kill, `pulumi refresh` said: {seen.output[-600:]}")
        kill_all(pid for pid, _ in family)  # what is not ours (language host, command plugin)
        problems += [
            f"a traceback of the provider in the killed run's output: {block[-1500:]}"
            for block in provider_tracebacks(log.read_text(errors="replace"))
        ]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sim.set_faults(hold_reply=None)
    return problems


def recover_and_audit(
    project: PulumiProject,
    sim: SimulatorProcess,
    transcript: Transcript,
    *,
    target: str,
) -> list[str]:
    """README's recovery, nothing more, and the end-state checks: converged (a no-change `up`
    previews nothing and sends 0 requests), zero orphans, zero duplicates.

    A killed CLI: `avi-dsr doctor --fix`, then `pulumi up`. A killed provider: `pulumi up` (the
    engine survived and cleaned up after itself; `avi-dsr doctor` must find nothing to repair).
    """
    doctor = run_doctor(project, "--fix") if target == "cli" else run_doctor(project)
    transcript.ran(f"avi-dsr doctor{' --fix' if target == 'cli' else ''}", doctor)
    if doctor.returncode != 0:
        return ["avi-dsr doctor did not leave the stack usable"]
    if target != "cli" and "no broken sidecar, no stale lock" not in doctor.stdout:
        return ["after a killed provider, avi-dsr doctor found something to repair"]
    up = project.up(check=False)
    transcript.ran("pulumi up", up)
    if up.returncode != 0:
        return ["the recovery `pulumi up` failed"]
    return converged_problems(project, sim, transcript)


def converged_problems(
    project: PulumiProject,
    sim: SimulatorProcess,
    transcript: Transcript,
    expected: set[tuple[str, str]] | None = None,
) -> list[str]:
    """A further `up` previews no change and sends 0 requests; the audit finds nothing."""
    sim.reset_counters()
    again = project.up("--expect-no-changes", check=False)
    transcript.ran("pulumi up --expect-no-changes", again)
    problems = []
    if again.returncode != 0:
        problems.append("not converged: a further `up` previews changes")
    if sim.counters():
        problems.append(f"not converged: a no-change `up` sent {sim.counters()}")
    if "pending operations" in again.output:
        problems.append("the no-change `up` still warns about pending operations")
    return problems + audit(sim, project, expected)


def fresh_copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    return target
