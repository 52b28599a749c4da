"""Secrets stay encrypted everywhere the engine writes; bad config never reaches the controller."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from engine_harness import PulumiProject, SimulatorProcess, SshServer

pytestmark = pytest.mark.engine

SECRET_SIG = "4dabf18193072939515e22adb298388d"
AVI_PROVIDER = "pulumi:providers:avi-dsr"


def key_fragments(private_key_file: Path) -> list[str]:
    """The body lines of the SSH private key: any one of them in plaintext is a leak."""
    lines = private_key_file.read_text().splitlines()
    return [line for line in lines if line and not line.startswith("-----") and len(line) >= 16]


def test_password_and_ssh_key_never_appear_in_plaintext(
    project: PulumiProject,
    simulator: SimulatorProcess,
    ssh_server: SshServer,
    controller_password: str,
    tmp_path: Path,
) -> None:
    assert ssh_server.private_key_file is not None
    secrets = [controller_password, *key_fragments(ssh_server.private_key_file)]

    # The engine's own logs at their most verbose. Not --logflow with -v=9: at that level
    # pulumi-command logs every property it unmarshals, the SSH key included (Pulumi Go SDK,
    # resource/plugin/rpc.go); README says never to share those.
    logs = project.up("--logtostderr", "-v=9")
    exported = project.export()
    deployment = exported["deployment"]
    state_files = {p: p.read_bytes() for p in project.state_dir.rglob("*") if p.is_file()}
    assert state_files, "the file backend wrote no state"
    assert "langhost[python]" in logs.output, "verbose engine logs were not captured"
    places: dict[str, bytes] = {
        "pulumi stack export": json.dumps(exported).encode(),
        "engine logs (-v=9)": logs.output.encode(),
        "stack config file": project.stack_file.read_bytes(),
        **{
            f"state file {p.relative_to(project.state_dir)}": data
            for p, data in state_files.items()
        },
    }
    leaks = [
        (where, s[:12] + "...")
        for where, data in places.items()
        for s in secrets
        if s.encode() in data
    ]
    assert leaks == []
    # The password is in the state once, encrypted: in the Avi provider's inputs and outputs,
    # never copied into each object.
    resources = deployment["resources"]
    providers = [r for r in resources if r["type"] == AVI_PROVIDER]
    assert len(providers) == 1
    for section in ("inputs", "outputs"):
        assert SECRET_SIG in json.dumps(providers[0][section]["password"]), section
    avi = [r for r in resources if r["type"].startswith("avi-dsr:avi:")]
    assert len(avi) == 5
    assert all("password" not in r.get("inputs", {}) for r in avi)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda c: c["services"][0].update(ports=[70000]), "avi-dsr:services[0].ports"),
        (lambda c: c["services"][0].update(servers=["web09"]), "web09"),
        (lambda c: c["controller"].update(address=""), "avi-dsr:controller.address"),
    ],
    ids=["port-out-of-range", "unknown-server", "empty-controller-address"],
)
def test_config_errors_stop_the_run_before_any_request(
    project: PulumiProject, simulator: SimulatorProcess, make_config: Any, edit: Any, expected: str
) -> None:
    config = make_config()
    edit(config)
    project.write_config(config)

    preview = project.preview(check=False)
    up = project.up(check=False)

    for result in (preview, up):
        assert result.returncode != 0
        assert expected in result.output
        assert "Traceback" not in result.output
    assert simulator.counters() == {}, "no request may reach the controller"
    assert project.resource_types() in ([], ["pulumi:pulumi:Stack"]), "nothing may be created"
