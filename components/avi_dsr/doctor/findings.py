"""What a killed run leaves in a file backend, each with its safe repair (if there is one)."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .backend import BOOKKEEPING, Backend, shown

CHECKPOINT_SUFFIXES = (".json", ".json.gz")  # `.json.zst` needs a zstd reader: not looked at
# Resource types whose interrupted create leaves something Pulumi cannot find again by itself.
UNTRACKED_IF_INTERRUPTED = {
    "vsphere:index/virtualMachine:VirtualMachine": "a VM of that name may exist in vCenter",
}
REFRESH_TIMEOUT_SECONDS = 1800


@dataclass(frozen=True)
class Finding:
    """One thing the doctor found.

    blocking: every Pulumi command on the stack fails until it is repaired.
    repair:   the safe repair `--fix` applies, or None when only the user can decide.
    """

    what: str
    advice: str
    blocking: bool
    repair: Callable[[], None] | None = None
    runs_pulumi: bool = False  # the repair is a pulumi command: only once nothing blocks


class RepairFailed(Exception):
    """A repair that did not work; the message says what it ran and what came back."""


def examine(backend: Backend, stack: str | None, project_dir: Path) -> list[Finding]:
    """Every finding for the project's stacks (or one stack), file repairs before pulumi ones."""
    findings = [*broken_sidecars(backend), *lock_findings(backend, stack)]
    findings += pending_operation_findings(backend, stack, project_dir)
    return sorted(findings, key=lambda f: f.runs_pulumi)


def broken_sidecars(backend: Backend) -> Iterator[Finding]:
    """`.attrs` files that are not a JSON object: reading their blob fails with EOF."""
    for sidecar in sorted(backend.bookkeeping.rglob("*.attrs")):
        if _is_json_object(sidecar):
            continue
        blob = shown(backend, sidecar.with_suffix(""))
        state = "empty" if sidecar.stat().st_size == 0 else "cut short (not JSON)"
        seen = "failed to load checkpoint: EOF" if "/stacks/" in blob else f'read "{blob}": EOF'
        yield Finding(
            what=(
                f"{shown(backend, sidecar)} is {state}: a killed pulumi left it, and every "
                f'command that reads {blob} fails with `EOF` ("{seen}"); the data itself is '
                "intact"
            ),
            advice="run `avi-dsr doctor --fix` (it removes the broken sidecar, nothing else)",
            blocking=True,
            repair=_remover(sidecar),
        )


def lock_findings(backend: Backend, stack: str | None) -> Iterator[Finding]:
    locks = backend.bookkeeping / "locks"
    if not locks.is_dir():
        return
    for lock in sorted(locks.rglob("*.json")):
        project, stack_name = lock.parent.parent.name, lock.parent.name
        if stack and stack_name != stack:
            continue
        if backend.project and project not in (backend.project, "locks", BOOKKEEPING):
            continue
        yield _lock_finding(backend, lock, stack_name)


def _lock_finding(backend: Backend, lock: Path, stack: str) -> Finding:
    try:
        holder = json.loads(lock.read_text())
        pid, host = int(holder["pid"]), str(holder["hostname"])
        who = f"{holder.get('username', '?')}@{host} (pid {pid}) at {holder.get('timestamp', '?')}"
    except (OSError, ValueError, KeyError, TypeError):
        return Finding(
            what=f"stack {stack!r} is locked by {shown(backend, lock)}, which is unreadable",
            advice=f"if no pulumi run is in progress, run `pulumi cancel --yes --stack {stack}`",
            blocking=True,
        )
    if host != socket.gethostname():
        return Finding(
            what=f"stack {stack!r} is locked by a pulumi run on another machine: {who}",
            advice=(
                f"if that run has ended, run `pulumi cancel --yes --stack {stack}`; the doctor "
                "cannot see another machine's processes"
            ),
            blocking=True,
        )
    if _is_pulumi_process(pid):
        return Finding(
            what=f"stack {stack!r} is locked by a pulumi run in progress: {who}",
            advice="wait for it to end (it is alive), then run the command again",
            blocking=True,
        )
    return Finding(
        what=(
            f"stack {stack!r} is locked by a pulumi run that no longer exists: {who}; every "
            "command stops with 'the stack is currently locked'"
        ),
        advice=(
            "run `avi-dsr doctor --fix` (it removes this lock: what `pulumi cancel` does, which "
            "itself fails while a sidecar is broken)"
        ),
        blocking=True,
        repair=_remover(lock, lock.with_name(lock.name + ".attrs")),
    )


def pending_operation_findings(
    backend: Backend, stack: str | None, project_dir: Path
) -> Iterator[Finding]:
    for name, checkpoint in _checkpoints(backend, stack):
        deployment = _deployment(checkpoint)
        if deployment is None:
            yield Finding(
                what=f"stack {name!r}: {shown(backend, checkpoint)} could not be read",
                advice="repair the findings above first; if it stays unreadable, restore "
                f"{shown(backend, checkpoint)}.bak or a file under {BOOKKEEPING}/backups/",
                blocking=True,
            )
            continue
        creates = [
            op for op in deployment.get("pending_operations") or [] if op.get("type") == "creating"
        ]
        if creates:
            yield _pending_creates_finding(name, creates, project_dir)


def _pending_creates_finding(
    stack: str, creates: list[Mapping[str, Any]], project_dir: Path
) -> Finding:
    """Pulumi keeps an interrupted create in the state until someone clears it, and warns on
    every `up`. Ours are safe to clear: the next `up` creates the resource again, and the create
    finds the object the interrupted one made by its ownership markers (server apply scripts
    are idempotent). A VM is not: it would be made twice, so the user decides."""
    resources = [op.get("resource") or {} for op in creates]
    names = ", ".join(_short_urn(str(r.get("urn", "?"))) for r in resources)
    what = f"stack {stack!r}: {len(creates)} create(s) interrupted by a killed run: {names}"
    clear = f"pulumi refresh --clear-pending-creates --yes --stack {stack}"
    caveats = {
        UNTRACKED_IF_INTERRUPTED[str(r.get("type"))]
        for r in resources
        if str(r.get("type")) in UNTRACKED_IF_INTERRUPTED
    }
    if caveats:
        return Finding(
            what=what,
            advice=f"{'; '.join(sorted(caveats))} that the stack does not know: delete it there "
            f"(or `pulumi import` it), then run `{clear}` and `pulumi up`",
            blocking=False,
        )
    return Finding(
        what=what,
        advice=f"run `avi-dsr doctor --fix` (it runs `{clear}`), then `pulumi up`, which "
        "creates them again and takes over what they made by the objects' ownership markers",
        blocking=False,
        repair=_clearer(stack, project_dir),
        runs_pulumi=True,
    )


def _clearer(stack: str, project_dir: Path) -> Callable[[], None]:
    def clear() -> None:
        command = [
            "pulumi", "--non-interactive", "refresh", "--yes", "--skip-preview",
            "--clear-pending-creates", "--stack", stack,
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command,
                cwd=project_dir,
                capture_output=True,
                text=True,
                timeout=REFRESH_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            raise RepairFailed(f"`{' '.join(command[2:])}` did not run to the end: {err}") from None
        if done.returncode != 0:
            tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
            raise RepairFailed(f"`{' '.join(command[2:])}` failed: " + " / ".join(tail))

    return clear


def _checkpoints(backend: Backend, stack: str | None) -> Iterator[tuple[str, Path]]:
    stacks = backend.bookkeeping / "stacks"
    if backend.project:
        folders = [stacks / backend.project, stacks]
    else:  # no Pulumi.yaml here: every project's stacks
        folders = [stacks, *sorted(p for p in stacks.glob("*") if p.is_dir())]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            for suffix in CHECKPOINT_SUFFIXES:
                name = path.name.removesuffix(suffix)
                if path.name.endswith(suffix) and (stack is None or name == stack):
                    yield name, path


def _deployment(checkpoint: Path) -> dict[str, Any] | None:
    try:
        raw = checkpoint.read_bytes()
        text = gzip.decompress(raw) if checkpoint.name.endswith(".gz") else raw
        data = json.loads(text)
    except (OSError, ValueError, EOFError):
        return None
    latest = (data.get("checkpoint") or {}).get("latest") if isinstance(data, dict) else None
    return latest if isinstance(latest, dict) else {}


# ------------------------------------------------------------------------------------ helpers
def _is_json_object(path: Path) -> bool:
    try:
        return isinstance(json.loads(path.read_text() or "null"), dict)
    except (OSError, ValueError):
        return False


def _is_pulumi_process(pid: int) -> bool:
    """Alive and a pulumi CLI (a reused pid of another program does not hold the lock)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's: assume it is the run
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return True  # no /proc: alive is all we know
    return os.path.basename(argv0.decode(errors="replace")) == "pulumi"


def _short_urn(urn: str) -> str:
    """`urn:pulumi:s::p::a$b:m:Pool::web-pool` -> `web-pool (b:m:Pool)`."""
    parts = urn.split("::")
    if len(parts) < 4:
        return urn
    return f"{parts[-1]} ({parts[-2].split('$')[-1]})"


def _remover(*paths: Path) -> Callable[[], None]:
    def remove() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    return remove
