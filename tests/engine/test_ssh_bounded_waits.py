"""Existing servers over SSH never hold `pulumi up` forever (real pulumi-command plugin).

pulumi-command bounds only the TCP connect of a dial (perDialTimeout); a host that accepts the
connection and never speaks, or a remote script that never ends, used to hang `up` until someone
killed it. Both must now fail after the configured wait, naming the server.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from engine_harness import PulumiProject, SimulatorProcess

pytestmark = pytest.mark.engine

# Generous against the waits below (a few seconds), short enough that a hang fails the test.
HANG = 120


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP listener that accepts connections and never sends a byte (a hung sshd)."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_a_host_that_accepts_but_never_speaks_fails_after_the_connect_timeout(
    project: PulumiProject,
    simulator: SimulatorProcess,
    make_config: Any,
    silent_port: int,
    tmp_path: Path,
) -> None:
    config = make_config()
    config["ssh"]["connectTimeout"] = 2
    for server in config["servers"]:
        server["ssh"]["port"] = silent_port
    project.write_config(config)

    started = time.monotonic()
    up = project.up(check=False, timeout=HANG)
    waited = time.monotonic() - started

    assert up.returncode != 0
    assert "avi-dsr: server web01: SSH at 127.0.0.1:" in up.output
    assert "sent no SSH banner: timed out after 2 s" in up.output
    assert waited < 60, f"took {waited:.0f} s"
    assert simulator.managed("pool") == [], "no pool may point at unconfigured servers"
    assert not list((tmp_path / "stage").rglob("60-avi-dsr.yaml")), "nothing applied"


def test_a_script_that_never_ends_is_stopped_after_the_command_timeout(
    project: PulumiProject, simulator: SimulatorProcess, make_config: Any, tmp_path: Path
) -> None:
    config = make_config(servers=("web01",))
    config["ssh"]["commandTimeout"] = 3
    project.write_config(config)
    # The apply script copies the new netplan file next to its final name; a FIFO there that
    # nobody reads blocks that copy forever, as a hung disk or NFS mount would.
    blocked = tmp_path / "stage" / "web01" / "etc" / "netplan" / "60-avi-dsr.yaml.avi-dsr-new"
    blocked.parent.mkdir(parents=True)
    os.mkfifo(blocked)

    started = time.monotonic()
    up = project.up(check=False, timeout=HANG)
    waited = time.monotonic() - started

    assert up.returncode != 0
    assert "avi-dsr: server web01: the apply script timed out after 3 s" in up.output
    assert waited < 60, f"took {waited:.0f} s"
    assert simulator.managed("pool") == []
    assert not (blocked.parent / "60-avi-dsr.yaml").exists(), "nothing installed"
