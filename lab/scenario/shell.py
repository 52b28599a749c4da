"""Command runner for the in-guest scenario: every command and its output goes to run.log, so the
evidence shows exactly what was done, in which namespace."""

from __future__ import annotations

import json
import shlex
import subprocess
import time

STARTED = time.monotonic()


class CommandFailed(RuntimeError):
    pass


def _argv(cmd: str | list[str], ns: str) -> list[str]:
    argv = shlex.split(cmd) if isinstance(cmd, str) else list(cmd)
    return ["ip", "netns", "exec", ns, *argv] if ns else argv


def run_logged(
    cmd: str | list[str],
    ns: str = "",
    quiet: bool = False,
    timeout: float = 60,
    stdin: str | None = None,
    shown: str = "",
) -> subprocess.CompletedProcess[str]:
    """Runs cmd (in netns ns, "" = root), logs it and its output; any exit status is returned.
    `shown` replaces the last argument in the log (a long script sent as one argument)."""
    argv = _argv(cmd, ns)
    started = time.monotonic()
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, check=False, input=stdin
    )
    took = time.monotonic() - started
    at = time.monotonic() - STARTED  # elapsed scenario time, so run.log shows where time goes
    logged = argv[4:] if ns else argv
    command = shlex.join(logged[:-1]) + " " + shown if shown else shlex.join(logged)
    print(f"{at:6.1f} [{ns or 'root'}] $ {command}  ({took:.1f}s rc={proc.returncode})")
    if not quiet and proc.stdout.strip():
        print("    " + proc.stdout.strip().replace("\n", "\n    "))
    if proc.stderr.strip():
        print("    stderr: " + proc.stderr.strip().replace("\n", "\n    "))
    return proc


def sh(
    cmd: str | list[str],
    ns: str = "",
    check: bool = True,
    quiet: bool = False,
    timeout: float = 60,
    stdin: str | None = None,
) -> str:
    """run_logged(), returning stdout; raises CommandFailed on a non-zero exit if check."""
    proc = run_logged(cmd, ns=ns, quiet=quiet, timeout=timeout, stdin=stdin)
    if check and proc.returncode != 0:
        raise CommandFailed(
            f"[{ns or 'root'}] {shlex.join(proc.args)} exited {proc.returncode}: {proc.stderr}"
        )
    return proc.stdout


def all_link_stats(ns: str) -> dict[str, dict[str, int]]:
    """rx/tx bytes and packets of every device in a namespace, in one command."""
    out = sh(["ip", "-s", "-j", "link", "show"], ns=ns, check=False, quiet=True)
    try:
        links = json.loads(out)
    except ValueError:
        return {}
    return {
        link["ifname"]: {
            "rx_bytes": link["stats64"]["rx"]["bytes"],
            "rx_packets": link["stats64"]["rx"]["packets"],
            "tx_bytes": link["stats64"]["tx"]["bytes"],
            "tx_packets": link["stats64"]["tx"]["packets"],
        }
        for link in links
        if "stats64" in link
    }


ZERO_STATS = {"rx_bytes": 0, "rx_packets": 0, "tx_bytes": 0, "tx_packets": 0}


def link_stats(ns: str, dev: str) -> dict[str, int]:
    """rx/tx bytes and packets of one device (zeros if it does not exist)."""
    return all_link_stats(ns).get(dev, ZERO_STATS)


def kernel_counters(ns: str) -> dict[str, int]:
    """All SNMP/netstat counters of a namespace (nstat -az), name -> absolute value."""
    out = sh(["nstat", "-az"], ns=ns, check=False, quiet=True)
    counters = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            counters[parts[0]] = int(parts[1])
    return counters


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {
        k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)
    }
