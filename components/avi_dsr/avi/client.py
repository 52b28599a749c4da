"""A small, thread-safe Avi REST client: one login per controller per process, bounded waits.

Why not avisdk: its ApiSession keeps per-instance retry counters and a module-global session dict
that concurrent threads corrupt, re-sends a POST after a dropped connection (a duplicate create),
never retries a 5xx, and costs several times the CPU of a plain keep-alive request. The provider
serves many calls at once, so the client has to be safe under concurrency by construction:
logins are serialised and counted (a thread that saw a stale session reuses the renewal another
thread already made), the connection pool is sized to the worker count, and every wait is bounded
by the connection's timeouts.

Only transport lives here; what a failed call means for an object is decided by the callers.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from ..controller_address import DEFAULT_TENANT, base_url
from ..versions import effective_api_version
from .errors import AviProviderError

LOG = logging.getLogger("avi_dsr.avi")

# Connections kept open per controller: the provider runs up to this many calls at once.
POOL_SIZE = 64
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 60.0


@dataclass(frozen=True)
class Connection:
    """Where and as whom to reach a controller, with the waits that bound every request.

    api_version None = the controller's own version, capped at the newest this project knows
    (learned from the login reply, so it costs no extra request).
    """

    controller: str
    username: str
    password: str = field(repr=False)
    tenant: str = DEFAULT_TENANT
    api_version: str | None = None
    verify_tls: bool = True
    ca_bundle: str | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT

    @property
    def url(self) -> str:
        return base_url(self.controller)

    def key(self) -> tuple[Any, ...]:
        """What makes two sessions different; the password only as a digest."""
        digest = hashlib.sha256(self.password.encode()).hexdigest()
        return (self.url, self.username, digest, self.api_version, self.verify_tls, self.ca_bundle)


class CallFailed(Exception):
    """A request that got no HTTP answer; `kind` says why, for messages and retry decisions.

    kind: "refused" (nothing listens), "connect-timeout", "read-timeout" (sent, no answer: a
    write may have committed), "dropped" (the connection broke; a write may have committed).
    """

    def __init__(self, kind: str, seconds: float | None, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.seconds = seconds
        self.detail = detail

    @property
    def may_have_committed(self) -> bool:
        return self.kind in ("read-timeout", "dropped")

    def describe(self) -> str:
        if self.kind == "refused":
            return "connection refused"
        if self.kind == "connect-timeout":
            return f"could not connect: timed out after {self.seconds:g} s"
        if self.kind == "read-timeout":
            return f"no answer: timed out after {self.seconds:g} s"
        return f"connection dropped ({self.detail})"


class AviSession:
    """Logged-in HTTP session to one controller, shared by every thread of the process."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._http = requests.Session()
        self._http.trust_env = False  # proxies/CA bundles from the environment never apply
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=POOL_SIZE, max_retries=0)
        self._http.mount("https://", adapter)
        self._http.mount("http://", adapter)
        self._verify = tls_verify(conn)
        self._lock = threading.Lock()
        self._generation = 0  # bumped by every successful login
        self._csrf: str | None = None
        self.controller_version: str | None = None
        self.api_version: str | None = conn.api_version
        self.logins = 0

    # ------------------------------------------------------------------------------ login
    def _login(self, seen_generation: int) -> None:
        """Log in unless another thread already did so after `seen_generation`."""
        with self._lock:
            if self._generation != seen_generation and self._csrf is not None:
                return
            rsp = self._send("POST", "/login", json_body=self._credentials(), headers={})
            if rsp.status_code != 200:
                raise AviProviderError(
                    f"login to {self.conn.url} as {self.conn.username!r} failed (HTTP "
                    f"{rsp.status_code}); check the username and the controller password secret"
                )
            body = _json(rsp) or {}
            version = (body.get("version") or {}).get("Version")
            self.controller_version = str(version) if version else None
            if self.conn.api_version is None:
                self.api_version = effective_api_version(None, self.controller_version or "")
            self._csrf = self._http.cookies.get("csrftoken")
            self._generation += 1
            self.logins += 1

    def _credentials(self) -> dict[str, str]:
        return {"username": self.conn.username, "password": self.conn.password}

    def ensure_login(self) -> None:
        """Log in now if this process has not yet (the preflight wants the version first)."""
        if self._csrf is None:
            self._login(self._generation)

    # ---------------------------------------------------------------------------- requests
    def request(
        self,
        method: str,
        path: str,
        *,
        tenant: str | None = None,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> requests.Response:
        """One call (plus one re-login on 401/419). Raises CallFailed when nothing answered."""
        for attempt in range(2):
            generation = self._generation
            if self._csrf is None:
                self._login(generation)
                generation = self._generation
            rsp = self._send(
                method,
                f"/api/{path.lstrip('/')}",
                json_body=body,
                params=params,
                headers=self._headers(tenant),
            )
            if rsp.status_code not in (401, 419) or attempt == 1:
                return rsp
            self._login(generation)  # session expired or the controller restarted
        raise AssertionError("unreachable")

    def _headers(self, tenant: str | None) -> dict[str, str]:
        headers = {
            "X-Avi-Tenant": tenant or self.conn.tenant,
            "X-CSRFToken": self._csrf or "",
            "Referer": self.conn.url,
        }
        if self.api_version:
            headers["X-Avi-Version"] = self.api_version
        return headers

    def _send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        headers: dict[str, str],
    ) -> requests.Response:
        timeouts = (self.conn.connect_timeout, self.conn.read_timeout)
        try:
            return self._http.request(
                method,
                f"{self.conn.url}{path}",
                json=json_body,
                params=dict(params or {}),
                headers=headers,
                timeout=timeouts,
                verify=self._verify,
            )
        except requests.exceptions.SSLError as exc:
            raise AviProviderError(
                f"TLS verification of {self.conn.url} failed: {tls_reason(exc)}; set caBundle "
                "to the controller's CA certificate (PEM), or verifyTls false to accept any "
                "certificate (insecure)"
            ) from None
        except requests.exceptions.ConnectTimeout:
            raise CallFailed("connect-timeout", self.conn.connect_timeout, "connect") from None
        except requests.exceptions.ReadTimeout:
            raise CallFailed("read-timeout", self.conn.read_timeout, "read") from None
        except requests.exceptions.ConnectionError as exc:
            kind = "refused" if _is_refused(exc) else "dropped"
            raise CallFailed(kind, None, _first_line(exc)) from None
        except requests.exceptions.RequestException as exc:
            raise CallFailed("dropped", None, _first_line(exc)) from None


_SESSIONS: dict[tuple[Any, ...], AviSession] = {}
_SESSIONS_LOCK = threading.Lock()
_WARNED: set[tuple[str, str]] = set()
_WARNED_LOCK = threading.Lock()  # not _SESSIONS_LOCK: sessions warn while being built under it


def session_for(conn: Connection) -> AviSession:
    """The process-wide session for this connection (logged in lazily, on its first call)."""
    key = conn.key()
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            session = _SESSIONS[key] = AviSession(conn)
        return session


def forget_sessions() -> None:
    """Drop every cached session (tests; a changed password is a new key anyway)."""
    with _SESSIONS_LOCK:
        _SESSIONS.clear()
    with _WARNED_LOCK:
        _WARNED.clear()


def tls_verify(conn: Connection) -> bool | str:
    """requests' `verify`: a CA bundle path, True, or False (with a warning: it is a choice).

    A plain-HTTP controller (the simulator on loopback) has no TLS to verify; only a non-loopback
    HTTP address gets a warning, because the password then crosses the network unencrypted.
    """
    url = conn.url
    if url.startswith("http://"):
        if urlsplit(url).hostname not in ("127.0.0.1", "::1", "localhost"):
            _warn_once(
                "http", url, "Avi controller %s is plain HTTP: the password is not encrypted"
            )
        return True
    if not conn.verify_tls:
        _warn_once(
            "verify",
            url,
            "TLS verification is OFF for Avi controller %s (verifyTls false): anyone on the path "
            "can read the controller password. Set caBundle instead.",
        )
        return False
    return os.path.expanduser(conn.ca_bundle) if conn.ca_bundle else True


def _warn_once(kind: str, url: str, message: str) -> None:
    with _WARNED_LOCK:
        if (kind, url) in _WARNED:
            return
        _WARNED.add((kind, url))
    LOG.warning(message, url)


def tls_reason(exc: BaseException) -> str:
    """The verifier's own reason, whole ("certificate verify failed: self-signed certificate in
    certificate chain"), without urllib3's wrapping of pool and URL details."""
    text = str(exc)
    for marker in ("certificate verify failed:", "SSLError("):
        if marker in text:
            text = text[text.index(marker) :]
            break
    text = text.split(" (_ssl.c:")[0]
    return text.strip(" ('\")") or type(exc).__name__


def _is_refused(exc: BaseException) -> bool:
    """requests buries the socket error inside urllib3's wrappers; its text survives them."""
    return "Connection refused" in str(exc) or f"[Errno {errno.ECONNREFUSED}]" in str(exc)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


def _json(rsp: requests.Response) -> Any:
    try:
        return rsp.json()
    except ValueError:
        return None


def error_text(rsp: requests.Response) -> str:
    """The controller's `{"error": ...}` text, or the start of the body."""
    body = _json(rsp)
    if isinstance(body, Mapping) and "error" in body:
        return str(body["error"])
    return (rsp.text or "").strip()[:300] or f"HTTP {rsp.status_code}"
