"""Avi release numbers: parsing the X-Avi-Version header and deciding whether a field exists at
the version a request declares."""

from __future__ import annotations

import re
from collections.abc import Sequence

from avisim.errors import ApiError

Version = tuple[int, ...]

# Avi API versioning (avinetworks.com/docs/latest/api-versioning/): "if X-Avi-Version is not
# specified, the Avi Controller defaults to API version 16.4.1".
NO_HEADER_VERSION: Version = (16, 4, 1)

_VERSION = re.compile(r"\s*(\d+)\.(\d+)(?:\.(\d+))?(?:[-.]\S*)?\s*")


def parse_version(text: str) -> Version:
    """ "22.1.4" -> (22, 1, 4); anything else is the controller's 400 "Invalid version"."""
    match = _VERSION.fullmatch(text)
    if not match:
        raise ApiError(400, f"Invalid version {text!r}: use a release number like 22.1.4")
    return tuple(int(part) for part in match.groups() if part is not None)


def version_text(version: Version) -> str:
    """(22, 1, 4) -> "22.1.4"."""
    return ".".join(map(str, version))


def wire_version(version: Version) -> str:
    """(22, 1, 4) -> "v22_1_4", the form the controller prints in version errors."""
    return "v" + "_".join(map(str, version))


def introduced(since: str | Sequence[str]) -> list[Version]:
    """A field's "Field introduced in ..." releases ("17.2.12, 18.1.2" lists one per train)."""
    texts = [since] if isinstance(since, str) else list(since)
    return sorted(parse_version(t) for t in texts)


def available(since: str | Sequence[str] | None, request: Version) -> bool:
    """Whether a field exists for a request at ``request``.

    A field listed for several release trains ("17.2.12, 18.1.2") exists in each listed train
    from that release on, and in every later train; the latest listed train at or below the
    request's train decides.
    """
    if since is None:
        return True
    earlier_trains = [v for v in introduced(since) if v[:2] <= request[:2]]
    if not earlier_trains:
        return False
    latest = earlier_trains[-1]
    return request >= latest if latest[:2] == request[:2] else True
