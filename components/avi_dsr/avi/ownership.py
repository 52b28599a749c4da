"""Ownership markers: which stack and which resource made an Avi object.

Why: a create whose reply was lost (killed run, timeout, controller restart, 5xx after commit)
leaves an object Pulumi never recorded. Names alone cannot tell "the object my lost POST made"
from "another stack's object with the same name", and timestamps lie when clocks drift. So every
object we create carries Avi `markers` (labels, in every object type we manage) naming the stack
and the resource's URN; a later create takes a same-named object over only when the markers name
this very resource, and no stack ever changes or deletes an object whose markers name another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

STACK_KEY = "pulumi-stack"
RESOURCE_KEY = "pulumi-resource"
OWNER_KEYS = frozenset({STACK_KEY, RESOURCE_KEY})


@dataclass(frozen=True)
class Owner:
    """stack: `<project>/<stack>`; resource: the resource's URN (unique within the stack)."""

    stack: str
    resource: str

    @classmethod
    def from_urn(cls, urn: str) -> Owner:
        """`urn:pulumi:<stack>::<project>::<type>::<name>` -> Owner("<project>/<stack>", urn)."""
        parts = urn.split("::")
        head = parts[0].split(":")
        if len(parts) < 4 or len(head) < 3 or head[0] != "urn":
            raise ValueError(f"not a Pulumi URN: {urn!r}")
        return cls(stack=f"{parts[1]}/{head[2]}", resource=urn)

    def markers(self) -> list[dict[str, Any]]:
        return [
            {"key": STACK_KEY, "values": [self.stack]},
            {"key": RESOURCE_KEY, "values": [self.resource]},
        ]


@dataclass(frozen=True)
class Claim:
    """What an object's markers say about its owner (both None: nobody claims it)."""

    stack: str | None
    resource: str | None

    @property
    def unclaimed(self) -> bool:
        return self.stack is None

    def is_resource(self, owner: Owner) -> bool:
        return self.stack == owner.stack and self.resource == owner.resource

    def is_other_stack(self, owner: Owner) -> bool:
        return self.stack is not None and self.stack != owner.stack


def claim_of(obj: Mapping[str, Any]) -> Claim:
    """The owner an object's markers name."""
    found: dict[str, str] = {}
    for marker in obj.get("markers") or ():
        if isinstance(marker, Mapping) and marker.get("key") in OWNER_KEYS:
            values = marker.get("values") or []
            if values:
                found[marker["key"]] = str(values[0])
    return Claim(found.get(STACK_KEY), found.get(RESOURCE_KEY))


def with_owner(body: Mapping[str, Any], owner: Owner) -> dict[str, Any]:
    """The body with our markers, replacing any owner markers and keeping the user's others."""
    kept = [m for m in body.get("markers") or () if not _is_owner_marker(m)]
    return {**body, "markers": [*kept, *owner.markers()]}


def without_owner(body: Mapping[str, Any]) -> dict[str, Any]:
    """The body as the user sees it: owner markers removed (and `markers` too when it held only
    those), so comparisons and imports never mention them."""
    if "markers" not in body:
        return dict(body)
    kept = [m for m in body.get("markers") or () if not _is_owner_marker(m)]
    out = {k: v for k, v in body.items() if k != "markers"}
    if kept:
        out["markers"] = kept
    return out


def _is_owner_marker(marker: Any) -> bool:
    return isinstance(marker, Mapping) and marker.get("key") in OWNER_KEYS


def foreign_owner_error(what: str, uuid: str, claim: Claim, action: str) -> str:
    """One message for every refusal to touch another stack's object."""
    return (
        f"{what}: will not {action} uuid {uuid}: its ownership markers say stack "
        f"{claim.stack!r} manages it (resource {claim.resource}). A stack never changes another "
        "stack's object: choose another name, or remove the object from that stack first "
        "(destroy it there, or `pulumi state delete` it there and delete its pulumi-stack and "
        "pulumi-resource markers on the controller)"
    )
