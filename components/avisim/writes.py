"""Committed writes and held replies, for crash-safety tests: a test holds the reply of the k-th
write (the object is already stored), kills its client at that exact point, then looks at what
the controller kept."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

SEND = "send"
DROP = "drop"


@dataclass
class HeldReply:
    """A committed write whose reply waits for ``release``; ``action`` says what then."""

    method: str
    path: str
    status: int
    action: str = SEND
    _released: threading.Event = field(default_factory=threading.Event, repr=False)

    def wait(self) -> str:
        """Block until released (or forever); the action to take with the reply."""
        self._released.wait()
        return self.action

    def release(self, action: str) -> None:
        self.action = action
        self._released.set()


class Writes:
    """Counts committed writes (POST/PUT/PATCH/DELETE that succeeded) and tracks held replies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._committed = 0
        self._held: list[HeldReply] = []

    def committed(self) -> None:
        with self._lock:
            self._committed += 1

    def hold(self, method: str, path: str, status: int) -> HeldReply:
        held = HeldReply(method, path, status)
        with self._lock:
            self._held.append(held)
        return held

    def done(self, held: HeldReply) -> None:
        with self._lock:
            if held in self._held:
                self._held.remove(held)

    def release(self, action: str = SEND) -> int:
        """Let every held reply go (``send`` it, or ``drop`` the connection); how many."""
        with self._lock:
            held, self._held = self._held, []
        for item in held:
            item.release(action)
        return len(held)

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {
                "committed": self._committed,
                "held": [
                    {"method": h.method, "path": h.path, "status": h.status} for h in self._held
                ],
            }

    def reset(self) -> None:
        with self._lock:
            self._committed = 0
