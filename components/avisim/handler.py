"""HTTP layer: login/CSRF/session checks, the API version gate, fault injection around the
work, and routing to the API or the control API."""

from __future__ import annotations

import contextlib
import json
import ssl
import sys
import time
import traceback
from collections.abc import Callable
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from avisim import api, control
from avisim.context import RequestContext
from avisim.errors import ApiError
from avisim.faults import WRITE_METHODS
from avisim.reply import Reply
from avisim.versions import NO_HEADER_VERSION, parse_version, version_text
from avisim.writes import DROP

if TYPE_CHECKING:
    from avisim.server import Simulator

SESSION_COOKIE = "avi-sessionid"
CSRF_FAILURE = "CSRF token missing or incorrect."
# Answer before any version is chosen: clients read the controller's version here first.
UNVERSIONED = ("/api/initial-data",)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "avisim"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    sim: Simulator  # set on the subclass the server builds

    def setup(self) -> None:
        super().setup()
        self.sim.track(self.connection)

    def finish(self) -> None:
        self.sim.untrack(self.connection)
        # The connection may be cut already (a restart, or a client killed mid-reply).
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def handle(self) -> None:
        """Clients that hang up or reject our certificate are not errors worth a traceback."""
        try:
            super().handle()
        except (ConnectionError, ssl.SSLError, TimeoutError, OSError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is available from the control API instead."""

    # ---- dispatch -------------------------------------------------------------------------

    def _serve(self, method: str) -> None:
        started = time.monotonic()
        parts = urlsplit(self.path)
        path = _normalise(parts.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        raw = self._read_body()
        if path.startswith("/_avisim/"):
            reply = self._attempt(lambda: control.handle(self.sim, method, path, raw))
            self._send(reply)
            if reply.after is not None:
                self.close_connection = True
                reply.after()
            return
        reply = self._fault_reply(method, path)
        action = "send"
        if reply is None:
            reply = self._attempt(lambda: self._api(method, path, params, raw))
            committed = 200 <= reply.status < 300 and method in WRITE_METHODS
            if committed and path.startswith("/api/"):
                action = self._after_commit(method, path, reply.status)
        route = self._route_key(path)
        dropped = action == DROP
        self.sim.metrics.record(method, path, route, reply.status, started, dropped=dropped)
        if dropped:
            self.close_connection = True
            return
        self._send(reply)

    def _fault_reply(self, method: str, path: str) -> Reply | None:
        faults = self.sim.faults
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        status = faults.take_5xx(method, path)
        if status is not None:
            return Reply(status, {"error": f"avisim: injected {status} fault"})
        if path.startswith("/api/") and faults.take_session_expiry():
            self.sim.sessions.expire_all()
        return None

    def _after_commit(self, method: str, path: str, status: int) -> str:
        """The write is stored; faults may now delay its reply, hold it, or drop it."""
        faults = self.sim.faults
        self.sim.writes.committed()
        hold = faults.take_hold(method, path)
        delay = faults.take_latency_after_commit(method, path)
        if faults.take_drop(method, path):
            return DROP
        if delay:
            time.sleep(delay)
        if not hold:
            return "send"
        held = self.sim.writes.hold(method, path, status)
        try:
            return held.wait()
        finally:
            self.sim.writes.done(held)

    def _attempt(self, work: Callable[[], Reply]) -> Reply:
        """Run one request's work; controller errors become their replies, bugs become 500s."""
        try:
            return work()
        except ApiError as err:
            if err.plain:
                return Reply(err.status, err.message, plain=True)
            return Reply(err.status, {"error": err.message})
        except Exception as exc:  # a simulator bug: say so instead of hanging up
            traceback.print_exc(file=sys.stderr)
            return Reply(500, {"error": f"avisim internal error: {type(exc).__name__}: {exc}"})

    def _api(self, method: str, path: str, params: dict[str, str], raw: bytes) -> Reply:
        if path == "/login" and method == "POST":
            return self._login(raw)
        if path == "/logout" and method == "POST":
            self.sim.sessions.logout(self._session_cookie())
            return Reply(200, {})
        if path == "/api/initial-data" and method == "GET":
            return Reply(200, {"version": self.sim.version_info(), "user_initial_setup": False})
        if not path.startswith("/api/"):
            raise ApiError(404, f"No such page: {path}")
        session = self.sim.sessions.check(self._session_cookie())
        if session is None:
            raise ApiError(401, "Authentication credentials were not provided or have expired.")
        if method in WRITE_METHODS and self.headers.get("X-CSRFToken") != session.csrftoken:
            raise ApiError(401, CSRF_FAILURE, plain=True)
        ctx = self._context()
        return api.handle(self.sim, method, path, params, raw, ctx, self.headers.get("Slug"))

    def _login(self, raw: bytes) -> Reply:
        creds = _login_fields(raw, self.headers.get("Content-Type", ""))
        session = self.sim.sessions.login(creds.get("username", ""), creds.get("password", ""))
        if session is None:
            raise ApiError(401, "Invalid credentials")
        secure = "; Secure" if self.sim.tls else ""
        cookies = [
            f"csrftoken={session.csrftoken}; Max-Age=31449600; Path=/; SameSite=Lax{secure}",
            f"avi-sessionid={session.session_id}; HttpOnly; Max-Age=86400; Path=/{secure}",
            f"sessionid={session.session_id}; HttpOnly; Max-Age=86400; Path=/{secure}",
        ]
        body = self.sim.login_body(session.username, self._base_url())
        return Reply(200, body, {"Set-Cookie": cookies})

    # ---- helpers --------------------------------------------------------------------------

    def _context(self) -> RequestContext:
        controller = self.sim.controller
        tenant = controller.tenant_uuid(
            self.headers.get("X-Avi-Tenant"), self.headers.get("X-Avi-Tenant-UUID")
        )
        header = self.headers.get("X-Avi-Version")
        version = parse_version(header) if header else NO_HEADER_VERSION
        if version > controller.version:
            # Avi API guide, "HTTP Headers": the controller "supports all the API version which
            # is less than equal to the version of the Controller".
            raise ApiError(
                400,
                f"Invalid version {header}: this controller runs "
                f"{version_text(controller.version)} and accepts X-Avi-Version up to that",
            )
        return RequestContext(tenant=tenant, api_version=version, base_url=self._base_url())

    def _base_url(self) -> str:
        host = self.headers.get("Host") or f"{self.sim.host}:{self.sim.port}"
        return f"{self.sim.scheme}://{host}"

    def _session_cookie(self) -> str | None:
        cookie = SimpleCookie()
        try:
            cookie.load(self.headers.get("Cookie", ""))
        except Exception:  # a malformed cookie header is just "not logged in"
            return None
        for name in (SESSION_COOKIE, "sessionid"):
            if name in cookie:
                return cookie[name].value
        return None

    def _route_key(self, path: str) -> str:
        segments = path.split("/")
        if len(segments) >= 3 and segments[1] == "api" and self.sim.is_object_route(segments[2]):
            return "/".join(segments[:3] + segments[4:])
        return path

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply: Reply) -> None:
        if reply.status == 204 or reply.body is None:
            payload = b""
        elif reply.plain:
            payload = str(reply.body).encode()
        else:
            payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        if payload:
            self.send_header("Content-Type", "text/plain" if reply.plain else "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in reply.headers.items():
            for item in value if isinstance(value, list) else [value]:
                self.send_header(key, item)
        self.end_headers()
        if payload:
            self.wfile.write(payload)


def _normalise(path: str) -> str:
    """``/api/pool/`` and ``/api/pool`` are the same resource."""
    return path.rstrip("/") or "/"


def _login_fields(raw: bytes, content_type: str) -> dict[str, str]:
    """Credentials from a form body (avisdk) or a JSON body (Go SDK, scripts)."""
    if "json" in content_type or raw.strip().startswith(b"{"):
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError(400, f"login: the body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ApiError(400, "login: expected a JSON object with username and password")
        return {k: str(v) for k, v in data.items() if isinstance(v, str)}
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
