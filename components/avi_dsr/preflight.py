"""Preflight rules: what a controller's own facts say about a run, before its first write.

Pure: no I/O. The provider reads the controller once per run (the GETs in
:data:`PREFLIGHT_READS`, made distinct by :func:`reads_for`), turns the answers into
:class:`ControllerFacts` (:meth:`ControllerFacts.from_answers`) and calls
:func:`preflight_problems`, which returns every problem at once, each naming the config key and
the fix, so a refused run sends no write at all. Every rule cites where Avi documents it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from avi_dsr.config.fields import Problem
from avi_dsr.config.specs import ServiceSpec
from avi_dsr.rules import gre_version_problem, ipv6_version_problem
from avi_dsr.versions import (
    MIN_DSR_VERSION,
    NEWEST_KNOWN_API_VERSION,
    effective_api_version,
    is_older,
    version_tuple,
)

CONTROLLER_KEY = "avi-dsr:controller"

# Cloud types (Cloud.vtype) Avi documents DSR for. The DSR overview's "Ecosystem" row reads
# "VMware write, VMware No-access, and Linux server cloud" [docs avinetworks.com/docs/18.2 and
# /22.1/direct-server-return/; docs.vmware.com NSX-ALB 20.1.4 and 22.1 Configuration Guide
# GUID-FE309741-DEFF-42C1-9AE1-69F36806E93D], and 30.2 adds "OpenStack No-Access" [VMware Avi
# Load Balancer 30.2 Configuration Guide, same GUID]. A no-access deployment is a
# "No Orchestrator" cloud whatever the environment [docs avinetworks.com/docs/latest/
# orchestrator-access-modes/: "the Avi Vantage cloud setting is configured as 'no orchestrator'
# regardless of the cloud/virtualization environment"; 30.2 Installation Guide
# GUID-C6362CC2-B0EB-45EB-A85C-EFE0DFB6ECE0], i.e. vtype CLOUD_NONE.
DSR_CLOUD_TYPES: Mapping[str, str] = {
    "CLOUD_VCENTER": "VMware vCenter with write access",
    "CLOUD_NONE": "No Orchestrator (VMware or OpenStack no-access)",
    "CLOUD_LINUXSERVER": "Linux server cloud",
}
# IPv6 L3 DSR: from 30.2.1, documented "in OpenStack" only, and 30.2 lists OpenStack for DSR only
# as "OpenStack No-Access" [30.2 Configuration Guide "Layer 3 DSR" GUID-DA980633-9D2A-4663-844D-
# 1419FC8C4D1C; avi-api.md §1.3: "for vCenter/NSX clouds it is not stated"].
IPV6_DSR_CLOUD_TYPES: Mapping[str, str] = {
    "CLOUD_NONE": "No Orchestrator (OpenStack no-access)",
}
# vCenterConfiguration.privilege "Enum options - NO_ACCESS, READ_ACCESS, WRITE_ACCESS" [Swagger
# Cloud.json]; the DSR ecosystem row names VMware *write* access.
VCENTER_DSR_PRIVILEGE = "WRITE_ACCESS"


@dataclass(frozen=True)
class Read:
    """One GET of the preflight: ``/api/<path>?<params>``, from which ``fields`` are read.

    ``params`` may use ``{cloud}``, ``{se_group}``, ``{vrf}`` and ``{network}`` (filled per
    service by :func:`reads_for`); ``per`` says how often it is needed.
    """

    what: str
    path: str
    params: Mapping[str, str]
    fields: tuple[str, ...]
    per: str  # "controller" | "cloud" | "se_group" | "vrf" | "network"
    source: str


PREFLIGHT_READS: tuple[Read, ...] = (
    Read(
        "controller version",
        "initial-data",
        {},
        ("version.Version",),
        "controller",
        "avi-api.md §4.6: GET /api/initial-data -> {version: {Version: ...}} (Go SDK "
        "GetControllerVersion)",
    ),
    Read(
        "licence tier of the controller",
        "systemconfiguration",
        {},
        ("default_license_tier",),
        "controller",
        "Swagger SystemConfiguration.default_license_tier: the tier new clouds use",
    ),
    Read(
        "cloud type",
        "cloud",
        {"name": "{cloud}"},
        ("vtype", "license_tier", "vcenter_configuration.privilege"),
        "cloud",
        "Swagger Cloud.vtype, Cloud.license_tier (inherits the system's), "
        "vCenterConfiguration.privilege",
    ),
    Read(
        "SE group",
        "serviceenginegroup",
        {"name": "{se_group}", "cloud_ref.name": "{cloud}"},
        ("license_tier",),
        "se_group",
        "Swagger ServiceEngineGroup.license_tier ('by default inherits the value from cloud')",
    ),
    Read(
        "VRF",
        "vrfcontext",
        {"name": "{vrf}", "cloud_ref.name": "{cloud}"},
        ("name",),
        "vrf",
        "Swagger VrfContext (cloud-scoped); avi-api.md §3.3: a fresh controller's VRF is 'global'",
    ),
    Read(
        "placement network",
        "network",
        {"name": "{network}", "cloud_ref.name": "{cloud}"},
        ("name", "configured_subnets"),
        "network",
        "Swagger Network (cloud-scoped): the networks placement_networks/ipam_network_subnet "
        "refer to must exist",
    ),
)


@dataclass(frozen=True)
class ServiceFacts:
    """What the preflight needs to know of one service; ``key`` prefixes its problems
    (``avi-dsr:services[0]``, or a component's name for library users)."""

    key: str
    cloud: str = "Default-Cloud"
    se_group: str = "Default-Group"
    vrf: str = "global"
    dsr_type: str = "L3"
    encap: str = "IPINIP"
    ipv6: bool = False
    protocol: str = "tcp"
    networks: tuple[tuple[str, str], ...] = ()
    """(key suffix, Avi network name) of every network its placement refers to."""

    @classmethod
    def of(cls, spec: ServiceSpec, key: str) -> ServiceFacts:
        placement = spec.placement
        networks: list[tuple[str, str]] = []
        if placement.vip_network is not None:
            networks.append(("placement.vipNetwork", placement.vip_network))
        networks += [
            (f"placement.serverNetworks[{i}].network", n.network)
            for i, n in enumerate(placement.server_networks)
        ]
        return cls(
            key=key,
            cloud=spec.cloud,
            se_group=spec.se_group,
            vrf=spec.vrf,
            dsr_type=spec.network_profile.dsr_type,
            encap=spec.network_profile.encap,
            ipv6=spec.family == 6,
            protocol=spec.protocol,
            networks=tuple(networks),
        )

    def wire(self) -> dict[str, Any]:
        """Plain JSON (e.g. a resource input the provider reads back with :meth:`from_wire`)."""
        return {
            "key": self.key,
            "cloud": self.cloud,
            "se_group": self.se_group,
            "vrf": self.vrf,
            "dsr_type": self.dsr_type,
            "encap": self.encap,
            "ipv6": self.ipv6,
            "protocol": self.protocol,
            "networks": [list(n) for n in self.networks],
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ServiceFacts:
        networks = tuple((str(n[0]), str(n[1])) for n in data.get("networks", ()))
        return cls(**{**data, "networks": networks})


@dataclass(frozen=True)
class CloudFacts:
    """One cloud as the preflight read it; SE groups, VRFs and networks found in it."""

    vtype: str
    license_tier: str | None = None
    vcenter_privilege: str | None = None
    se_groups: Mapping[str, str | None] = field(default_factory=dict)  # name -> license_tier
    vrfs: frozenset[str] = frozenset()
    networks: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ControllerFacts:
    """The controller's answers; a cloud missing from ``clouds`` does not exist."""

    version: str
    license_tier: str | None = None
    clouds: Mapping[str, CloudFacts] = field(default_factory=dict)

    @classmethod
    def from_answers(
        cls,
        initial_data: Mapping[str, Any],
        system_configuration: Mapping[str, Any] | None,
        clouds: Mapping[str, Mapping[str, Any] | None],
        se_groups: Mapping[tuple[str, str], Mapping[str, Any] | None] | None = None,
        vrfs: Mapping[tuple[str, str], Mapping[str, Any] | None] | None = None,
        networks: Mapping[tuple[str, str], Mapping[str, Any] | None] | None = None,
    ) -> ControllerFacts:
        """From the GET answers: each object as found (the first result of a ``?name=``
        list), or None when not found; keyed by name, or (cloud, name) for cloud-scoped ones."""
        found: dict[str, CloudFacts] = {}
        for name, cloud in clouds.items():
            if cloud is None:
                continue
            vcenter = cloud.get("vcenter_configuration") or {}
            found[name] = CloudFacts(
                vtype=str(cloud.get("vtype", "CLOUD_NONE")),
                license_tier=cloud.get("license_tier"),
                vcenter_privilege=vcenter.get("privilege"),
                se_groups={
                    n: (obj or {}).get("license_tier")
                    for (c, n), obj in (se_groups or {}).items()
                    if c == name and obj is not None
                },
                vrfs=_names(vrfs, name),
                networks=_names(networks, name),
            )
        version = (initial_data.get("version") or {}).get("Version")
        if not isinstance(version, str):
            raise ValueError("initial-data has no version.Version; is this an Avi controller?")
        tier = (system_configuration or {}).get("default_license_tier")
        return cls(version=version, license_tier=tier, clouds=found)


def _names(
    objects: Mapping[tuple[str, str], Mapping[str, Any] | None] | None, cloud: str
) -> frozenset[str]:
    return frozenset(n for (c, n), obj in (objects or {}).items() if c == cloud and obj)


def reads_for(services: Iterable[ServiceFacts]) -> list[tuple[Read, dict[str, str]]]:
    """The distinct GETs a run needs: the controller-wide ones once, then each cloud, SE
    group, VRF and placement network once, whatever the number of services using it."""
    wanted: list[tuple[Read, dict[str, str]]] = []
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    services = list(services)
    for read in PREFLIGHT_READS:
        for values in _fillings(read.per, services):
            params = {k: v.format(**values) for k, v in read.params.items()}
            marker = (read.path, tuple(sorted(params.items())))
            if marker not in seen:
                seen.add(marker)
                wanted.append((read, params))
    return wanted


def _fillings(per: str, services: Sequence[ServiceFacts]) -> list[dict[str, str]]:
    if per == "controller":
        return [{}]
    if per == "network":
        return [{"cloud": s.cloud, "network": n} for s in services for _, n in s.networks]
    return [{"cloud": s.cloud, "se_group": s.se_group, "vrf": s.vrf} for s in services]


def preflight_problems(
    controller: ControllerFacts,
    services: Sequence[ServiceFacts],
    *,
    api_version: str | None,
    controller_key: str = CONTROLLER_KEY,
) -> list[Problem]:
    """Every reason this run would fail or silently not work on this controller.

    ``api_version`` is the configured one (None: the controller's, capped at the newest known).
    """
    problems: list[Problem] = []
    version = effective_api_version(api_version, controller.version)
    if api_version and is_older(controller.version, api_version):
        # A controller answers 400 to an X-Avi-Version newer than itself [avi-swagger README;
        # issue 9]. Check the rest as the run would go once that is fixed.
        problems.append(
            Problem(
                f"{controller_key}.apiVersion",
                f"{api_version} is newer than the controller ({controller.version}), which "
                f'refuses it; set apiVersion to "{controller.version}" or older, or leave it '
                "unset to use the controller's own version",
            )
        )
        version = effective_api_version(None, controller.version)
    if is_older(version, MIN_DSR_VERSION):
        problems.append(
            Problem(
                f"{controller_key}.apiVersion",
                f"DSR needs Avi {MIN_DSR_VERSION} or later; the controller runs "
                f"{controller.version}: upgrade it",
            )
        )
        return problems
    for service in services:
        problems += _service_problems(controller, service, version)
    return problems


def _service_problems(
    controller: ControllerFacts, svc: ServiceFacts, version: str
) -> list[Problem]:
    found: list[Problem] = []
    key = svc.key
    if svc.ipv6 and (problem := ipv6_version_problem(version)):
        found.append(
            Problem(
                f"{key}.vip6",
                f"{problem}; the run uses API version {version}: upgrade the controller to "
                "30.2.1 or serve IPv4 only",
            )
        )
    if svc.encap == "GRE" and (problem := gre_version_problem(version)):
        found.append(Problem(f"{key}.networkProfile.encap", f"{problem}; use IPINIP"))
    cloud = controller.clouds.get(svc.cloud)
    if cloud is None:
        found.append(
            Problem(
                f"{key}.cloud",
                f"cloud '{svc.cloud}' does not exist on the controller; create it (a vCenter "
                "cloud with write access) or name an existing cloud",
            )
        )
        return found
    found += _cloud_type_problems(svc, cloud)
    if svc.se_group not in cloud.se_groups:
        found.append(
            Problem(
                f"{key}.seGroup",
                f"SE group '{svc.se_group}' does not exist in cloud '{svc.cloud}'; create it "
                "or name an existing one",
            )
        )
    if svc.vrf not in cloud.vrfs:
        found.append(
            Problem(
                f"{key}.vrf",
                f"VRF '{svc.vrf}' does not exist in cloud '{svc.cloud}'; create it or name an "
                "existing one (a fresh controller has 'global')",
            )
        )
    for suffix, network in svc.networks:
        if network not in cloud.networks:
            found.append(
                Problem(
                    f"{key}.{suffix}",
                    f"Avi network '{network}' does not exist in cloud '{svc.cloud}'; create it "
                    "(Infrastructure > Cloud Resources > Networks, with its subnet) or name an "
                    "existing one",
                )
            )
    if problem := _edition_problem(controller, cloud, svc, version):
        found.append(problem)
    return found


def _cloud_type_problems(svc: ServiceFacts, cloud: CloudFacts) -> list[Problem]:
    found: list[Problem] = []
    if cloud.vtype not in DSR_CLOUD_TYPES:
        documented = "; ".join(f"{v} ({k})" for k, v in DSR_CLOUD_TYPES.items())
        found.append(
            Problem(
                f"{svc.key}.cloud",
                f"cloud '{svc.cloud}' is of type {cloud.vtype}, where Avi does not document DSR; "
                f"it does for: {documented}. Use such a cloud",
            )
        )
    elif cloud.vtype == "CLOUD_VCENTER" and cloud.vcenter_privilege not in (
        None,
        VCENTER_DSR_PRIVILEGE,
    ):
        found.append(
            Problem(
                f"{svc.key}.cloud",
                f"vCenter cloud '{svc.cloud}' has {cloud.vcenter_privilege}; Avi documents DSR "
                "for VMware write access (or a No-Orchestrator cloud): give the cloud write "
                "access",
            )
        )
    if svc.ipv6 and cloud.vtype not in IPV6_DSR_CLOUD_TYPES:
        documented = "; ".join(f"{v} ({k})" for k, v in IPV6_DSR_CLOUD_TYPES.items())
        found.append(
            Problem(
                f"{svc.key}.vip6",
                f"Avi documents IPv6 L3 DSR (30.2.1+) only for {documented}, and cloud "
                f"'{svc.cloud}' is {cloud.vtype}; serve IPv4 on this cloud or use such a cloud",
            )
        )
    return found


def _edition_problem(
    controller: ControllerFacts, cloud: CloudFacts, svc: ServiceFacts, version: str
) -> Problem | None:
    """DSR lives in the fast-path profile's ``dsr_profile``, which Avi allows only in some
    editions [Swagger TCPFastPathProfile/UDPFastPathProfile.dsr_profile: "Allowed in Enterprise
    edition with any value, Enterprise with Cloud Services edition"]. The tier in force is the
    SE group's, which inherits the cloud's, which inherits the system's [Swagger
    ServiceEngineGroup/Cloud.license_tier]."""
    # Late import: the schema lives in the provider package, which loads Pulumi.
    from avi_dsr.avi.schema import EDITION_NAMES, edition_of, load_schema

    sources = (
        (cloud.se_groups.get(svc.se_group), f"{svc.key}.seGroup", f"SE group '{svc.se_group}'"),
        (cloud.license_tier, f"{svc.key}.cloud", f"cloud '{svc.cloud}'"),
        (controller.license_tier, f"{svc.key}.seGroup", "the controller's default tier"),
    )
    tier, key, holder = next(((t, k, h) for t, k, h in sources if t), (None, "", ""))
    if tier is None:
        return None
    union = "udp_fast_path_profile" if svc.protocol == "udp" else "tcp_fast_path_profile"
    schema = load_schema(min(version, NEWEST_KNOWN_API_VERSION, key=version_tuple))
    spec = schema.field("networkprofile", f"profile.{union}.dsr_profile") or {}
    allowed = spec.get("editions")
    edition = edition_of(tier)
    if allowed is None or edition in allowed:
        return None
    names = ", ".join(EDITION_NAMES[e] for e in allowed)
    return Problem(
        key,
        f"DSR needs the {names} edition (Avi allows a DSR profile in no other), but "
        f"{holder} runs {EDITION_NAMES[edition]} ({tier}); use an SE group or cloud with an "
        "Enterprise licence tier",
    )
