"""`avi-dsr run-settings`: per-step checkpoints stay on exactly where a crash needs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from avi_dsr.cli import main

ROOT = Path(__file__).resolve().parents[2]


def settings(stack: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["run-settings", "--stack", str(ROOT / "stacks" / f"Pulumi.{stack}.yaml")])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_stack_of_existing_servers_runs_without_checkpoints(capsys, monkeypatch):
    monkeypatch.delenv("PULUMI_SKIP_CHECKPOINTS", raising=False)
    monkeypatch.delenv("PULUMI_PARALLEL", raising=False)
    code, out, err = settings("existing", capsys)
    assert (code, out) == (0, "PULUMI_SKIP_CHECKPOINTS=true\nPULUMI_PARALLEL=64\n")
    assert "crash-safe" in err


@pytest.mark.parametrize("stack", ["local", "lab", "prod"])
def test_a_stack_that_clones_vms_keeps_its_checkpoints(stack, capsys, monkeypatch):
    monkeypatch.delenv("PULUMI_SKIP_CHECKPOINTS", raising=False)
    monkeypatch.delenv("PULUMI_PARALLEL", raising=False)
    code, out, err = settings(stack, capsys)
    assert (code, out) == (0, "")
    assert "clones VMs" in err


def test_the_users_own_setting_is_kept(capsys, monkeypatch):
    monkeypatch.setenv("PULUMI_SKIP_CHECKPOINTS", "false")
    monkeypatch.delenv("PULUMI_PARALLEL", raising=False)
    code, out, err = settings("existing", capsys)
    assert (code, out) == (0, "PULUMI_PARALLEL=64\n")
    assert "PULUMI_SKIP_CHECKPOINTS=false kept as set" in err


def test_a_broken_stack_file_is_an_error_not_a_setting(tmp_path, capsys):
    broken = tmp_path / "Pulumi.broken.yaml"
    broken.write_text("config:\n  avi-dsr:services: 3\n")
    assert main(["run-settings", "--stack", str(broken)]) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert "avi-dsr:" in out.err and "services" in out.err
