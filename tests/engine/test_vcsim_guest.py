"""The guest hook plays VMware Tools from the VM's own guestinfo only, as a real guest would.

VMs here are made with govc, not by the program: the hook must not depend on anything avi-dsr
does, only on what vCenter holds for the VM.
"""

from __future__ import annotations

import base64
import gzip
import time
from typing import Any

import pytest
import yaml
from vcsim_harness import VcsimProcess

pytestmark = pytest.mark.engine

NETPLAN = {
    "version": 2,
    "ethernets": {
        "ens192": {
            "addresses": ["192.0.2.21/24", "2001:db8:7::21/64"],
            "routes": [{"to": "default", "via": "192.0.2.1"}],
            "gateway6": "2001:db8:7::1",  # the deprecated key, still read by netplan
            "nameservers": {"addresses": ["192.0.2.53"], "search": ["example.test"]},
        }
    },
    "tunnels": {
        "dsr4": {"mode": "ipip", "local": "192.0.2.21", "remote": "0.0.0.0",
                 "addresses": ["203.0.113.99/32"]},
    },
}  # fmt: skip


def gzip_base64(document: dict[str, Any]) -> str:
    return base64.b64encode(gzip.compress(yaml.safe_dump(document).encode(), mtime=0)).decode()


def make_vm(vcsim: VcsimProcess, name: str, *extra: str) -> None:
    inv = vcsim.inventory
    vcsim.govc(
        "vm.create", "-on=false", "-ds", inv["datastore"], "-net", inv["network"],
        "-pool", f"/{inv['datacenter']}/host/{inv['cluster']}/Resources",
        "-folder", vcsim.vm_folder(), name,
    )  # fmt: skip
    if extra:
        vcsim.govc("vm.change", "-vm", f"{vcsim.vm_folder()}/{name}", *extra)
    vcsim.govc("vm.power", "-on", f"{vcsim.vm_folder()}/{name}")


def guest(vcsim: VcsimProcess, name: str) -> dict[str, Any]:
    return vcsim.properties(
        f"{vcsim.vm_folder()}/{name}",
        "guest.net",
        "guest.ipStack",
        "guest.hostName",
        "guest.toolsRunningStatus",
        "config.swapPlacement",
    )


def reported_soon(vcsim: VcsimProcess, name: str, seconds: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        found = guest(vcsim, name)
        if any(n.get("ipConfig") for n in found["guest.net"] or []):
            return found
        if time.monotonic() > deadline:
            return found
        time.sleep(0.3)


@pytest.fixture
def vcsim(start_vcsim: Any) -> VcsimProcess:
    return start_vcsim("-boot-delay", "300ms", "-report-every", "0")


def test_a_guest_reports_what_its_guestinfo_netplan_configures(vcsim: VcsimProcess) -> None:
    metadata = {"instance-id": "i-1", "local-hostname": "app21", "network": NETPLAN}
    make_vm(
        vcsim,
        "app21",
        "-e", f"guestinfo.metadata={gzip_base64(metadata)}",
        "-e", "guestinfo.metadata.encoding=gzip+base64",
    )  # fmt: skip

    found = reported_soon(vcsim, "app21")

    nics = found["guest.net"]
    devices = vcsim.properties(f"{vcsim.vm_folder()}/app21", "config.hardware.device")
    (card,) = [d for d in devices["config.hardware.device"] if "macAddress" in d]
    # the vNIC, as its device, then the tunnel, which is no device
    assert [(n["deviceConfigId"], n.get("macAddress")) for n in nics] == [
        (card["key"], card["macAddress"]),
        (-1, None),
    ]
    assert nics[0]["network"] == vcsim.inventory["network"]
    assert [a["ipAddress"] for a in nics[0]["ipConfig"]["ipAddress"]][:2] == [
        "192.0.2.21",
        "2001:db8:7::21",
    ]
    assert nics[0]["ipConfig"]["ipAddress"][2]["ipAddress"].startswith("fe80::")  # EUI-64
    assert [a["ipAddress"] for a in nics[1]["ipConfig"]["ipAddress"]] == ["203.0.113.99"]
    (stack,) = found["guest.ipStack"]
    routes = {(r["network"], r["prefixLength"], r["gateway"].get("ipAddress")) for r in
              stack["ipRouteConfig"]["ipRoute"]}  # fmt: skip
    assert {("0.0.0.0", 0, "192.0.2.1"), ("::", 0, "2001:db8:7::1")} <= routes
    assert ("192.0.2.0", 24, None) in routes  # the connected subnet
    assert stack["dnsConfig"]["ipAddress"] == ["192.0.2.53"]
    assert stack["dnsConfig"]["searchDomain"] == ["example.test"]
    assert found["guest.hostName"] == "app21"
    assert found["guest.toolsRunningStatus"] == "guestToolsRunning"
    assert found["config.swapPlacement"] == "inherit"


def test_plain_base64_metadata_is_read_too(vcsim: VcsimProcess) -> None:
    metadata = {"local-hostname": "app22", "network": {"network": NETPLAN}}  # wrapped form
    encoded = base64.b64encode(yaml.safe_dump(metadata).encode()).decode()
    make_vm(
        vcsim,
        "app22",
        "-e", f"guestinfo.metadata={encoded}",
        "-e", "guestinfo.metadata.encoding=base64",
    )  # fmt: skip

    reported_soon(vcsim, "app22")

    assert "192.0.2.21" in vcsim.reported_addresses("app22")


@pytest.mark.parametrize(
    "extra",
    [
        (),  # no guestinfo at all: cloud-init has nothing to configure
        (  # DHCP only: nothing to hand out addresses here
            "-e",
            "guestinfo.metadata="
            + gzip_base64({"network": {"version": 2, "ethernets": {"ens192": {"dhcp4": True}}}}),
            "-e",
            "guestinfo.metadata.encoding=gzip+base64",
        ),
    ],
    ids=["no-guestinfo", "dhcp-only"],
)
def test_a_guest_with_nothing_static_reports_no_address(
    vcsim: VcsimProcess, extra: tuple[str, ...]
) -> None:
    make_vm(vcsim, "app23", *extra)

    found = reported_soon(vcsim, "app23", seconds=3)

    assert vcsim.reported_addresses("app23") == []
    assert found["guest.hostName"] in (None, "")
    assert found["config.swapPlacement"] == "inherit"  # vCenter's default is still filled in
