"""Scale benchmark: S services x M servers through the real engine, next to the engine's floor.

    .venv/bin/python bench/scale.py                 # 1x2 and 20x2 at 0 and 50 ms (~6 min)
    .venv/bin/python bench/scale.py --full          # adds 100x20 (~6 min more)
    .venv/bin/python bench/scale.py --full --settings engine-defaults   # (~30 min)
    .venv/bin/python bench/scale.py --shapes 20x2 --latency 50 --steps preview,up

Every pulumi run gets the environment `make up` gives such a stack (avi-dsr run-settings: no
per-step checkpoints, 64 steps at once), floor runs included; --settings engine-defaults
measures the plain engine instead.

For each shape (S services, each pooling all M existing servers, staged over a loopback sshd)
it runs, on a fresh stack: preview, create `up`, no-change `up`, `refresh`, a one-member change
(`up`), `destroy` — once through the real providers against the Avi simulator at each added
latency, and once through the floor: the same program and graph with every provider plugin
replaced by one that does nothing (bench/null_provider.py). Per step it prints the wall time,
the CPU seconds of the whole process tree (both as ratios to the floor; CPU is the figure a
shared machine disturbs least), the controller window (first request in to last reply out, from
the simulator's request log) and its ratio to the critical path, when the last server's apply
ended ("servers s", part of the create's critical path), the most requests in flight, the
requests and whether they keep the limits of bench/limits.py, the peak RSS of the `pulumi`
process tree and the state file size; then CPU seconds per process (engine, program, providers).

A table for people, not a timed test: the machine is shared, so note the load it prints. The
exit status is non-zero when a step fails or breaks its request limits.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "engine"))

from avi_dsr.checkpoints import run_settings
from avi_dsr.config import parse_stack
from controller_log import ControllerView, view_of
from engine_harness import (
    EngineMissing,
    PulumiProject,
    SimulatorProcess,
    SshServer,
    engine_environment,
)
from farm import farm_config, with_one_member_disabled
from floor import install_null_plugins, install_traced_provider
from limits import problems
from proctree import run_sampled

PASSWORD = "bench-password"
NOWHERE = "http://127.0.0.1:9"  # the floor's controller: its providers never connect
SE_ASSIGN_MS = 300  # the simulator's default time to place a VS on an SE (avisim.faults)
STEPS = ("preview", "up", "noop", "refresh", "change", "destroy")
# Round trips on the longest chain of dependent requests, one service: a step cannot end sooner.
#   up:      login -> preflight reads (independent: 1) -> HM -> pool -> VS, then SE placement;
#            the pool also waits for its servers (SSH applies, no round trips): when the last
#            one ends later than the HM, the chain runs from there (servers_ready)
#   refresh: login -> GET each object -> the VS's runtime
#   change:  login -> preflight -> PUT pool
#   destroy: login -> DELETE VS -> pool, VsVip, profile -> health monitor
CRITICAL_ROUND_TRIPS = {"up": 5, "refresh": 3, "change": 3, "destroy": 4}
BEFORE_POOL_ROUND_TRIPS = 3  # login, preflight, health monitor
STEP_TIMEOUT = 3600.0


@dataclass(frozen=True)
class Shape:
    services: int
    servers: int

    @classmethod
    def parse(cls, text: str) -> Shape:
        s, _, m = text.lower().partition("x")
        return cls(int(s), int(m))

    def __str__(self) -> str:
        return f"{self.services}x{self.servers}"


@dataclass
class Step:
    step: str
    seconds: float
    peak_rss_mb: float
    state_kb: float
    ok: bool
    cpu_seconds: float = 0.0
    cpu_by_role: dict[str, float] = field(default_factory=dict)
    servers_ready: float | None = None  # `up`: last server apply end, after the first request
    controller: ControllerView | None = None
    note: str = ""


@dataclass
class Case:
    shape: str
    mode: str  # "floor" or "ours"
    latency_ms: int | None
    load_before: float
    steps: dict[str, Step] = field(default_factory=dict)
    load_after: float = 0.0


def critical_path(step: str, latency_ms: int, servers_ready: float | None = None) -> float | None:
    """Seconds the step's controller window cannot beat (servers_ready: seconds from the first
    request to the end of the last server's apply, for `up`)."""
    trips = CRITICAL_ROUND_TRIPS.get(step)
    if trips is None:
        return None
    rtt = latency_ms / 1000
    if step != "up":
        return trips * rtt
    before_pool = max(BEFORE_POOL_ROUND_TRIPS * rtt, servers_ready or 0.0)
    return before_pool + (trips - BEFORE_POOL_ROUND_TRIPS) * rtt + SE_ASSIGN_MS / 1000


class Bench:
    def __init__(
        self,
        root: Path,
        env: dict[str, str],
        ssh: SshServer,
        steps: Sequence[str],
        engine_env: dict[str, str],
        up_args: Sequence[str],
        trace_dir: Path | None = None,
    ) -> None:
        self.root, self.env, self.ssh = root, env, ssh
        self.trace_dir = trace_dir
        self.steps = [s for s in STEPS if s in steps]
        self.engine_env = engine_env
        self.up_args = tuple(up_args)
        self._n = 0

    def project(self, controller_url: str, shape: Shape) -> tuple[PulumiProject, dict[str, Any]]:
        self._n += 1
        where = self.root / f"p{self._n}-{shape}"
        assert self.ssh.private_key_file is not None
        config = farm_config(
            controller_url,
            self.ssh.port,
            self.ssh.host_key,
            self.ssh.private_key_file,
            where / "stage",
            services=shape.services,
            servers=shape.servers,
        )
        proj = PulumiProject(where, self.env, config)
        proj.env.update(self.engine_env)
        proj.set_secret("controllerPassword", PASSWORD)
        return proj, config

    def run_case(self, shape: Shape, latency_ms: int | None) -> Case:
        """latency None: the floor (null providers, no controller)."""
        sim = None
        if latency_ms is not None:
            sim = SimulatorProcess(PASSWORD, "--latency-ms", str(latency_ms))
        case = Case(str(shape), "ours" if sim else "floor", latency_ms, os.getloadavg()[0])
        try:
            proj, config = self.project(sim.url if sim else NOWHERE, shape)
            trace = None
            if self.trace_dir is not None:
                trace = self.trace_dir / f"{shape}-{case.mode}-{latency_ms or 0}ms-rpcs.jsonl"
            if sim is None:
                install_null_plugins(proj.env, trace)
            elif trace is not None:
                install_traced_provider(proj.env, trace)
            for step in self.steps:
                if step == "change":
                    proj.write_config(with_one_member_disabled(config))
                case.steps[step] = self._step(proj, step, sim)
                if not case.steps[step].ok:
                    break
        finally:
            if sim is not None:
                sim.stop()
        case.load_after = os.getloadavg()[0]
        return case

    def _step(self, proj: PulumiProject, step: str, sim: SimulatorProcess | None) -> Step:
        args = {
            "preview": ("preview",),
            "up": ("up", "--yes", *self.up_args),
            "noop": ("up", "--yes", *self.up_args),
            "refresh": ("refresh", "--yes", "--skip-preview"),
            "change": ("up", "--yes", *self.up_args),
            "destroy": ("destroy", "--yes", "--skip-preview"),
        }[step]
        if sim is not None:
            sim.reset_counters()
        done = run_sampled(
            ["pulumi", "--non-interactive", *args, "--stack", proj.stack],
            cwd=proj.root,
            env=proj.env,
            timeout=STEP_TIMEOUT,
        )
        log = sim.request_log() if sim is not None else []
        view = view_of(log) if sim is not None else None
        ready = servers_ready(proj.root / "stage", log) if step == "up" and log else None
        note = "" if done.returncode == 0 else done.output[-3000:]
        if done.returncode != 0:
            print(f"[bench] {step} failed:\n{note}", file=sys.stderr)
        return Step(
            step=step,
            seconds=done.seconds,
            peak_rss_mb=done.peak_rss_mb,
            state_kb=state_kb(proj),
            ok=done.returncode == 0,
            cpu_seconds=done.cpu_seconds,
            cpu_by_role=done.cpu_by_role,
            servers_ready=ready,
            controller=view,
            note=note,
        )


def servers_ready(stage: Path, log: list[dict[str, Any]]) -> float | None:
    """When the last staged apply wrote its last file, in seconds after the first controller
    request (file times are wall-clock; the log is monotonic: one offset converts)."""
    api = [e for e in log if not str(e.get("path", "")).startswith("/_avisim")]
    files = [p for p in stage.rglob("*") if p.is_file()] if stage.is_dir() else []
    if not api or not files:
        return None
    offset = time.time() - time.monotonic()
    last = max(p.stat().st_mtime for p in files) - offset
    return max(0.0, last - min(float(e["start"]) for e in api))


def state_kb(proj: PulumiProject) -> float:
    files = list((proj.state_dir / ".pulumi" / "stacks").rglob(f"{proj.stack}.json*"))
    files = [f for f in files if not f.name.endswith(".bak")]
    return sum(f.stat().st_size for f in files) / 1024


# ------------------------------------------------------------------------------------ report


def median_case(runs: list[Case]) -> Case:
    """Per step, the run with the median wall time (the runs of one point, same settings)."""
    if len(runs) == 1:
        return runs[0]
    merged = Case(runs[0].shape, runs[0].mode, runs[0].latency_ms, runs[0].load_before)
    for step in runs[0].steps:
        got = sorted((r.steps[step] for r in runs if step in r.steps), key=lambda s: s.seconds)
        merged.steps[step] = got[len(got) // 2]
    merged.load_after = runs[-1].load_after
    return merged


def rows_for(case: Case, floor: Case | None) -> list[list[str]]:
    rows = []
    for name, step in case.steps.items():
        base = floor.steps.get(name) if floor and floor is not case else None
        view = step.controller
        crit = None
        if case.latency_ms is not None:
            crit = critical_path(name, case.latency_ms, step.servers_ready)
        window = ratio = flight = requests = ok = "-"
        if view is not None:
            requests = view.summary()
            found = problems(name, Shape.parse(case.shape).services, view)
            ok = "NO: " + "; ".join(found) if found else "yes"
            if view.requests:
                window = f"{view.window:.2f}"
                flight = str(view.peak_in_flight)
                ratio = f"{view.window / crit:.1f}x" if crit else "-"
        rows.append(
            [
                case.shape,
                case.mode if case.latency_ms is None else f"{case.latency_ms} ms",
                name if step.ok else f"{name} FAILED",
                f"{step.seconds:.1f}",
                f"{step.seconds / base.seconds:.2f}x" if base else "-",
                f"{step.cpu_seconds:.1f}",
                f"{step.cpu_seconds / base.cpu_seconds:.2f}x" if base and base.cpu_seconds else "-",
                window,
                ratio,
                "-" if step.servers_ready is None else f"{step.servers_ready:.2f}",
                flight,
                requests,
                f"{step.peak_rss_mb:.0f}",
                f"{step.state_kb:.0f}",
                ok,
            ]
        )
    return rows


HEADERS = [
    "SxM",
    "latency",
    "step",
    "wall s",
    "/floor",
    "CPU s",
    "/floor",
    "window s",
    "/crit",
    "servers s",
    "in flight",
    "requests",
    "RSS MB",
    "state KB",
    "requests ok",
]


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADERS)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*HEADERS))
    print(line.format(*("-" * w for w in widths)))
    for r in rows:
        print(line.format(*r))


ROLES = ("engine", "program", "avi-dsr provider", "command provider", "null provider")


def cpu_lines(cases: list[Case]) -> list[str]:
    """CPU seconds per role of each step: which process does the work."""
    lines = []
    for case in cases:
        mode = case.mode if case.latency_ms is None else f"{case.latency_ms} ms"
        for name, s in case.steps.items():
            parts = [f"{r} {s.cpu_by_role[r]:.1f}" for r in ROLES if s.cpu_by_role.get(r)]
            lines.append(f"  {case.shape:>7} {mode:>6} {name:<8} {', '.join(parts)}")
    return lines


def per_service_lines(cases: list[Case]) -> list[str]:
    """Wall seconds per service of each step, per shape and mode: flat means linear."""
    lines = []
    for case in cases:
        shape = Shape.parse(case.shape)
        mode = case.mode if case.latency_ms is None else f"{case.latency_ms} ms"
        per = ", ".join(
            f"{name} {s.seconds / shape.services:.2f}" for name, s in case.steps.items()
        )
        lines.append(f"  {case.shape:>7} {mode:>6}: {per}")
    return lines


def make_up_settings() -> dict[str, str]:
    """What `make up` exports for a farm of existing servers (the rule of avi_dsr.checkpoints,
    read from a 1x1 farm: the answer depends on the kind of servers, not on the size)."""
    config = farm_config(
        NOWHERE,
        22,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBench",
        Path("/k"),
        Path("/s"),
        services=1,
        servers=1,
    )
    exports, _why = run_settings(parse_stack(config), {})
    return exports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", default="1x2,20x2", help="SxM list (default 1x2,20x2)")
    parser.add_argument("--full", action="store_true", help="add 100x20 (about 25 min more)")
    parser.add_argument("--latency", default="0,50", help="added ms per request (default 0,50)")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"subset of {','.join(STEPS)}")
    parser.add_argument("--repeats", type=int, default=1, help="runs per point (median kept)")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor runs")
    parser.add_argument(
        "--engine-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for every pulumi run (experiments: PULUMI_SKIP_CHECKPOINTS=true)",
    )
    parser.add_argument(
        "--up-args", default="", help="extra `pulumi up` arguments, e.g. '--parallel 64'"
    )
    parser.add_argument(
        "--settings",
        choices=("make-up", "engine-defaults"),
        default="make-up",
        help="make-up (default): the environment `make up` gives this farm (avi-dsr "
        "run-settings); engine-defaults: the plain engine (checkpoint after every step, "
        "4 steps per CPU)",
    )
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    parser.add_argument(
        "--trace-rpcs",
        type=Path,
        metavar="DIR",
        help="time every provider RPC into DIR/<case>-rpcs.jsonl (bench/rpc_trace.py)",
    )
    args = parser.parse_args(argv)
    shapes = [Shape.parse(s) for s in args.shapes.split(",") if s]
    if args.full and Shape(100, 20) not in shapes:
        shapes.append(Shape(100, 20))
    latencies = [int(x) for x in args.latency.split(",") if x != ""]
    extra_env = make_up_settings() if args.settings == "make-up" else {}
    extra_env |= dict(kv.split("=", 1) for kv in args.engine_env)
    print(f"[bench] engine settings: {extra_env or 'engine defaults'}", file=sys.stderr)
    try:
        env = engine_environment()
    except EngineMissing as err:
        print(err, file=sys.stderr)
        return 2
    started = time.monotonic()
    cases: list[Case] = []
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="avi-dsr-scale-") as tmp:
        root = Path(tmp)
        ssh = SshServer(root / "sshd").start()
        try:
            if args.trace_rpcs:
                args.trace_rpcs.mkdir(parents=True, exist_ok=True)
            bench = Bench(
                root,
                env,
                ssh,
                args.steps.split(","),
                extra_env,
                args.up_args.split(),
                args.trace_rpcs,
            )
            for shape in shapes:
                floor = None
                if not args.no_floor:
                    floor = median_case([bench.run_case(shape, None) for _ in range(args.repeats)])
                    cases.append(floor)
                    rows += rows_for(floor, None)
                for latency in latencies:
                    ours = median_case(
                        [bench.run_case(shape, latency) for _ in range(args.repeats)]
                    )
                    cases.append(ours)
                    rows += rows_for(ours, floor)
                took = time.monotonic() - started
                print(f"[bench] {shape} done after {took:.0f} s", file=sys.stderr)
        finally:
            ssh.stop()
    print_table(rows)
    print("\nCPU seconds by process:")
    print("\n".join(cpu_lines(cases)))
    print("\nwall seconds per service:")
    print("\n".join(per_service_lines(cases)))
    loads = [c.load_before for c in cases] + [c.load_after for c in cases]
    print(
        f"\n{time.monotonic() - started:.0f} s in all; 1-min load average "
        f"{min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} CPUs; "
        f"critical path = round trips x latency (+{SE_ASSIGN_MS} ms SE placement for up)"
    )
    if args.json:
        args.json.write_text(json.dumps([asdict(c) for c in cases], indent=1, default=str))
    in_limits = all(
        not problems(name, Shape.parse(c.shape).services, s.controller)
        for c in cases
        for name, s in c.steps.items()
        if s.controller is not None
    )
    return 0 if in_limits and all(s.ok for c in cases for s in c.steps.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
