"""Avi API versions this project knows, and which one a request declares.

A controller answers 400 to an `X-Avi-Version` newer than itself and refuses fields introduced
after the version a request declares, so the version is chosen, never guessed: the configured one,
or else the controller's own capped at the newest version whose schema ships with avi-dsr.
"""

from __future__ import annotations

KNOWN_VERSIONS = ("22.1.4", "30.2.1")
NEWEST_KNOWN = KNOWN_VERSIONS[-1]
OLDEST_KNOWN = KNOWN_VERSIONS[0]


def version_tuple(version: str) -> tuple[int, ...]:
    """`"30.2.1"` -> (30, 2, 1); anything unparsable sorts first."""
    try:
        return tuple(int(part) for part in version.split("."))
    except (AttributeError, ValueError):
        return ()


def negotiated_version(controller_version: str | None) -> str:
    """The version to declare when none is configured: the controller's, capped at the newest
    known (a newer controller still serves older API versions)."""
    if not controller_version or not version_tuple(controller_version):
        return OLDEST_KNOWN
    if version_tuple(controller_version) >= version_tuple(NEWEST_KNOWN):
        return NEWEST_KNOWN
    return controller_version


def schema_version(api_version: str) -> str:
    """The newest shipped schema not newer than `api_version` (bodies are checked against it)."""
    wanted = version_tuple(api_version)
    usable = [v for v in KNOWN_VERSIONS if version_tuple(v) <= wanted]
    return usable[-1] if usable else OLDEST_KNOWN
