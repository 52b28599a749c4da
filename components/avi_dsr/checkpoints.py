"""Whether a stack may run without per-step checkpoints (``PULUMI_SKIP_CHECKPOINTS``).

Why it matters: the file backend rewrites the whole state after every step, one write at a
time, and every later step waits for it; at 100 services that is most of the engine's time
(README, Benchmarks). Without checkpoints the engine writes the state once, at the end. A run
that dies before the end leaves the state it started from, so whatever it made is forgotten:
Avi objects survive that (a lost create is found again by its ownership marker, tested by the
crash matrix), and so do existing servers (their apply and remove scripts are idempotent and
run again); a vSphere VM does not: nothing marks it as ours, so the next run would clone it a
second time. A preview writes no state at all.
"""

from __future__ import annotations

from collections.abc import Mapping

from avi_dsr.config import StackSpec

SKIP_CHECKPOINTS = "PULUMI_SKIP_CHECKPOINTS"
PARALLEL = "PULUMI_PARALLEL"
PARALLEL_STEPS = 64


def skips_checkpoints(environ: Mapping[str, str]) -> bool:
    """The engine's own reading of the flag: ``1`` or ``true`` (any case)."""
    flag = environ.get(SKIP_CHECKPOINTS, "")
    return flag == "1" or flag.lower() == "true"


def cloned_vms(stack: StackSpec) -> list[str]:
    """The servers this stack clones on vCenter: the creates that are not crash-safe."""
    return [s.name for s in stack.servers if s.kind == "vsphere"]


def unsafe_without_checkpoints(
    stack: StackSpec, environ: Mapping[str, str], dry_run: bool
) -> str | None:
    """Why this run must not go without checkpoints, or None when it may."""
    if dry_run or not skips_checkpoints(environ):
        return None
    vms = cloned_vms(stack)
    if not vms:
        return None
    flag = environ[SKIP_CHECKPOINTS]
    return (
        f"{SKIP_CHECKPOINTS}={flag} is set, but this stack creates vSphere VMs "
        f"({', '.join(vms)}): a run that stops before its end would forget the VMs it cloned "
        f"and the next run would clone them again. Unset {SKIP_CHECKPOINTS} for this stack "
        "(stacks of existing servers only may keep it: their creates are crash-safe)"
    )


def run_settings(stack: StackSpec, environ: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """What `make up` exports for this stack, and the line that tells the user why.

    Without VMs: no per-step checkpoints, and up to PARALLEL steps at once (the engine's default
    is 4 per CPU, which leaves a 50 ms controller mostly idle; the avi-dsr provider serves 64
    calls at once). With VMs neither: a vCenter clones a few VMs at a time anyway. A value the
    user set is kept as it is (the program still refuses an unsafe one)."""
    vms = cloned_vms(stack)
    if vms:
        return {}, f"checkpoints after every step: this stack clones VMs ({', '.join(vms)})"
    wanted = {SKIP_CHECKPOINTS: "true", PARALLEL: str(PARALLEL_STEPS)}
    exports = {name: value for name, value in wanted.items() if name not in environ}
    kept = [f"{name}={environ[name]}" for name in wanted if name in environ]
    why = (
        "no VMs in this stack, so every create is crash-safe: the state is written once, at "
        f"the end, and up to {PARALLEL_STEPS} steps run at once"
        if exports == wanted
        else f"{', '.join(kept)} kept as set"
        + (f"; {', '.join(f'{k}={v}' for k, v in exports.items())}" if exports else "")
    )
    return exports, why
