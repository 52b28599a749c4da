"""The one exception type the controller raises; the HTTP layer turns it into a response."""

from __future__ import annotations


class ApiError(Exception):
    """An API failure with the HTTP status and message a real controller would send.

    ``plain`` errors are sent as text (the controller's CSRF failure is plain text, not JSON).
    """

    def __init__(self, status: int, message: str, *, plain: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.plain = plain
