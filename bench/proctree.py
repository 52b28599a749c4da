"""Run a command; sample the memory and CPU of its whole process tree.

Why the tree: `pulumi` itself is one part of a run; the language host, the Python program and
every provider plugin are its children, and each holds its own copy of what it is sent. CPU
seconds per role (engine, program, our provider, ...) are the figure that survives a shared
machine: wall time stretches with other people's load, CPU time much less. Linux-only (reads
/proc); one sample every 100 ms (CPU of a process that lives less than that is missed by the
per-role split, not by the total, which comes from the kernel's rusage of waited children).
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Finished:
    returncode: int
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    cpu_by_role: dict[str, float] = field(default_factory=dict)
    output: str = ""


@dataclass(frozen=True)
class Proc:
    pid: int
    parent: int
    rss_kb: int
    cpu_ticks: int
    comm: str


def role_of(pid: int, comm: str) -> str:
    """Which part of a Pulumi run a process is, from its command line."""
    if comm == "pulumi":
        return "engine"
    if comm.startswith("pulumi-language"):  # comm is cut at 15 characters
        return "language host"
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        argv = []
    text = b" ".join(argv).decode(errors="replace")
    for marker, role in (
        ("pulumi-language-python-exec", "program"),
        ("avi_dsr.provider", "avi-dsr provider"),
        ("rpc_trace.py ours", "avi-dsr provider"),
        ("null_provider.py", "null provider"),
        ("rpc_trace.py null", "null provider"),
        ("pulumi-resource-command", "command provider"),
    ):
        if marker in text:
            return role
    return "other"


def processes() -> dict[int, Proc]:
    """Every process now (one pass over /proc)."""
    found: dict[int, Proc] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            statm = Path(f"/proc/{pid}/statm").read_text()
        except OSError:
            continue  # exited between the listing and the read
        # the command name may hold spaces and parentheses: the fields start after the last ")"
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[pid] = Proc(
            pid,
            int(fields[1]),
            int(statm.split()[1]) * PAGE_KB,
            int(fields[11]) + int(fields[12]),
            comm,
        )
    return found


def tree_of(root: int, everyone: dict[int, Proc]) -> list[Proc]:
    children: dict[int, list[int]] = {}
    for p in everyone.values():
        children.setdefault(p.parent, []).append(p.pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in everyone:
            out.append(everyone[pid])
        todo.extend(children.get(pid, ()))
    return out


def run_sampled(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    interval: float = 0.1,
) -> Finished:
    """Run to completion; wall time, peak tree RSS, CPU (total and per role), output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0
    last_ticks: dict[int, tuple[str, int]] = {}
    roles: dict[int, str] = {}
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            tree = tree_of(proc.pid, processes())
            peak = max(peak, sum(p.rss_kb for p in tree))
            for p in tree:
                if p.pid not in roles:
                    roles[p.pid] = role_of(p.pid, p.comm)  # once: argv is read per process
                last_ticks[p.pid] = (roles[p.pid], p.cpu_ticks)
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
        output += f"\n[bench: killed after {timeout:g} s]"
    seconds = time.monotonic() - started
    stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    by_role: dict[str, float] = {}
    for role, ticks in last_ticks.values():
        by_role[role] = by_role.get(role, 0.0) + ticks / TICKS
    return Finished(proc.returncode, seconds, peak / 1024, cpu, by_role, output)
