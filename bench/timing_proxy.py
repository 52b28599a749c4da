"""A loopback HTTP proxy that timestamps every controller request (for converge time).

Why: the wall time of `pulumi up` is mostly engine and Python start-up, which on a shared
2-core machine varies by more than the latency being measured. The proxy sees exactly when the
first request to the controller started and the last one finished, so the converge window can
be compared with the critical path of round trips.
"""

from __future__ import annotations

import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


class TimingProxy:
    """Forwards http://127.0.0.1:<port> to ``upstream`` and records (start, end) per request."""

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self._lock = threading.Lock()
        self.spans: list[tuple[float, float]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Head and body go out in two writes; on a kept-alive connection Nagle holds the
            # body until the client's delayed ACK (~40 ms), which would double every request.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _forward(self) -> None:
                started = time.monotonic()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    reply = conn.getresponse()
                    data = reply.read()
                finally:
                    conn.close()
                # Record before anything goes out: once the client holds the reply (for an empty
                # body, the head alone) it may read ``spans`` at once.
                if not self.path.startswith("/_avisim"):
                    with proxy._lock:
                        proxy.spans.append((started, time.monotonic()))
                self.send_response(reply.status)
                for key, value in reply.getheaders():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> TimingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def window_seconds(self) -> float:
        """First request start to last response end (0 when nothing was sent)."""
        with self._lock:
            if not self.spans:
                return 0.0
            return max(end for _, end in self.spans) - min(start for start, _ in self.spans)
