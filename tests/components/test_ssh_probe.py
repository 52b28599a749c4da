"""The SSH banner check that runs before every apply and remove: bounded, and clear about why."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
from avi_dsr.ssh_probe import INTERPRETER, render_ssh_probe


def run_probe(port: int, *, seconds: int = 1, attempts: int = 2) -> tuple[int, str, float]:
    program = render_ssh_probe(
        name="web01", host="127.0.0.1", port=port, seconds=seconds, attempts=attempts
    )
    started = time.monotonic()
    done = subprocess.run(
        [*INTERPRETER, program], capture_output=True, text=True, timeout=30, check=False
    )
    return done.returncode, done.stderr, time.monotonic() - started


@pytest.fixture
def server() -> Iterator[tuple[socket.socket, list[tuple[bytes, bool]]]]:
    """A loopback listener; each accepted connection is sent the next ``(payload, close)`` of
    ``greetings``, then closed if ``close``; with no greeting left it is held open, silent."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    greetings: list[tuple[bytes, bool]] = []
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(conn)
            if greetings:
                payload, close = greetings.pop(0)
                conn.sendall(payload)
                if close:
                    conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener, greetings
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_a_host_sending_an_ssh_banner_passes(server):
    listener, greetings = server
    greetings.append((b"SSH-2.0-OpenSSH_9.2\r\n", False))
    code, err, _ = run_probe(listener.getsockname()[1])
    assert (code, err) == (0, "")


def test_lines_before_the_banner_are_allowed(server):
    listener, greetings = server
    greetings.append((b"welcome\r\nSSH-2.0-OpenSSH_9.2\r\n", False))  # RFC 4253 section 4.2
    assert run_probe(listener.getsockname()[1])[0] == 0


def test_a_silent_host_fails_after_every_attempt_timed_out(server):
    listener, _ = server
    port = listener.getsockname()[1]
    code, err, took = run_probe(port, seconds=1, attempts=2)
    assert code == 1
    assert err.splitlines() == [
        f"avi-dsr: server web01: SSH at 127.0.0.1:{port} sent no SSH banner: timed out after 1 s"
        " (attempt 1 of 2)",
        f"avi-dsr: server web01: SSH at 127.0.0.1:{port} sent no SSH banner: timed out after 1 s",
    ]
    assert 2 <= took < 8  # two attempts of 1 s and a pause between them


def test_a_refused_connection_names_the_reason():
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    code, err, _ = run_probe(port, attempts=1)
    assert code == 1
    assert err.strip() == (
        f"avi-dsr: server web01: SSH at 127.0.0.1:{port} is not reachable: Connection refused"
    )


def test_a_service_that_is_not_ssh_is_refused(server):
    listener, greetings = server
    greetings.append((b"HTTP/1.1 400 Bad Request\r\n\r\n", True))
    port = listener.getsockname()[1]
    code, err, _ = run_probe(port, attempts=1)
    assert code == 1
    assert err.strip() == (
        f"avi-dsr: server web01: SSH at 127.0.0.1:{port} "
        "closed the connection without an SSH banner"
    )
