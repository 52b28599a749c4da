"""A response the HTTP layer sends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Reply:
    """Status, JSON (or plain text) body, extra headers; ``after`` runs once the reply is sent
    (a restart requested through the control API must not cut its own reply)."""

    def __init__(
        self,
        status: int,
        body: Any = None,
        headers: dict[str, str | list[str]] | None = None,
        *,
        plain: bool = False,
        after: Callable[[], None] | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.plain = plain
        self.after = after
