"""The real vSphere path: `pulumi up/preview/refresh/destroy` of the demo stack (the write-up's
two VMs) with the real pulumi-resource-vsphere against vcsim, whose guests are played by the
vcsim-guest hook from nothing but their guestinfo.

A mock cannot show any of this: whether the provider accepts the VM arguments, diffs forever on
a field, waits for an address and gives up cleanly, or hands the pool a VIP.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from engine_harness import AVI_TYPES, VENV, PulumiProject, SimulatorProcess
from vcsim_harness import VcsimProcess, decode, local_stack_config

pytestmark = pytest.mark.engine

VIP = "203.0.113.10"
OWN = {"web01": "198.51.100.11", "web02": "198.51.100.12"}
ProjectFactory = Callable[..., PulumiProject]
VcsimFactory = Callable[..., VcsimProcess]


def pool_members(sim: SimulatorProcess) -> list[str]:
    (pool,) = sim.managed("pool")
    return sorted(s["ip"]["addr"] for s in pool.get("servers", []))


def oper_status(sim: SimulatorProcess) -> str:
    (vs,) = sim.managed("virtualservice")
    reply = sim.api().get(f"{sim.url}/api/virtualservice/{vs['uuid']}/runtime", timeout=10)
    reply.raise_for_status()
    return reply.json()["oper_status"]["state"]


def rendered(project: PulumiProject, out: Path) -> Path:
    """What `avi-dsr render` writes for the project's stack file (the offline review)."""
    subprocess.run(
        [VENV / "bin" / "avi-dsr", "render", "--stack", project.stack_file, "--out", out],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out


def lifecycle_events(vcsim: VcsimProcess) -> list[str]:
    """vCenter's VM events except reconfigurations (the guest hook's Tools reports are those)."""
    return [
        e for e in vcsim.events() if e.startswith("[Vm") and not e.startswith("[VmReconfigured")
    ]


def test_up_creates_the_writeups_vms_configured_from_guestinfo(
    start_vcsim: VcsimFactory,
    vsphere_project: ProjectFactory,
    simulator: SimulatorProcess,
    vcenter_password: str,
    tmp_path: Path,
) -> None:
    vcsim = start_vcsim()
    project = vsphere_project(vcsim)

    logs = project.up("--logtostderr", "--logflow", "-v=9")  # engine and plugins, most verbose

    assert vcsim.vm_names() == ["web01", "web02"]
    review = rendered(project, tmp_path / "rendered")
    for name in ("web01", "web02"):
        assert vcsim.vm(name)["runtime.powerState"] == "poweredOn"
        info = vcsim.guestinfo(name)
        assert info["guestinfo.metadata.encoding"] == "gzip+base64"
        assert info["guestinfo.userdata.encoding"] == "gzip+base64"
        server = review / "servers" / name
        assert decode(info["guestinfo.metadata"]) == (server / "meta-data").read_text()
        assert decode(info["guestinfo.userdata"]) == (server / "user-data").read_text()
        # the guest reports the VIP on its tunnel too; the pool must take its own address only
        assert VIP in vcsim.reported_addresses(name)
        assert vcsim.own_reported_addresses(name, {VIP}) == [OWN[name]]
    assert pool_members(simulator) == sorted(OWN.values())
    assert oper_status(simulator) == "OPER_UP"
    outputs = project.outputs()
    assert {name: s["ipv4"] for name, s in outputs["servers"].items()} == OWN
    assert sorted(outputs["services"]["web"]["poolMembers"]) == sorted(OWN.values())
    state = b"".join(p.read_bytes() for p in project.state_dir.rglob("*") if p.is_file())
    assert state and vcenter_password.encode() not in state
    assert "resource-vsphere" in logs.output and vcenter_password not in logs.output


def test_second_up_and_refresh_change_nothing_in_vsphere_either(
    start_vcsim: VcsimFactory, vsphere_project: ProjectFactory, simulator: SimulatorProcess
) -> None:
    vcsim = start_vcsim()
    project = vsphere_project(vcsim)
    project.up()
    ids = {name: vcsim.vm_id(name) for name in OWN}
    events = lifecycle_events(vcsim)
    simulator.reset_counters()

    second = project.up()
    assert simulator.counters() == {}, "a no-change up must not talk to the controller at all"
    project.refresh()
    preview = project.preview("--expect-no-changes", check=False)

    summary = second.stdout.split("Resources:", 1)[-1]
    assert "unchanged" in summary
    for verb in ("created", "updated", "deleted", "replaced"):
        assert f" {verb}" not in summary
    assert preview.returncode == 0, "no perpetual diff after a refresh:\n" + preview.output[-3000:]
    assert {name: vcsim.vm_id(name) for name in OWN} == ids
    assert lifecycle_events(vcsim) == events, "no VM may be cloned, powered or removed"


def test_changed_server_config_replaces_the_vm_delete_first_and_the_pool_follows(
    start_vcsim: VcsimFactory, vsphere_project: ProjectFactory, simulator: SimulatorProcess
) -> None:
    vcsim = start_vcsim()
    project = vsphere_project(vcsim)
    project.up()
    before = {name: vcsim.vm_id(name) for name in OWN}
    events_before = len(lifecycle_events(vcsim))
    config = local_stack_config(simulator, vcsim)
    config["servers"][0]["ipv4"] = "198.51.100.21/24"
    project.write_config(config)

    result = project.up()

    assert "replaced" in result.stdout.split("Resources:", 1)[-1]
    assert vcsim.vm_names() == ["web01", "web02"]
    assert vcsim.vm_id("web01") != before["web01"]
    assert vcsim.vm_id("web02") == before["web02"]
    new = lifecycle_events(vcsim)[events_before:]
    removed = [i for i, e in enumerate(new) if e.startswith("[VmRemovedEvent] Removed web01 ")]
    created = [i for i, e in enumerate(new) if e.startswith("[VmCreatedEvent]") and " web01 " in e]
    assert len(removed) == len(created) == 1, new
    assert removed[0] < created[0], "the old VM must be gone before its replacement (same name)"
    assert vcsim.own_reported_addresses("web01", {VIP}) == ["198.51.100.21"]
    assert pool_members(simulator) == ["198.51.100.12", "198.51.100.21"]
    assert project.outputs()["servers"]["web01"]["ipv4"] == "198.51.100.21"
    assert oper_status(simulator) == "OPER_UP"


def test_pool_never_gets_the_vip_even_when_the_guest_reports_it_first(
    start_vcsim: VcsimFactory, vsphere_project: ProjectFactory, simulator: SimulatorProcess
) -> None:
    # Without a default gateway the provider's default_ip_address is the first address it
    # lists, and it lists the tunnel (the VIP) first; this guest's Tools also name the VIP as
    # the guest's IP address.
    def no_gateways(config: dict[str, Any]) -> None:
        for server in config["servers"]:
            del server["gateway4"]

    vcsim = start_vcsim("-vip-first")
    project = vsphere_project(vcsim, no_gateways)

    project.up()

    for name in OWN:
        assert vcsim.vm(name)["guest.ipAddress"] == VIP, "the guest must report the VIP first"
    vms = [r for r in project.export()["deployment"]["resources"] if r["type"].endswith("Machine")]
    assert [r["outputs"]["defaultIpAddress"] for r in vms] == [VIP, VIP], "provider picks the VIP"
    assert pool_members(simulator) == sorted(OWN.values())
    assert {name: s["ipv4"] for name, s in project.outputs()["servers"].items()} == OWN


def test_vm_that_never_reports_an_address_fails_clearly_after_the_configured_wait(
    start_vcsim: VcsimFactory, vsphere_project: ProjectFactory, simulator: SimulatorProcess
) -> None:
    def wait_one_minute_for_web02(config: dict[str, Any]) -> None:
        config["servers"][1]["vsphere"]["waitForGuestNetMinutes"] = 1

    vcsim = start_vcsim("-silent", "^web02$")  # a guest whose VMware Tools never run
    project = vsphere_project(vcsim, wait_one_minute_for_web02)

    started = time.monotonic()
    up = project.up(check=False, timeout=400)
    waited = time.monotonic() - started

    assert up.returncode != 0
    assert "VirtualMachine (web02)" in up.output
    assert "timeout waiting for an available IP address" in up.output
    assert "Traceback" not in up.output
    assert 60 <= waited < 240, f"gave up after {waited:.0f} s; the stack says 1 minute"
    assert simulator.managed("pool") == [], "no pool may send traffic to a server without address"
    assert simulator.managed("virtualservice") == []

    project.destroy()
    assert vcsim.vm_names() == []


def test_destroy_leaves_no_vm_and_no_avi_object(
    start_vcsim: VcsimFactory, vsphere_project: ProjectFactory, simulator: SimulatorProcess
) -> None:
    vcsim = start_vcsim()
    project = vsphere_project(vcsim)
    project.up()
    assert vcsim.vm_names() == ["web01", "web02"]

    project.destroy()

    assert vcsim.vm_names() == []
    assert {t: simulator.managed(t) for t in AVI_TYPES} == {t: [] for t in AVI_TYPES}
    assert project.resource_types() in ([], ["pulumi:pulumi:Stack"])
