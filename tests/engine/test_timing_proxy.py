"""The bench's timing proxy must not add latency of its own on kept-alive connections.

It answers with a head write and a body write; with Nagle on, the body waited for the client's
delayed ACK (~40 ms) on every request after the first, which nearly doubled each 50 ms request
and showed up in the converge numbers as provider calls taking 100 ms.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from timing_proxy import TimingProxy


class _Instant(BaseHTTPRequestHandler):
    """Upstream that answers at once, so any time measured is the proxy's."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _reply(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b'{"uuid": "x"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_DELETE(self) -> None:  # as the simulator answers a delete: no body at all
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _reply


@pytest.fixture
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Instant)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_kept_alive_requests_through_the_proxy_take_no_extra_round_trip(upstream, method):
    with TimingProxy(upstream) as proxy, requests.Session() as session:
        took = []
        for i in range(6):  # one connection, reused: the case that used to stall
            started = time.monotonic()
            reply = session.request(method, f"{proxy.url}/api/pool", json={"n": i}, timeout=5)
            took.append(time.monotonic() - started)
            assert reply.status_code == 200
        assert len(proxy.spans) == 6
    assert statistics.median(took[1:]) < 0.02, [round(t * 1000) for t in took]


def test_no_reply_leaves_before_its_span_is_recorded(upstream):
    """A client may read ``spans`` as soon as it holds a reply; for a bodiless 204 the head alone
    completes it, so the span must be in before the head goes out."""
    with TimingProxy(upstream) as proxy:
        # spans cannot be recorded while the test holds the lock, so no reply may leave either
        with proxy._lock, pytest.raises(requests.exceptions.ReadTimeout):
            requests.delete(f"{proxy.url}/api/pool/x", timeout=0.5)
        reply = requests.delete(f"{proxy.url}/api/pool/y", timeout=5)
        assert reply.status_code == 204
        assert len(proxy.spans) == 2
