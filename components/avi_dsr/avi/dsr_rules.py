"""Pure rules for the preflight: what a controller must be and have for a DSR service.

Each rule cites where Avi says so (see ../shared/reference/avi-api.md for the sources):
- a controller answers 400 to an X-Avi-Version newer than itself [avi-api.md §7];
- DSR is configured only through a fast-path profile whose dsr_profile Swagger allows "in
  Enterprise, Enterprise with Cloud Services" only [Swagger NetworkProfile, 30.2.1];
- DSR ecosystems: VMware (vCenter cloud), Linux server cloud, and from 30.2.1 OpenStack
  [Avi DSR overview pages, 22.1 and 30.2; avi-api.md §2.2];
- IPv6 L3 DSR from 30.2.1 [Avi 30.2 Layer 3 DSR page; avi-api.md §1.3].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .versions import version_tuple

MIN_IPV6_DSR_VERSION = "30.2.1"
DSR_TIERS = frozenset(
    {"ENTERPRISE", "ENTERPRISE_16", "ENTERPRISE_18", "ENTERPRISE_WITH_CLOUD_SERVICES"}
)
# "VMware no access" is served by No-Orchestrator clouds (CLOUD_NONE) on current releases.
DSR_CLOUD_TYPES = {
    "CLOUD_VCENTER": "22.1.4",
    "CLOUD_NONE": "22.1.4",
    "CLOUD_LINUXSERVER": "22.1.4",
    "CLOUD_OPENSTACK": "30.2.1",
}


class ServiceFacts(Protocol):
    cloud: str | None
    se_group: str | None
    vrf: str | None
    dsr_type: str | None
    encap: str | None
    ipv6: bool


@dataclass(frozen=True)
class ControllerFacts:
    """What the preflight read from the controller."""

    version: str | None
    license_tier: str | None
    cloud: str | None
    cloud_found: bool
    cloud_type: str | None
    se_group: str | None
    se_group_found: bool
    vrf: str | None
    vrf_found: bool


def preflight_problems(
    api_version: str | None, controller: ControllerFacts, facts: ServiceFacts
) -> list[str]:
    """Every reason this controller cannot take the write, each naming the fix."""
    problems = _version_problems(api_version, controller.version)
    problems += _existence_problems(controller)
    if facts.dsr_type:
        problems += _dsr_problems(controller, facts)
    return problems


def _version_problems(api_version: str | None, controller: str | None) -> list[str]:
    if api_version and controller and version_tuple(api_version) > version_tuple(controller):
        return [
            f"apiVersion {api_version} is newer than the controller ({controller}), which "
            f"answers 400 to it; set apiVersion to {controller} or leave it unset"
        ]
    return []


def _existence_problems(c: ControllerFacts) -> list[str]:
    missing = [
        (kind, name, fix)
        for kind, name, found, fix in (
            ("cloud", c.cloud, c.cloud_found, "cloud"),
            ("SE group", c.se_group, c.se_group_found, "seGroup"),
            ("VRF", c.vrf, c.vrf_found, "vrf"),
        )
        if name and not found
    ]
    return [
        f"{kind} {name!r} does not exist on the controller; create it there or fix {fix}"
        for kind, name, fix in missing
    ]


def _dsr_problems(c: ControllerFacts, facts: ServiceFacts) -> list[str]:
    problems = []
    if c.license_tier and c.license_tier not in DSR_TIERS:
        problems.append(
            f"DSR needs the Enterprise edition, but the licence tier here is {c.license_tier}; "
            "license the SE group's cloud for Enterprise"
        )
    since = DSR_CLOUD_TYPES.get(c.cloud_type or "")
    if c.cloud_type and (since is None or version_tuple(c.version or "") < version_tuple(since)):
        problems.append(
            f"cloud {c.cloud!r} is {c.cloud_type}, where Avi does not document DSR (documented: "
            f"{', '.join(sorted(DSR_CLOUD_TYPES))}); place the service in such a cloud"
        )
    if facts.ipv6 and version_tuple(c.version or "") < version_tuple(MIN_IPV6_DSR_VERSION):
        problems.append(
            f"IPv6 L3 DSR needs Avi {MIN_IPV6_DSR_VERSION} or later, the controller runs "
            f"{c.version}; drop vip6 or upgrade the controller"
        )
    return problems
