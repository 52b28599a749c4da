"""Preflight rules (pure): controller facts + service facts in -> exact problems out."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from avi_dsr.config import parse_stack
from avi_dsr.config.fields import Problem
from avi_dsr.preflight import (
    PREFLIGHT_READS,
    CloudFacts,
    ControllerFacts,
    ServiceFacts,
    preflight_problems,
    reads_for,
)
from dsr_stacks import LAB6_SERVICES, LAB_VALUES

VCENTER = CloudFacts(
    vtype="CLOUD_VCENTER",
    vcenter_privilege="WRITE_ACCESS",
    se_groups={"Default-Group": None},
    vrfs=frozenset({"global"}),
    networks=frozenset({"seg-vip", "seg-web"}),
)
GOOD = ControllerFacts(
    version="22.1.4", license_tier="ENTERPRISE", clouds={"Default-Cloud": VCENTER}
)
WEB = ServiceFacts(
    key="avi-dsr:services[0]",
    networks=(("placement.vipNetwork", "seg-vip"),),
)
WEB6 = dataclasses.replace(WEB, key="avi-dsr:services[1]", ipv6=True)
S0 = "avi-dsr:services[0]"


def cloud(**changes):
    return dataclasses.replace(
        GOOD, clouds={"Default-Cloud": dataclasses.replace(VCENTER, **changes)}
    )


CASES = [
    ("the write-up's controller", GOOD, [WEB], "22.1.4", []),
    ("apiVersion unset", GOOD, [WEB], None, []),
    (
        "apiVersion newer than the controller",
        GOOD,
        [WEB],
        "30.2.1",
        [
            Problem(
                "avi-dsr:controller.apiVersion",
                "30.2.1 is newer than the controller (22.1.4), which refuses it; set apiVersion "
                'to "22.1.4" or older, or leave it unset to use the controller\'s own version',
            )
        ],
    ),
    (
        "a controller too old for DSR",
        dataclasses.replace(GOOD, version="18.1.5"),
        [WEB],
        None,
        [
            Problem(
                "avi-dsr:controller.apiVersion",
                "DSR needs Avi 18.2.3 or later; the controller runs 18.1.5: upgrade it",
            )
        ],
    ),
    (
        "an Essentials controller",
        dataclasses.replace(GOOD, license_tier="ESSENTIALS"),
        [WEB],
        None,
        [
            Problem(
                f"{S0}.seGroup",
                "DSR needs the Enterprise, Enterprise with Cloud Services edition (Avi allows a "
                "DSR profile in no other), but the controller's default tier runs Essentials "
                "(ESSENTIALS); use an SE group or cloud with an Enterprise licence tier",
            )
        ],
    ),
    (
        "an Essentials SE group wins over an Enterprise cloud",
        cloud(license_tier="ENTERPRISE", se_groups={"Default-Group": "ESSENTIALS"}),
        [WEB],
        None,
        [
            Problem(
                f"{S0}.seGroup",
                "DSR needs the Enterprise, Enterprise with Cloud Services edition (Avi allows a "
                "DSR profile in no other), but SE group 'Default-Group' runs Essentials "
                "(ESSENTIALS); use an SE group or cloud with an Enterprise licence tier",
            )
        ],
    ),
    (
        "a Basic cloud",
        cloud(license_tier="BASIC"),
        [WEB],
        None,
        [
            Problem(
                f"{S0}.cloud",
                "DSR needs the Enterprise, Enterprise with Cloud Services edition (Avi allows a "
                "DSR profile in no other), but cloud 'Default-Cloud' runs Basic (BASIC); use an "
                "SE group or cloud with an Enterprise licence tier",
            )
        ],
    ),
    (
        "an Enterprise SE group on an Essentials controller",
        dataclasses.replace(
            cloud(se_groups={"Default-Group": "ENTERPRISE_18"}), license_tier="ESSENTIALS"
        ),
        [WEB],
        None,
        [],
    ),
    (
        "an NSX-T cloud",
        cloud(vtype="CLOUD_NSXT"),
        [WEB],
        None,
        [
            Problem(
                f"{S0}.cloud",
                "cloud 'Default-Cloud' is of type CLOUD_NSXT, where Avi does not document DSR; it "
                "does for: VMware vCenter with write access (CLOUD_VCENTER); No Orchestrator "
                "(VMware or OpenStack no-access) (CLOUD_NONE); Linux server cloud "
                "(CLOUD_LINUXSERVER). Use such a cloud",
            )
        ],
    ),
    (
        "a read-only vCenter cloud",
        cloud(vcenter_privilege="READ_ACCESS"),
        [WEB],
        None,
        [
            Problem(
                f"{S0}.cloud",
                "vCenter cloud 'Default-Cloud' has READ_ACCESS; Avi documents DSR for VMware "
                "write access (or a No-Orchestrator cloud): give the cloud write access",
            )
        ],
    ),
    ("a No-Orchestrator cloud", cloud(vtype="CLOUD_NONE", vcenter_privilege=None), [WEB], None, []),
    (
        "what the controller lacks",
        cloud(se_groups={}, vrfs=frozenset(), networks=frozenset({"seg-web"})),
        [WEB],
        None,
        [
            Problem(
                f"{S0}.seGroup",
                "SE group 'Default-Group' does not exist in cloud 'Default-Cloud'; create it or "
                "name an existing one",
            ),
            Problem(
                f"{S0}.vrf",
                "VRF 'global' does not exist in cloud 'Default-Cloud'; create it or name an "
                "existing one (a fresh controller has 'global')",
            ),
            Problem(
                f"{S0}.placement.vipNetwork",
                "Avi network 'seg-vip' does not exist in cloud 'Default-Cloud'; create it "
                "(Infrastructure > Cloud Resources > Networks, with its subnet) or name an "
                "existing one",
            ),
        ],
    ),
    (
        "no such cloud",
        dataclasses.replace(GOOD, clouds={}),
        [WEB],
        None,
        [
            Problem(
                f"{S0}.cloud",
                "cloud 'Default-Cloud' does not exist on the controller; create it (a vCenter "
                "cloud with write access) or name an existing cloud",
            )
        ],
    ),
    (
        "IPv6 DSR on a 22.1.4 vCenter cloud",
        GOOD,
        [WEB6],
        None,
        [
            Problem(
                "avi-dsr:services[1].vip6",
                "IPv6 L3 DSR needs Avi 30.2.1 or later (Avi 22.1.4 supports DSR for IPv4 only); "
                "the run uses API version 22.1.4: upgrade the controller to 30.2.1 or serve IPv4 "
                "only",
            ),
            Problem(
                "avi-dsr:services[1].vip6",
                "Avi documents IPv6 L3 DSR (30.2.1+) only for No Orchestrator (OpenStack "
                "no-access) (CLOUD_NONE), and cloud 'Default-Cloud' is CLOUD_VCENTER; serve IPv4 "
                "on this cloud or use such a cloud",
            ),
        ],
    ),
    (
        "IPv6 DSR on a 30.2.1 No-Orchestrator cloud",
        dataclasses.replace(cloud(vtype="CLOUD_NONE"), version="30.2.1"),
        [WEB, WEB6],
        None,
        [],
    ),
    (
        "GRE on a controller older than 21.1.4",
        dataclasses.replace(GOOD, version="21.1.3"),
        [dataclasses.replace(WEB, encap="GRE")],
        None,
        [
            Problem(
                f"{S0}.networkProfile.encap",
                "GRE encapsulation needs Avi 21.1.4 or later (apiVersion is 21.1.3); use IPINIP",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("controller", "services", "api_version", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_preflight_problems(controller, services, api_version, expected):
    assert preflight_problems(controller, services, api_version=api_version) == expected


def test_a_newer_controller_without_apiversion_is_checked_at_the_newest_known_version():
    """31.1.1 answers 30.2.1 requests: nothing to refuse, and IPv6 DSR is available."""
    newer = dataclasses.replace(cloud(vtype="CLOUD_NONE"), version="31.1.1")
    assert preflight_problems(newer, [WEB6], api_version=None) == []
    assert preflight_problems(newer, [WEB6], api_version="22.1.4")[0].key.endswith(".vip6")


def test_library_users_name_their_controller_key():
    problems = preflight_problems(GOOD, [WEB], api_version="30.2.1", controller_key="ctl")
    assert [p.key for p in problems] == ["ctl.apiVersion"]


def _lab6_stack():
    values = copy.deepcopy(LAB_VALUES)
    values["controller"]["apiVersion"] = "30.2.1"
    values["services"] = copy.deepcopy(LAB6_SERVICES)
    values["services"][1]["placement"]["serverNetworks"] = [
        {"network": "seg-web", "subnet": "2001:db8:20::/64"}
    ]
    return parse_stack(values)


def test_service_facts_come_from_the_spec_and_survive_the_wire():
    web, web6 = (
        ServiceFacts.of(s, f"avi-dsr:services[{i}]") for i, s in enumerate(_lab6_stack().services)
    )
    assert web == WEB
    assert web6 == dataclasses.replace(
        WEB6,
        networks=(
            ("placement.vipNetwork", "seg-vip"),
            ("placement.serverNetworks[0].network", "seg-web"),
        ),
    )
    assert ServiceFacts.from_wire(web6.wire()) == web6


def test_each_distinct_read_is_made_once_per_run():
    facts = [ServiceFacts.of(s, f"s{i}") for i, s in enumerate(_lab6_stack().services)]
    reads = [(read.path, params) for read, params in reads_for(facts)]
    assert reads == [
        ("initial-data", {}),
        ("systemconfiguration", {}),
        ("cloud", {"name": "Default-Cloud"}),
        ("serviceenginegroup", {"name": "Default-Group", "cloud_ref.name": "Default-Cloud"}),
        ("vrfcontext", {"name": "global", "cloud_ref.name": "Default-Cloud"}),
        ("network", {"name": "seg-vip", "cloud_ref.name": "Default-Cloud"}),
        ("network", {"name": "seg-web", "cloud_ref.name": "Default-Cloud"}),
    ]
    assert all(read.source for read in PREFLIGHT_READS)


def test_facts_from_the_controllers_answers():
    facts = ControllerFacts.from_answers(
        {"version": {"Version": "22.1.4", "build": 9999}},
        {"default_license_tier": "ENTERPRISE"},
        clouds={
            "Default-Cloud": {
                "name": "Default-Cloud",
                "vtype": "CLOUD_VCENTER",
                "vcenter_configuration": {"privilege": "WRITE_ACCESS"},
            },
            "Other": None,
        },
        se_groups={("Default-Cloud", "Default-Group"): {"name": "Default-Group"}},
        vrfs={("Default-Cloud", "global"): {"name": "global"}, ("Default-Cloud", "x"): None},
        networks={("Default-Cloud", "seg-vip"): {}, ("Default-Cloud", "seg-web"): {"name": "s"}},
    )
    assert facts == dataclasses.replace(
        GOOD,
        clouds={"Default-Cloud": dataclasses.replace(VCENTER, networks=frozenset({"seg-web"}))},
    )
    with pytest.raises(ValueError, match=r"initial-data has no version\.Version"):
        ControllerFacts.from_answers({}, None, clouds={})
