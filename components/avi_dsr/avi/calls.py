"""Requests for one object with the retry rules of its method, and errors that say what failed.

GET, PUT and DELETE are idempotent: a 5xx answer or a failed connection is retried with backoff
until the policy's window closes (long enough for a controller restart). POST is never re-sent
here: whether it committed is decided by the caller, from the object's ownership markers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from . import policy
from .client import AviSession, CallFailed, error_text
from .errors import AviProviderError

# Reads ask for `#name` on every ref, so by-name refs in a body compare with what the controller
# holds even when the name was never seen in a write response.
WITH_NAMES = {"include_name": "true"}


class ObjectCalls:
    """Calls about one object (`what` = "pool 'web-pool'") in one tenant."""

    def __init__(self, session: AviSession, what: str, tenant: str | None) -> None:
        self.session = session
        self.what = what
        self.tenant = tenant

    def get(self, path: str, params: Mapping[str, str] | None = None) -> requests.Response:
        return self._retrying("GET", lambda: self._send("GET", path, params=params))

    def put(self, path: str, body: Mapping[str, Any]) -> requests.Response:
        return self._retrying("PUT", lambda: self._send("PUT", path, body=body))

    def delete(self, path: str) -> requests.Response:
        return self._retrying("DELETE", lambda: self._send("DELETE", path))

    def post_once(self, path: str, body: Mapping[str, Any]) -> requests.Response:
        """One POST; CallFailed tells the caller that no answer came (it may have committed)."""
        return self._send("POST", path, body=body)

    def find_by_name(self, obj_type: str, name: str) -> dict[str, Any] | None:
        rsp = self.get(obj_type, params={"name": name, **WITH_NAMES})
        self.raise_unless_ok(rsp, "look up by name")
        results = (rsp.json() or {}).get("results") or []
        return results[0] if results else None

    def raise_unless_ok(self, rsp: requests.Response, action: str) -> None:
        if rsp.status_code not in (200, 201):
            raise AviProviderError(
                f"{self.what}: {action} failed (HTTP {rsp.status_code}: {error_text(rsp)})"
            )

    def deadline(self) -> float:
        return time.monotonic() + policy.current().window_seconds

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, path, tenant=self.tenant, **kwargs)

    def _retrying(self, method: str, call: Callable[[], requests.Response]) -> requests.Response:
        deadline = self.deadline()
        waits = policy.current().waits()
        while True:
            try:
                rsp = call()
            except CallFailed as failure:
                last: str = failure.describe()
                rsp = None
            else:
                if rsp.status_code < 500:
                    return rsp
                last = f"HTTP {rsp.status_code}: {error_text(rsp)}"
            wait = next(waits)
            if time.monotonic() + wait > deadline:
                if rsp is not None:
                    return rsp  # the caller words the controller's own error
                raise AviProviderError(
                    f"{self.what}: {method} to {self.session.conn.url} failed for "
                    f"{policy.current().window_seconds:g} s ({last}); check that the controller "
                    "is up and reachable, then run the command again"
                )
            time.sleep(wait)
