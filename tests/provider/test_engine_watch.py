"""The provider plugin stops once its engine is gone: a `pulumi` killed with SIGKILL cannot stop
its plugins, and one left behind would serve nobody forever (and hold its HTTP sessions)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

# A stand-in engine: starts the plugin, waits for its handshake line (the port), then dies.
ENGINE = textwrap.dedent(
    """
    import subprocess, sys
    plugin = subprocess.Popen(
        [sys.executable, "-m", "avi_dsr.provider", "127.0.0.1:1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    port = plugin.stdout.readline().strip()
    print(plugin.pid, port.decode(), flush=True)
    """
)


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_the_provider_stops_when_its_engine_is_gone() -> None:
    engine = subprocess.run(
        [sys.executable, "-c", ENGINE], capture_output=True, text=True, timeout=60, check=True
    )
    pid, port = engine.stdout.split()
    assert port.isdigit(), "the plugin served (its handshake line is its port)"

    deadline = time.monotonic() + 15
    while running(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = running(int(pid))
    if alive:
        os.kill(int(pid), 9)
    assert not alive, "the plugin outlived its engine"
