"""HTTP layer: login/CSRF/session checks, fault injection, routing to the controller."""

from __future__ import annotations

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

from avisim import control, runtime
from avisim.context import RequestContext, parse_version
from avisim.errors import ApiError
from avisim.faults import WRITE_METHODS

if TYPE_CHECKING:
    from avisim.server import Simulator

SESSION_COOKIE = "avi-sessionid"
CSRF_FAILURE = "CSRF token missing or incorrect."
INVENTORY = "virtualservice-inventory"


class Reply:
    """A response to send: status, JSON (or plain text) body, extra headers."""

    def __init__(
        self,
        status: int,
        body: Any = None,
        headers: dict[str, str | list[str]] | None = None,
        *,
        plain: bool = False,
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.plain = plain


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "avisim"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    sim: Simulator  # set on the subclass the server builds

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
        except (ConnectionError, ssl.SSLError, TimeoutError):
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
            self._send(self._attempt(lambda: control.handle(self.sim, method, path, raw)))
            return
        route = self._route_key(path)
        dropped = False
        reply = self._fault_reply(method, path)
        if reply is None:
            reply = self._attempt(lambda: self._api(method, path, params, raw))
            committed = 200 <= reply.status < 300 and method in WRITE_METHODS
            dropped = committed and self.sim.faults.take_drop(method, path)
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
        return self._api_object(method, path, params, raw, ctx)

    def _api_object(
        self, method: str, path: str, params: dict[str, str], raw: bytes, ctx: RequestContext
    ) -> Reply:
        controller = self.sim.controller
        segments = path.split("/")[2:]
        if segments == ["cluster", "version"] and method == "GET":
            return Reply(200, self.sim.version_info())
        if segments == ["cluster", "status"] and method == "GET":
            return Reply(200, {"cluster_state": {"state": "CLUSTER_UP_NO_HA", "progress": 100}})
        if segments[0] == INVENTORY and method == "GET":
            return Reply(
                200, self._inventory(ctx, params, segments[1] if len(segments) > 1 else None)
            )
        obj_type = segments[0]
        if segments[2:] == ["runtime"] and obj_type == "virtualservice" and method == "GET":
            with controller.lock:
                stored = controller.stored(ctx, obj_type, segments[1])
                placing = self._placing(stored)
                body = runtime.vs_runtime(stored, controller.lookup, ctx.base_url, placing=placing)
            return Reply(200, body)
        if segments[2:] == ["runtime", "detail"] and obj_type == "pool" and method == "GET":
            with controller.lock:
                stored = controller.stored(ctx, obj_type, segments[1])
                return Reply(200, runtime.pool_runtime_detail(stored))
        if len(segments) == 1:
            if method == "GET":
                return Reply(200, controller.list(ctx, obj_type, params))
            if method == "POST":
                obj = controller.create(ctx, obj_type, _json(raw), slug=self.headers.get("Slug"))
                body = controller.render(ctx, obj_type, obj, with_names=True)
                return Reply(201, body, {"Location": body["url"].split("#")[0]})
        elif len(segments) == 2:
            uuid = segments[1]
            if method == "GET":
                return Reply(200, controller.get(ctx, obj_type, uuid, params))
            if method == "DELETE":
                controller.delete(ctx, obj_type, uuid)
                return Reply(204)
            if method in ("PUT", "PATCH"):
                write = controller.replace if method == "PUT" else controller.patch
                obj = write(ctx, obj_type, uuid, _json(raw))
                return Reply(200, controller.render(ctx, obj_type, obj, with_names=True))
        raise ApiError(404 if method == "GET" else 405, f"{method} {path} is not supported")

    def _inventory(self, ctx: RequestContext, params: dict[str, str], uuid: str | None) -> Any:
        controller = self.sim.controller
        with controller.lock:
            if uuid is not None:
                vss = [controller.get(ctx, "virtualservice", uuid, {})]
                listing = None
            else:
                listing = controller.list(ctx, "virtualservice", params)
                vss = listing["results"]
            entries = []
            for rendered in vss:
                stored = controller.lookup(f"/api/virtualservice/{rendered['uuid']}")
                entries.append(
                    runtime.inventory_entry(
                        stored,
                        rendered,
                        controller.lookup,
                        ctx.base_url,
                        placing=self._placing(stored),
                    )
                )
        if listing is None:
            return entries[0]
        return {**listing, "results": entries}

    def _placing(self, vs: dict[str, Any]) -> bool:
        return self.sim.placement.still_placing(vs, self.sim.faults.oper_up_after_polls)

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
        version_header = self.headers.get("X-Avi-Version")
        version = parse_version(version_header or self.sim.controller_version)
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


def _json(raw: bytes) -> Any:
    if not raw:
        raise ApiError(400, "The request body is empty; send a JSON object")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"The request body is not valid JSON: {exc}") from None


def _login_fields(raw: bytes, content_type: str) -> dict[str, str]:
    """Credentials from a form body (avisdk) or a JSON body (Go SDK, scripts)."""
    if "json" in content_type or raw.strip().startswith(b"{"):
        data = _json(raw)
        if not isinstance(data, dict):
            raise ApiError(400, "login: expected a JSON object with username and password")
        return {k: str(v) for k, v in data.items() if isinstance(v, str)}
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
