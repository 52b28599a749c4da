"""The simulator process: a threaded HTTP(S) server around one controller, session store,
fault settings and metrics."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from avi_dsr.avi.schema import load_schema

from avisim.dsr_rules import DsrRules
from avisim.faults import Faults
from avisim.handler import Handler
from avisim.metrics import Metrics
from avisim.runtime import PlacementDelay
from avisim.sessions import Sessions
from avisim.state_file import load_state, save_state
from avisim.store import Controller
from avisim.tls import ensure_tls_files

DEFAULT_CONTROLLER_VERSION = "22.1.4"


class Simulator:
    """One simulated controller. ``start()`` serves in a background thread; ``stop()`` ends it."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        username: str = "admin",
        password: str = "admin",
        state_file: str | Path | None = None,
        strict_dsr: bool = True,
        controller_version: str = DEFAULT_CONTROLLER_VERSION,
        latency_ms: int = 0,
        faults: Mapping[str, Any] | None = None,
        cert_dir: str | Path | None = None,
        schema_version: str = "22.1.4",
    ) -> None:
        self.host = host
        self.tls = tls
        self.scheme = "https" if tls else "http"
        self.controller_version = controller_version
        self.state_file = Path(state_file) if state_file else None
        self.sessions = Sessions(username, password)
        self.metrics = Metrics()
        self.faults = Faults()
        self.placement = PlacementDelay()
        self.faults.update({"latency_ms": latency_ms, **(faults or {})})
        snapshot = load_state(self.state_file) if self.state_file else None
        self.controller = Controller(
            schema=load_schema(schema_version),
            rules=DsrRules(strict_dsr=strict_dsr),
            on_commit=self._persist if self.state_file else None,
            snapshot=snapshot,
        )
        if self.state_file and snapshot is None:
            self._persist(self.controller.snapshot())
        handler = type("BoundHandler", (Handler,), {"sim": self})
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self.ca_cert_path: Path | None = None
        if tls:
            files = ensure_tls_files(Path(cert_dir) if cert_dir else None)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(files.server_cert, files.server_key)
            self._httpd.socket = context.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
            self.ca_cert_path = files.ca_cert
        self.port: int = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"Simulator(url={self.url!r})"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self) -> Simulator:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name=f"avisim:{self.port}",
        )  # fmt: skip
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever(poll_interval=0.5)

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    # ---- observations ---------------------------------------------------------------------

    def counters(self) -> dict[str, int]:
        """Requests by ``"METHOD /api/<type>"`` plus ``"logins"``; control calls excluded."""
        return self.metrics.counters()

    def request_log(self) -> list[dict[str, Any]]:
        return self.metrics.request_log()

    def reset_counters(self) -> None:
        self.metrics.reset()

    # ---- facts the handler needs ----------------------------------------------------------

    def is_object_route(self, segment: str) -> bool:
        """True for ``/api/<segment>/<uuid>`` paths whose uuid must not appear in counters."""
        return segment == "virtualservice-inventory" or segment in self.controller.servable_types()

    def version_info(self) -> dict[str, Any]:
        return {
            "Version": self.controller_version,
            "build": 9001,
            "Tag": f"{self.controller_version}-avisim",
            "min_version": "15.2",
            "ProductName": "Avi Cloud Controller (avisim)",
        }

    def login_body(self, username: str, base_url: str) -> dict[str, Any]:
        """What /login returns: the parts clients read (version, session cookie name) and more."""
        return {
            "user": {
                "username": username,
                "name": username,
                "uuid": "user-1",
                "url": f"{base_url}/api/user/user-1",
                "is_superuser": True,
                "local": True,
            },
            "tenants": [{"name": "admin", "uuid": "admin", "url": "/api/tenant/admin"}],
            "version": self.version_info(),
            "controller": {"api_idle_timeout": 15},
            "system_config": {"url": "/api/systemconfiguration", "uuid": "default"},
            "session_cookie_name": "avi-sessionid",
        }

    def _persist(self, snapshot: Mapping[str, Any]) -> None:
        assert self.state_file is not None
        save_state(self.state_file, snapshot)
