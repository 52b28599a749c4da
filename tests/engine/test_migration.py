"""A stack made by avi-dsr 0.1 (dynamic providers) moves to the provider plugin in one command,
and its next `pulumi up` re-creates nothing: the same objects, the same uuids, no POST, no DELETE.

The fixture (tests/engine/fixtures/dynamic-stack, made by tools/make_migration_fixture.py from
commit 16925db) is that version's `pulumi stack export` and the objects its controller held. The
test replays the objects into a fresh simulator under their own uuids, imports the old state
(the controller address rewritten to this simulator: the same controller, as in real life), runs
`avi-dsr migrate`, then `pulumi up` with today's program.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from engine_harness import (
    AVI_TYPES,
    VENV,
    PulumiProject,
    SimulatorProcess,
    SshServer,
    stack_config,
)

pytestmark = pytest.mark.engine

FIXTURE = Path(__file__).parent / "fixtures" / "dynamic-stack"
OWNED = ("_last_modified", "url", "configpb_attributes")
SECRET_SIG, SECRET_VALUE = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


def _names(stack: dict[str, Any]) -> dict[str, str]:
    """uuid -> name of every object the old state knew by name (its `ref_names` maps)."""
    names: dict[str, str] = {}
    for resource in stack["deployment"]["resources"]:
        names.update((resource.get("outputs") or {}).get("ref_names") or {})
    return names


def _by_name(value: Any, keep: set[str], names: dict[str, str], key: str = "") -> Any:
    """Refs to objects this test does not replay (the controller's own: cloud, tenant, VRF...)
    become by-name refs, which any controller resolves to its own uuids."""
    if isinstance(value, dict):
        return {k: _by_name(v, keep, names, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_by_name(v, keep, names, key) for v in value]
    if isinstance(value, str) and key.endswith(("_ref", "_refs")):
        match = re.search(r"/api/(\w+)/([\w-]+)", value)
        if match and match[2] not in keep and match[2] in names:
            return f"/api/{match[1]}?name={names[match[2]]}"
    return value


def replay(sim: SimulatorProcess, objects: dict[str, list[dict]], names: dict[str, str]) -> None:
    api = sim.api()
    keep = {o["uuid"] for objs in objects.values() for o in objs}
    for obj_type in AVI_TYPES:
        for obj in objects[obj_type]:
            body = {k: v for k, v in _by_name(obj, keep, names).items() if k not in OWNED}
            body = {k: v for k, v in body.items() if k != "analytics_profile_ref"}
            reply = api.post(
                f"{sim.url}/api/{obj_type}", json=body, headers={"Slug": obj["uuid"]}, timeout=10
            )
            assert reply.status_code == 201, (obj_type, reply.text)


def same_servers(stack: dict[str, Any], ssh: SshServer) -> None:
    """The fixture's servers were reached over another loopback sshd: point their (secret)
    SSH connection at this test's, as the same servers would be in real life."""
    assert ssh.private_key_file is not None
    connection = {
        "host": "127.0.0.1",
        "port": ssh.port,
        "user": "root",
        "hostKey": ssh.host_key,
        "privateKey": ssh.private_key_file.read_text(),
        # what the real pulumi-command plugin's state holds (its Check fills these defaults)
        "perDialTimeout": 15,
        "dialErrorLimit": 10,
    }
    secret = {SECRET_SIG: SECRET_VALUE, "plaintext": json.dumps(connection)}
    for resource in stack["deployment"]["resources"]:
        if resource["type"] == "command:remote:Command":
            resource["inputs"]["connection"] = secret
            resource["outputs"]["connection"] = secret


def test_a_dynamic_provider_stack_moves_without_recreating_any_object(
    engine_env: dict[str, str], ssh_server: SshServer, tmp_path: Path
) -> None:
    stack = json.loads((FIXTURE / "stack.json").read_text())
    objects = json.loads((FIXTURE / "objects.json").read_text())
    old_url = next(
        r["outputs"]["connection"]["controller"]
        for r in stack["deployment"]["resources"]
        if r["type"].startswith("pulumi-python:dynamic/avi:")
    )
    sim = SimulatorProcess("fixture-password")
    try:
        replay(sim, objects, _names(stack))
        project = PulumiProject(
            tmp_path / "project", engine_env, stack_config(sim, ssh_server, tmp_path / "stage")
        )
        project.env["PULUMI_CONFIG_PASSPHRASE"] = (FIXTURE / "passphrase.txt").read_text().strip()
        project.set_secret("controllerPassword", "fixture-password")
        same_servers(stack, ssh_server)
        old_state = tmp_path / "old-state.json"
        old_state.write_text(json.dumps(stack).replace(old_url, sim.url))
        project.on_stack("stack import", "--file", str(old_state))

        migrated = subprocess.run(
            [str(VENV / "bin" / "avi-dsr"), "migrate", "--stack", project.stack],
            cwd=project.root,
            env=project.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert migrated.returncode == 0, migrated.stderr
        assert "avi-dsr:avi:VirtualService" in migrated.stdout

        before = {t: sorted(o["uuid"] for o in sim.managed(t)) for t in AVI_TYPES}
        sim.reset_counters()
        project.up()
        writes = {k: n for k, n in sim.counters().items() if k.split(" ")[0] in ("POST", "DELETE")}
        assert writes == {}, "migration must not re-create or delete any Avi object"
        assert {t: sorted(o["uuid"] for o in sim.managed(t)) for t in AVI_TYPES} == before
        types = project.resource_types()
        assert not [t for t in types if t.startswith("pulumi-python:")]
        assert types.count("pulumi:providers:avi-dsr") == 1

        sim.reset_counters()
        project.preview("--expect-no-changes")
        assert project.up().returncode == 0
        assert sim.counters() == {}, "after the move, a no-change up sends nothing"
    finally:
        sim.stop()
