"""The simulator process: a threaded HTTP(S) server around one controller, session store,
fault settings, committed-write tracking and metrics. It can "restart" like a controller does:
connections and sessions dropped, the port refusing connections for a while, objects kept."""

from __future__ import annotations

import contextlib
import socket
import ssl
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from avisim.dsr_rules import DsrRules
from avisim.errors import ApiError
from avisim.faults import DEFAULT_SE_ASSIGN_MS, Faults
from avisim.handler import Handler
from avisim.metrics import Metrics
from avisim.networks import NetworkSeed, default_networks, parse_network_spec
from avisim.runtime import PlacementDelay
from avisim.schema import EDITIONS, ENTERPRISE, known_versions, load_schema
from avisim.seed import CLOUD_TYPES, seeds
from avisim.sessions import Sessions
from avisim.state_file import load_state, save_state
from avisim.store import Controller
from avisim.tls import ensure_tls_files
from avisim.writes import DROP, Writes

DEFAULT_CONTROLLER_VERSION = "22.1.4"
DEFAULT_CLOUD_TYPE = "vcenter"


class _Server(ThreadingHTTPServer):
    """One thread per connection; a listen backlog for 50+ clients at once (the default 5
    resets connections under load, shared/reference/scale-measurements.md)."""

    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True


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
        license: str = ENTERPRISE,
        cloud_type: str = DEFAULT_CLOUD_TYPE,
        networks: Sequence[str | NetworkSeed] | None = None,
        ipam: bool = False,
        se_assign_ms: int = DEFAULT_SE_ASSIGN_MS,
        clock_offset_seconds: float = 0.0,
        latency_ms: int = 0,
        faults: Mapping[str, Any] | None = None,
        cert_dir: str | Path | None = None,
    ) -> None:
        """``networks``: the Default-Cloud's networks as ``NAME=CIDR[@BEGIN-END],...`` specs
        (None = the defaults of avisim.networks, [] = none)."""
        _check_choice("--controller-version", controller_version, known_versions())
        _check_choice("--license", license, EDITIONS)
        _check_choice("--cloud-type", cloud_type, CLOUD_TYPES)
        self.host = host
        self.tls = tls
        self.scheme = "https" if tls else "http"
        self.controller_version = controller_version
        self.edition = license
        self.cloud_type = cloud_type
        self.state_file = Path(state_file) if state_file else None
        self.sessions = Sessions(username, password)
        self.metrics = Metrics()
        self.writes = Writes()
        self.faults = Faults()
        self.placement = PlacementDelay()
        self.faults.update(
            {
                "latency_ms": latency_ms,
                "se_assign_ms": se_assign_ms,
                "clock_offset_seconds": clock_offset_seconds,
            }
        )
        self.faults.remember_start()
        self.faults.update(faults or {})
        snapshot = load_state(self.state_file) if self.state_file else None
        seed_networks = _networks(networks)
        try:
            self.controller = Controller(
                schema=load_schema(controller_version),
                seed=seeds(
                    cloud_type=cloud_type, edition=license, networks=seed_networks, ipam=ipam
                ),
                rules=DsrRules(strict_dsr=strict_dsr),
                edition=license,
                clock=lambda: time.time() + self.faults.clock_offset_seconds,
                on_commit=self._persist if self.state_file else None,
                snapshot=snapshot,
            )
        except ApiError as exc:  # a seed the edition or the schema refuses
            raise ValueError(
                f"a {license} {controller_version} controller refuses what it was told to hold "
                f"(--cloud-type {cloud_type}, --network): {exc.message}"
            ) from None
        if self.state_file and snapshot is None:
            self._persist(self.controller.snapshot())
        self._handler = type("BoundHandler", (Handler,), {"sim": self})
        self._cert_dir = Path(cert_dir) if cert_dir else None
        self.ca_cert_path: Path | None = None
        self._lifecycle = threading.RLock()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._httpd = self._listen(port)
        self.port: int = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None
        self._reopen_timer: threading.Timer | None = None
        self._stopped = False
        self.restarts = 0

    def __repr__(self) -> str:
        return f"Simulator(url={self.url!r})"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> Simulator:
        with self._lifecycle:
            self._serve_in_background()
        return self

    def stop(self) -> None:
        with self._lifecycle:
            self._stopped = True
            if self._reopen_timer is not None:
                self._reopen_timer.cancel()
            self._close_listener()
        self.writes.release(DROP)
        self._drop_connections()

    def restart(self, down_seconds: float = 0.0) -> None:
        """What a controller restart does to clients: every session ends (log in again), every
        open connection drops (held replies included), and new connections are refused for
        ``down_seconds``; the objects stay. Returns at once; the port reopens by itself."""
        if down_seconds < 0:
            raise ValueError("down_seconds must be >= 0")
        with self._lifecycle:
            if self._stopped:
                return
            self.restarts += 1
            self.sessions.expire_all()
            self._close_listener()
            self.writes.release(DROP)
            self._drop_connections()
            self._reopen_timer = threading.Timer(down_seconds, self._reopen)
            self._reopen_timer.daemon = True
            self._reopen_timer.start()

    def is_listening(self) -> bool:
        with self._lifecycle:
            return self._thread is not None

    # ---- observations ---------------------------------------------------------------------

    def counters(self) -> dict[str, int]:
        """Requests by ``"METHOD /api/<type>"`` plus ``"logins"``; control calls excluded."""
        return self.metrics.counters()

    def request_log(self) -> list[dict[str, Any]]:
        return self.metrics.request_log()

    def reset_counters(self) -> None:
        self.metrics.reset()
        self.writes.reset()

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

    def open_connections(self) -> int:
        with self._connections_lock:
            return len(self._connections)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    # ---- internals ------------------------------------------------------------------------

    def _listen(self, port: int) -> _Server:
        httpd = _Server((self.host, port), self._handler)
        if self.tls:
            files = ensure_tls_files(self._cert_dir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(files.server_cert, files.server_key)
            httpd.socket = context.wrap_socket(
                httpd.socket, server_side=True, do_handshake_on_connect=False
            )
            self.ca_cert_path = files.ca_cert
        return httpd

    def _serve_in_background(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name=f"avisim:{self.port}",
        )  # fmt: skip
        self._thread.start()

    def _close_listener(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def _reopen(self) -> None:
        with self._lifecycle:
            if self._stopped or self._thread is not None:
                return
            try:
                self._httpd = self._listen(self.port)
            except OSError as exc:
                print(f"avisim: cannot listen on port {self.port} again: {exc}", file=sys.stderr)
                return
            self._serve_in_background()

    def _drop_connections(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    def _persist(self, snapshot: Mapping[str, Any]) -> None:
        assert self.state_file is not None
        save_state(self.state_file, snapshot)


def _networks(networks: Sequence[str | NetworkSeed] | None) -> list[NetworkSeed]:
    if networks is None:
        return default_networks()
    return [n if isinstance(n, NetworkSeed) else parse_network_spec(n) for n in networks]


def _check_choice(flag: str, value: str, known: Any) -> None:
    if value not in known:
        raise ValueError(f"{flag} {value!r}: use one of {', '.join(known)}")
