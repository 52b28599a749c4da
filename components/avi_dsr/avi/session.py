"""avisdk sessions: one login per controller/user/tenant/version/TLS/password per process.

The engine runs up to four CRUD calls at once on one provider instance, and avisdk's ApiSession
was not written for that: concurrent first calls each log in, and a burst of 401s makes every
thread re-login. `_SharedLoginSession` serialises logins and lets threads that saw the same stale
session reuse the one renewal. Retries of 5xx/dropped connections live here too (avisdk retries
neither safely: it re-sends POSTs and ignores 5xx).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from avi.sdk import avi_api
from avi.sdk.avi_api import APIError, ApiSession

from ..controller_address import base_url
from . import policy
from .connection import with_defaults
from .errors import AviProviderError

LOG = logging.getLogger("avi_dsr.avi")


class ConnectionDropped(Exception):
    """A POST whose outcome is unknown: the connection failed after the request was sent."""


class _SharedLoginSession(ApiSession):
    """ApiSession whose (re-)logins happen once for all threads that saw the same session."""

    def __init__(self, **kwargs: Any) -> None:
        self._login_lock = threading.Lock()
        self._seen = threading.local()
        super().__init__(**kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        # requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override Session.verify unless verify is
        # passed per call; avisdk does not pass it, so a ca_bundle (or verify=False) would be
        # silently ignored on every call after login.
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, **kwargs)

    def _current_session_id(self) -> str | None:
        return avi_api.sessionDict.get(self.key, {}).get("session_id")

    def _get_api_headers(self, *args: Any, **kwargs: Any) -> dict:
        self._seen.session_id = self._current_session_id()
        return super()._get_api_headers(*args, **kwargs)

    def authenticate_session(self) -> None:
        seen = getattr(self._seen, "session_id", None)
        with self._login_lock:
            current = self._current_session_id()
            if current is not None and current != seen:
                self._seen.session_id = current  # another thread already renewed it
                return
            super().authenticate_session()
            self._seen.session_id = self._current_session_id()


@dataclass(frozen=True)
class SessionKey:
    """Everything that makes two sessions different; the password only as a digest."""

    url: str
    username: str
    tenant: str
    api_version: str
    verify: bool | str
    password_sha256: str


_SESSIONS: dict[SessionKey, _SharedLoginSession] = {}
_SESSIONS_LOCK = threading.Lock()


_WARNED: set[tuple[str, str]] = set()  # (warning kind, controller url): say each thing once


def _warn_once(kind: str, url: str, message: str) -> None:
    with _SESSIONS_LOCK:
        if (kind, url) in _WARNED:
            return
        _WARNED.add((kind, url))
    LOG.warning(message, url)


def tls_verify(conn: Mapping[str, Any]) -> bool | str:
    """requests' `verify`: a CA bundle path, True, or False (with a warning: it is a choice).

    A plain-HTTP controller (the simulator on loopback) has no TLS to verify: True keeps avisdk
    quiet, and only a non-loopback HTTP address gets a warning, because the password crosses the
    network unencrypted.
    """
    url = base_url(conn["controller"])
    if url.startswith("http://"):
        if urlsplit(url).hostname not in ("127.0.0.1", "::1", "localhost"):
            _warn_once(
                "http", url, "Avi controller %s is plain HTTP: the password is not encrypted"
            )
        return True
    if not conn.get("verify_tls", True):
        _warn_once(
            "verify",
            url,
            "TLS verification is OFF for Avi controller %s (verify_tls=false): anyone on the path "
            "can read the controller password. Set ca_bundle instead.",
        )
        return False
    bundle = conn.get("ca_bundle")
    return os.path.expanduser(bundle) if bundle else True  # check accepts `~/ca.pem`


def session_for(conn: Mapping[str, Any], password: str) -> _SharedLoginSession:
    """The process-wide session for this connection (created lazily, logged in on first call).

    `conn` has its defaults applied (`connection.with_defaults`), as AviClient passes it.
    """
    verify = tls_verify(conn)
    key = SessionKey(
        url=base_url(conn["controller"]),
        username=conn["username"],
        tenant=conn["tenant"],
        api_version=conn["api_version"],
        verify=verify,
        password_sha256=hashlib.sha256(password.encode()).hexdigest(),
    )
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            session = _SharedLoginSession(
                controller_ip=key.url,
                username=key.username,
                password=password,
                tenant=key.tenant,
                api_version=key.api_version,
                verify=verify,
                lazy_authentication=True,
                retry_conxn_errors=False,
                max_api_retries=6,
                timeout=30,
            )
            _SESSIONS[key] = session
        return session


def forget_sessions() -> None:
    """Drop every cached session (tests; a changed password creates a new key anyway)."""
    with _SESSIONS_LOCK:
        _SESSIONS.clear()
        _WARNED.clear()
    avi_api.ApiSession.clear_cached_sessions()


class AviClient:
    """Calls on one controller with bounded retries and one-line errors."""

    def __init__(self, conn: Mapping[str, Any], password: str, what: str) -> None:
        self._conn = with_defaults(conn)
        self._session = session_for(self._conn, password)
        self._what = what  # "pool 'web-pool'" - prefix of every error

    @property
    def tenant(self) -> str:
        return str(self._conn["tenant"])

    def get(self, path: str, params: Mapping[str, str] | None = None) -> requests.Response:
        return self._retrying("GET", lambda: self._session.get(path, params=dict(params or {})))

    def put(self, path: str, body: Mapping[str, Any]) -> requests.Response:
        return self._retrying("PUT", lambda: self._session.put(path, data=dict(body)))

    def delete(self, path: str) -> requests.Response:
        return self._retrying("DELETE", lambda: self._session.delete(path))

    def post(self, path: str, body: Mapping[str, Any]) -> requests.Response:
        """One POST; a dropped connection raises ConnectionDropped for the caller to reconcile."""
        try:
            return self._session.post(path, data=dict(body))
        except requests.exceptions.SSLError as exc:
            raise self._tls_error(exc) from None
        except APIError as exc:
            raise self._login_error(exc) from None
        except requests.exceptions.RequestException as exc:
            raise ConnectionDropped(str(exc)) from None

    def _retrying(self, method: str, call: Callable[[], requests.Response]) -> requests.Response:
        waits = policy.current().waits()
        for attempt in range(len(waits) + 1):
            last = attempt == len(waits)
            try:
                rsp = call()
            except requests.exceptions.SSLError as exc:
                raise self._tls_error(exc) from None
            except APIError as exc:
                raise self._login_error(exc) from None
            except requests.exceptions.RequestException as exc:
                if last:
                    raise AviProviderError(
                        f"{self._what}: {method} failed, controller {self._url()} unreachable "
                        f"({type(exc).__name__}); check the address and network, then retry"
                    ) from None
            else:
                if rsp.status_code < 500 or last:
                    return rsp
            time.sleep(waits[attempt])
        raise AssertionError("unreachable")

    def _url(self) -> str:
        return base_url(self._conn["controller"])

    def _tls_error(self, exc: Exception) -> AviProviderError:
        return AviProviderError(
            f"{self._what}: TLS verification of {self._url()} failed ({_first_line(exc)}); set "
            "connection ca_bundle to the controller's CA certificate (PEM), or verify_tls=False "
            "to accept any certificate (insecure)"
        )

    def _login_error(self, exc: APIError) -> AviProviderError:
        rsp = getattr(exc, "rsp", None)
        status = getattr(rsp, "status_code", "?")
        return AviProviderError(
            f"{self._what}: login to {self._url()} as {self._conn.get('username')!r} failed "
            f"(HTTP {status}); check the username and the controller password secret"
        )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:160] if text else type(exc).__name__


def error_text(rsp: requests.Response) -> str:
    """The controller's `{"error": ...}` text, or the start of the body."""
    try:
        body = json.loads(rsp.text or "null")
    except ValueError:
        body = None
    if isinstance(body, Mapping) and "error" in body:
        return str(body["error"])
    return (rsp.text or "").strip()[:200] or f"HTTP {rsp.status_code}"
