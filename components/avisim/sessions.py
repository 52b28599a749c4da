"""Login sessions: cookie ids, CSRF tokens, idle expiry, and forced expiry for fault injection."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

IDLE_TIMEOUT_S = 15 * 60  # the controller's default api_idle_timeout


@dataclass
class Session:
    session_id: str
    csrftoken: str
    username: str
    last_used: float = field(default_factory=time.monotonic)


class Sessions:
    """Checks credentials and tracks live sessions. The password is only compared, never logged."""

    def __init__(self, username: str, password: str, idle_timeout_s: float = IDLE_TIMEOUT_S):
        self._username = username
        self._password = password
        self._idle_timeout_s = idle_timeout_s
        self._lock = threading.Lock()
        self._live: dict[str, Session] = {}

    def __repr__(self) -> str:
        return f"Sessions(username={self._username!r}, live={len(self._live)})"

    def login(self, username: str, password: str) -> Session | None:
        user_ok = hmac.compare_digest(username.encode(), self._username.encode())
        password_ok = hmac.compare_digest(password.encode(), self._password.encode())
        if not (user_ok and password_ok):
            return None
        session = Session(secrets.token_hex(16), secrets.token_hex(16), username)
        with self._lock:
            self._live[session.session_id] = session
        return session

    def check(self, session_id: str | None) -> Session | None:
        """The live session for a cookie value, refreshing its idle timer; None when expired."""
        if not session_id:
            return None
        with self._lock:
            session = self._live.get(session_id)
            if session is None:
                return None
            if time.monotonic() - session.last_used > self._idle_timeout_s:
                del self._live[session_id]
                return None
            session.last_used = time.monotonic()
            return session

    def logout(self, session_id: str | None) -> None:
        with self._lock:
            self._live.pop(session_id or "", None)

    def expire_all(self) -> None:
        """What a controller restart or idle timeout does: every client must log in again."""
        with self._lock:
            self._live.clear()
