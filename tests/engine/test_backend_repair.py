"""The file backend after a kill, under the real CLI: an empty `.attrs` sidecar makes every
command fail with `EOF` although the state is intact; `avi-dsr doctor` names it and `--fix`
(removing it) is the whole repair."""

from __future__ import annotations

import pytest
from crash_harness import run_doctor
from engine_harness import PulumiProject, SimulatorProcess

pytestmark = pytest.mark.engine


def test_empty_sidecars_break_every_command_until_doctor_fix_removes_them(
    project: PulumiProject, simulator: SimulatorProcess
) -> None:
    project.up()
    before = project.export()["deployment"]["resources"]
    bookkeeping = project.state_dir / ".pulumi"
    broken = [bookkeeping / "stacks/avi-dsr/test.json.attrs", bookkeeping / "meta.yaml.attrs"]
    for sidecar in broken:
        assert sidecar.stat().st_size > 0
        sidecar.write_text("")  # what a SIGKILL between create and write leaves

    for command in ("preview", "cancel --yes", "stack export"):
        seen = project.on_stack(command, check=False)
        assert seen.returncode != 0 and "EOF" in seen.output, (command, seen.output)

    found = run_doctor(project)
    assert found.returncode == 1
    assert "problem: .pulumi/stacks/avi-dsr/test.json.attrs is empty" in found.stdout
    assert "problem: .pulumi/meta.yaml.attrs is empty" in found.stdout

    fixed = run_doctor(project, "--fix")
    assert fixed.returncode == 0, fixed.output
    assert not any(sidecar.exists() for sidecar in broken)

    simulator.reset_counters()
    project.preview("--expect-no-changes")
    assert project.export()["deployment"]["resources"] == before, "the state was intact"
    project.up("--expect-no-changes")
    assert simulator.counters() == {}
