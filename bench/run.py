"""Request counts and converge time of the real `pulumi` runs against the Avi simulator.

    .venv/bin/python bench/run.py [--skip-preview] [--latency-ms 50] [--services 20]

Prints one table, measured vs limit. Not a test: numbers are for people (and for a regression
someone notices), and timings on a shared 2-core machine are noisy. Request counts come from the
simulator's counters (control calls excluded). Converge time is the window from the first
controller request to the last reply during a create `up` with the simulator's added latency
(seen by a timing proxy, so engine start-up does not count), divided by the critical path of
one service: login, then health monitor -> pool -> virtual service, 4 round trips. About 1x
means every request off that path ran in parallel.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "engine"))

from engine_harness import (
    EngineMissing,
    PulumiProject,
    SimulatorProcess,
    SshServer,
    engine_environment,
    stack_config,
)
from timing_proxy import TimingProxy

PASSWORD = "bench-password"
CRITICAL_PATH_ROUND_TRIPS = 4  # login + health monitor -> pool -> virtual service


@dataclass(frozen=True)
class Row:
    what: str
    measured: str
    limit: str
    ok: bool | None  # None: informational


def summarize(counters: dict[str, int]) -> str:
    """``1 login + 5 POST + 0 GET``-style text from simulator counters."""
    by_method: dict[str, int] = {}
    for key, n in counters.items():
        if key == "logins":
            continue
        method = key.split(" ", 1)[0]
        by_method[method] = by_method.get(method, 0) + n
    if not any(counters.values()):
        return "0 requests"
    parts = [f"{counters.get('logins', 0)} login"]
    parts += [f"{n} {method}" for method, n in sorted(by_method.items())]
    return " + ".join(parts)


def count(counters: dict[str, int], method: str | None = None) -> int:
    return sum(
        n
        for k, n in counters.items()
        if k != "logins" and (method is None or k.startswith(method + " "))
    )


def many_services(config: dict[str, Any], n: int) -> dict[str, Any]:
    """``n`` copies of the first service, each with its own name and VIP."""
    base = config["services"][0]
    config["services"] = [
        {**base, "name": f"svc{i:02d}", "vip": f"203.0.113.{10 + i}"} for i in range(n)
    ]
    return config


class Bench:
    def __init__(self, root: Path, env: dict[str, str], ssh: SshServer, skip_preview: bool) -> None:
        self.root, self.env, self.ssh = root, env, ssh
        self.up_args = ("--skip-preview",) if skip_preview else ()
        self._n = 0

    def project(
        self,
        sim: SimulatorProcess,
        edit: Callable[[dict], dict] = lambda c: c,
        **config_kwargs: Any,
    ) -> PulumiProject:
        self._n += 1
        where = self.root / f"p{self._n}"
        config = edit(stack_config(sim, self.ssh, where / "stage", **config_kwargs))
        proj = PulumiProject(where, self.env, config)
        proj.set_secret("controllerPassword", PASSWORD)
        return proj

    def counted(self, sim: SimulatorProcess, action: Callable[[], Any]) -> dict[str, int]:
        sim.reset_counters()
        action()
        return sim.counters()

    def request_rows(self) -> list[Row]:
        sim = SimulatorProcess(PASSWORD)
        try:
            proj = self.project(
                sim, servers=("web01", "web02", "web03"), service_servers=("web01", "web02")
            )
            create = self.counted(sim, lambda: proj.up(*self.up_args))
            noop = self.counted(sim, lambda: proj.up(*self.up_args))
            refresh = self.counted(sim, proj.refresh)
            objects = sum(n for k, n in create.items() if k.startswith("POST "))
            proj.write_config(
                stack_config(
                    sim, self.ssh, proj.root / "stage", servers=("web01", "web02", "web03")
                )
            )
            add = self.counted(sim, lambda: proj.up(*self.up_args))
            destroy = self.counted(sim, proj.destroy)
        finally:
            sim.stop()
        runs = [create, noop, refresh, add, destroy]
        return [
            Row(
                "create one service",
                summarize(create),
                "1 login + 5 POST",
                create.get("logins") == 1 and count(create, "POST") == 5 and count(create) == 5,
            ),
            Row("no-change up", summarize(noop), "0 requests", sum(noop.values()) == 0),
            Row(
                "refresh",
                summarize(refresh),
                f"1 login + {objects} GET (1 per object)",
                refresh.get("logins") == 1 and count(refresh) == count(refresh, "GET") == objects,
            ),
            Row(
                "add one server to the pool",
                summarize(add),
                "1 login + 1 PUT",
                add.get("logins") == 1 and count(add) == count(add, "PUT") == 1,
            ),
            Row(
                "destroy one service",
                summarize(destroy),
                "1 login + 5 DELETE",
                destroy.get("logins") == 1 and count(destroy) == count(destroy, "DELETE") == 5,
            ),
            Row(
                "logins per run (max)",
                str(max(r.get("logins", 0) for r in runs)),
                "1",
                max(r.get("logins", 0) for r in runs) <= 1,
            ),
        ]

    def converge_seconds(self, services: int, latency_ms: int) -> tuple[float, dict[str, int]]:
        """Controller-facing converge window of a create `up` (first request to last reply)."""
        sim = SimulatorProcess(PASSWORD, "--latency-ms", str(latency_ms))
        try:
            with TimingProxy(sim.url) as proxy:

                def through_proxy(config: dict[str, Any]) -> dict[str, Any]:
                    config["controller"]["address"] = proxy.url
                    return many_services(config, services)

                proj = self.project(sim, edit=through_proxy)
                proj.up(*self.up_args)
                window, counters = proxy.window_seconds(), sim.counters()
                proj.destroy()
                return window, counters
        finally:
            sim.stop()

    def converge_rows(self, latency_ms: int, counts: tuple[int, ...], repeats: int) -> list[Row]:
        critical = CRITICAL_PATH_ROUND_TRIPS * latency_ms / 1000
        rows = []
        for n in counts:
            runs = [self.converge_seconds(n, latency_ms) for _ in range(max(repeats, 1))]
            window, counters = min(runs, key=lambda run: run[0])
            rows.append(
                Row(
                    f"converge {n} service(s), +{latency_ms} ms/request",
                    f"{window:.2f} s = {window / critical:.1f}x critical path"
                    f" ({counters.get('logins', 0)} login, {count(counters)} requests)",
                    f"critical path {critical:.2f} s ({CRITICAL_PATH_ROUND_TRIPS} round trips)",
                    None,
                )
            )
        return rows


def print_table(rows: list[Row]) -> None:
    headers = ("measurement", "measured", "limit", "ok")
    cells = [
        (r.what, r.measured, r.limit, "-" if r.ok is None else ("yes" if r.ok else "NO"))
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*headers))
    print(line.format(*("-" * w for w in widths)))
    for c in cells:
        print(line.format(*c))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--skip-preview",
        action="store_true",
        help="run `pulumi up --skip-preview` (measure the update alone)",
    )
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--services", type=int, default=20, help="size of the large converge run")
    parser.add_argument(
        "--repeats", type=int, default=2, help="converge runs per point (best kept)"
    )
    args = parser.parse_args(argv)
    try:
        env = engine_environment()
    except EngineMissing as err:
        print(err, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="avi-dsr-bench-") as tmp:
        root = Path(tmp)
        ssh = SshServer(root / "sshd").start()
        try:
            bench = Bench(root, env, ssh, args.skip_preview)
            rows = bench.request_rows()
            rows += bench.converge_rows(args.latency_ms, (1, args.services), args.repeats)
        finally:
            ssh.stop()
    print_table(rows)
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
