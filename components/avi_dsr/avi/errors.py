"""One error type for everything the providers tell the user.

The message is a single line (object type, name, what failed, what to do): the dynamic-provider host
prints an exception's text to the user, so the text is the interface, not the stack.
"""

from __future__ import annotations


class AviProviderError(Exception):
    """A failure the user can act on, already phrased as one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


def describe(obj_type: str, name: object) -> str:
    """`pool 'web-pool'` - the prefix every provider message starts with."""
    return f"{obj_type} {name!r}" if name else obj_type


class CommittedButFailed(AviProviderError):
    """The write is on the controller, but what had to follow it failed (the VS did not come up).

    The host records the object with the failure (a partial create), so the next `pulumi up`
    checks it again instead of losing it.
    """

    def __init__(self, message: str, uuid: str, outputs: dict) -> None:
        super().__init__(message)
        self.uuid = uuid
        self.outputs = outputs
