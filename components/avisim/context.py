"""Per-request facts the controller needs: who is asking, in which tenant, at which API version."""

from __future__ import annotations

import re
from dataclasses import dataclass

from avisim.errors import ApiError

Version = tuple[int, ...]


@dataclass(frozen=True)
class RequestContext:
    """``tenant`` is a tenant uuid; ``base_url`` prefixes refs in responses."""

    tenant: str
    api_version: Version
    base_url: str


def parse_version(text: str) -> Version:
    """ "22.1.4" -> (22, 1, 4); anything else is the controller's 400 "Invalid version"."""
    match = re.fullmatch(r"\s*(\d+)\.(\d+)(?:\.(\d+))?(?:[-.]\S*)?\s*", text)
    if not match:
        raise ApiError(400, f"Invalid version {text!r}: use a release number like 22.1.4")
    return tuple(int(part) for part in match.groups() if part is not None)
