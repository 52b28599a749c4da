"""Avi releases: which the project knows, what DSR feature needs which, and version arithmetic.

Pure and Pulumi-free, so the config layer, the renderers' callers and the providers share one
notion of "newer than". Avi versions are ``major.minor.patch``; releases come in trains
(``22.1``, ``30.2``) and a field can be back-ported to several trains at once ("Field introduced
in 21.1.4, 22.1.3." in Avi's Swagger means 21.1.4+ on the 21.1 train and 22.1.3+ on 22.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Releases whose Swagger the project has derived a compact schema from (avi/schema/avi-*.json).
KNOWN_API_VERSIONS: tuple[str, ...] = ("22.1.4", "30.2.1")
NEWEST_KNOWN_API_VERSION = KNOWN_API_VERSIONS[-1]
OLDEST_KNOWN_API_VERSION = KNOWN_API_VERSIONS[0]

# DSR (L2 and L3 IP-in-IP) appeared in 18.2.3 [Swagger: DsrProfile "Field introduced in 18.2.3";
# docs avinetworks.com/docs/18.2/direct-server-return/ "Starting with Avi Vantage release 18.2.3"].
MIN_DSR_VERSION = "18.2.3"
# GRE for L3 DSR [docs avinetworks.com/docs/22.1/direct-server-return/ "Starting with ... 21.1.4,
# Generic Routing Encapsulation (GRE) tunnel is supported for layer 3 DSR"].
MIN_GRE_VERSION = "21.1.4"
# IPv6 L3 DSR [docs: VMware Avi Load Balancer 30.2 Configuration Guide, "Layer 3 DSR"
# (GUID-DA980633-9D2A-4663-844D-1419FC8C4D1C): supported for IPv6 starting with 30.2.1; the 18.2
# to 22.1 DSR pages say "This feature is only supported for IPv4"].
MIN_IPV6_DSR_VERSION = "30.2.1"

# fullmatch and [0-9]: `re.match` with `$` accepts "22.1.4\n" and \d accepts other scripts' digits;
# either would reach the X-Avi-Version header.
_VERSION = re.compile(r"[0-9]{1,4}\.[0-9]{1,4}\.[0-9]{1,4}")


def is_version(text: object) -> bool:
    """True for ``major.minor.patch`` strings such as ``22.1.4``."""
    return isinstance(text, str) and _VERSION.fullmatch(text) is not None


def version_tuple(text: str) -> tuple[int, ...]:
    """``"22.1.4"`` -> ``(22, 1, 4)``; compares releases numerically (``30.2.1 > 22.1.10``)."""
    return tuple(int(part) for part in text.split("."))


def is_older(version: str, than: str) -> bool:
    return version_tuple(version) < version_tuple(than)


def effective_api_version(configured: str | None, controller: str) -> str:
    """The ``X-Avi-Version`` a run sends: the configured one, else the controller's own version
    capped at the newest release the project has a schema for (a newer controller still
    answers requests of an older version; the project cannot check bodies of a newer one)."""
    if configured:
        return configured
    if is_older(NEWEST_KNOWN_API_VERSION, controller):
        return NEWEST_KNOWN_API_VERSION
    return controller


def available_in(introduced: Iterable[str], version: str) -> bool:
    """Whether a field "introduced in" these releases exists at ``version``.

    On a train that got the field, from the listed patch on; on a train newer than every listed
    one, always; on an older train, or one skipped by the back-ports, never.
    """
    listed = sorted(introduced, key=version_tuple)
    if not listed:
        return True
    have = version_tuple(version)
    for release in listed:
        if version_tuple(release)[:2] == have[:2]:
            return have >= version_tuple(release)
    return have[:2] > version_tuple(listed[-1])[:2]


def schema_release_for(version: str) -> str:
    """The known schema to validate ``version``'s requests with: the oldest known release not
    older than it (a superset, filtered by "introduced in"), else the newest known."""
    for known in KNOWN_API_VERSIONS:
        if not is_older(known, version):
            return known
    return NEWEST_KNOWN_API_VERSION
