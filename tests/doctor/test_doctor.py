"""`avi-dsr doctor` on file backends laid out as Pulumi's file backend lays them out: what a killed
run leaves (broken `.attrs` sidecars, locks of dead processes, pending creates) is found, named,
and repaired by `--fix` — and nothing else is touched."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from avi_dsr import cli, doctor

PROJECT = "proj"
SIDECAR = {"user.content_type": "application/octet-stream", "user.metadata": None, "md5": "AA=="}
POOL_URN = "urn:pulumi:dev::proj::avi-dsr:index:DsrPool$avi-dsr:avi:Pool::web-pool"
VM_TYPE = "vsphere:index/virtualMachine:VirtualMachine"
VM_URN = f"urn:pulumi:dev::proj::avi-dsr:index:VsphereDsrServer${VM_TYPE}::web01"


def write_blob(path: Path, content: bytes) -> None:
    """A blob and its sidecar, as gocloud's fileblob writes them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    Path(f"{path}.attrs").write_text(json.dumps(SIDECAR))


def checkpoint(pending: list[dict] | None = None) -> bytes:
    latest = {"manifest": {}, "resources": [{"urn": POOL_URN, "id": "pool-1"}]}
    if pending:
        latest["pending_operations"] = pending
    return json.dumps({"version": 3, "checkpoint": {"stack": "dev", "latest": latest}}).encode()


def pending_create(urn: str, type_: str, kind: str = "creating") -> dict:
    return {"resource": {"urn": urn, "type": type_}, "type": kind}


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose file backend `state/` holds stack `dev`; PULUMI_BACKEND_URL points there."""
    (tmp_path / "Pulumi.yaml").write_text(f"name: {PROJECT}\nruntime: python\n")
    write_blob(tmp_path / "state/.pulumi/meta.yaml", b"version: 1\n")
    write_blob(tmp_path / f"state/.pulumi/stacks/{PROJECT}/dev.json", checkpoint())
    monkeypatch.setenv("PULUMI_BACKEND_URL", f"file://{tmp_path / 'state'}")
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path / "home"))
    return tmp_path


def stack_file(project_dir: Path, name: str = "dev.json") -> Path:
    return project_dir / f"state/.pulumi/stacks/{PROJECT}/{name}"


def lock_file(project_dir: Path) -> Path:
    return project_dir / f"state/.pulumi/locks/organization/{PROJECT}/dev/3f0c.json"


def write_lock(project_dir: Path, pid: int, host: str | None = None) -> Path:
    lock = lock_file(project_dir)
    holder = {
        "pid": pid,
        "username": "ops",
        "hostname": host or socket.gethostname(),
        "timestamp": "2026-11-30T10:00:00Z",
    }
    write_blob(lock, json.dumps(holder).encode())
    return lock


def doctor_run(project_dir: Path, *args: str) -> tuple[int, str]:
    lines: list[str] = []
    parser = argparse.ArgumentParser()
    doctor.add_arguments(parser)
    code = doctor.run(parser.parse_args(["--cwd", str(project_dir), *args]), lines.append)
    return code, "\n".join(lines)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def live_pulumi(tmp_path: Path) -> Iterator[int]:
    """A live process whose program is called `pulumi` (a `sleep` under that name)."""
    fake = tmp_path / "bin" / "pulumi"
    fake.parent.mkdir()
    fake.symlink_to("/bin/sleep")
    proc = subprocess.Popen([str(fake), "60"])
    cmdline = Path(f"/proc/{proc.pid}/cmdline")
    deadline = time.monotonic() + 10
    while not cmdline.read_bytes().startswith(str(fake).encode()):  # until the exec happened
        assert time.monotonic() < deadline, "the fake pulumi did not start"
        time.sleep(0.01)
    yield proc.pid
    proc.kill()
    proc.wait()


@pytest.fixture
def fake_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `pulumi` on PATH that records its arguments and directory, and exits with $FAKE_RC."""
    record = tmp_path / "pulumi-calls.txt"
    fake = tmp_path / "fakebin" / "pulumi"
    fake.parent.mkdir()
    fake.write_text(
        f'#!/bin/sh\necho "$PWD $*" >> {record}\necho "error: it went wrong" >&2\n'
        'exit "${FAKE_RC:-0}"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    return record


# ---------------------------------------------------------------------------------- healthy
def test_a_healthy_backend_has_nothing_to_report(project_dir: Path) -> None:
    code, out = doctor_run(project_dir)
    assert code == 0
    assert "no broken sidecar, no stale lock, no interrupted create" in out


# ---------------------------------------------------------------------------------- sidecars
@pytest.mark.parametrize("content", ["", '{"user.content_type": "applic'], ids=["empty", "cut"])
def test_a_broken_sidecar_is_named_and_fix_removes_only_it(project_dir: Path, content: str) -> None:
    sidecar = Path(f"{stack_file(project_dir)}.attrs")
    sidecar.write_text(content)
    state_before = stack_file(project_dir).read_bytes()

    code, out = doctor_run(project_dir)
    assert code == 1
    assert f"problem: .pulumi/stacks/{PROJECT}/dev.json.attrs is" in out
    assert "fails with `EOF`" in out and "avi-dsr doctor --fix" in out
    assert sidecar.exists(), "without --fix nothing changes"

    code, out = doctor_run(project_dir, "--fix")
    assert code == 0
    assert "fixed" in out
    assert not sidecar.exists()
    assert stack_file(project_dir).read_bytes() == state_before
    assert Path(f"{project_dir}/state/.pulumi/meta.yaml.attrs").exists(), "healthy ones stay"
    assert doctor_run(project_dir)[0] == 0


def test_a_broken_sidecar_of_the_backends_meta_file_is_found_too(project_dir: Path) -> None:
    Path(f"{project_dir}/state/.pulumi/meta.yaml.attrs").write_text("")
    code, out = doctor_run(project_dir)
    assert code == 1
    assert ".pulumi/meta.yaml.attrs is empty" in out


# ------------------------------------------------------------------------------------- locks
def test_a_lock_of_a_process_that_is_gone_is_stale_and_fix_removes_it(project_dir: Path) -> None:
    lock = write_lock(project_dir, dead_pid())

    code, out = doctor_run(project_dir, "--stack", "dev")
    assert code == 1
    assert "stack 'dev' is locked by a pulumi run that no longer exists: ops@" in out

    code, _ = doctor_run(project_dir, "--stack", "dev", "--fix")
    assert code == 0
    assert not lock.exists()
    assert not Path(f"{lock}.attrs").exists()


def test_a_lock_held_by_a_live_pulumi_is_left_alone(project_dir: Path, live_pulumi: int) -> None:
    lock = write_lock(project_dir, live_pulumi)

    code, out = doctor_run(project_dir, "--fix")

    assert code == 1
    assert (
        f"locked by a pulumi run in progress: ops@{socket.gethostname()} (pid {live_pulumi})" in out
    )
    assert "wait for it to end" in out
    assert lock.exists()


def test_a_live_process_that_is_not_pulumi_does_not_hold_the_lock(project_dir: Path) -> None:
    lock = write_lock(project_dir, os.getpid())  # pytest: alive, but a reused pid
    code, out = doctor_run(project_dir, "--fix")
    assert code == 0
    assert "no longer exists" in out
    assert not lock.exists()


def test_a_lock_from_another_machine_needs_the_user(project_dir: Path) -> None:
    lock = write_lock(project_dir, 4242, host="build-agent-7")

    code, out = doctor_run(project_dir, "--fix")

    assert code == 1
    assert "locked by a pulumi run on another machine: ops@build-agent-7 (pid 4242)" in out
    assert "`pulumi cancel --yes --stack dev`" in out
    assert lock.exists()


def test_locks_of_other_stacks_are_not_this_stacks_business(project_dir: Path) -> None:
    write_lock(project_dir, dead_pid())
    code, out = doctor_run(project_dir, "--stack", "prod")
    assert code == 0
    assert "locked" not in out


# --------------------------------------------------------------------------- pending creates
def test_interrupted_creates_are_cleared_with_pulumi_refresh(
    project_dir: Path, fake_pulumi: Path
) -> None:
    pending = [pending_create(POOL_URN, "avi-dsr:avi:Pool")]
    write_blob(stack_file(project_dir), checkpoint(pending))

    code, out = doctor_run(project_dir)
    assert code == 0, "pulumi up works with them; they are a note"
    assert "note: stack 'dev': 1 create(s) interrupted by a killed run: web-pool" in out
    assert "pulumi refresh --clear-pending-creates --yes --stack dev" in out
    assert not fake_pulumi.exists(), "without --fix, nothing runs"

    code, out = doctor_run(project_dir, "--fix")
    assert code == 0
    assert fake_pulumi.read_text().split() == [
        str(project_dir),
        "--non-interactive",
        "refresh",
        "--yes",
        "--skip-preview",
        "--clear-pending-creates",
        "--stack",
        "dev",
    ]


def test_a_failed_refresh_says_so(
    project_dir: Path, fake_pulumi: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_blob(stack_file(project_dir), checkpoint([pending_create(POOL_URN, "avi-dsr:avi:Pool")]))
    monkeypatch.setenv("FAKE_RC", "1")
    code, out = doctor_run(project_dir, "--fix")
    assert code == 1
    assert "repair failed: `refresh --yes --skip-preview --clear-pending-creates" in out
    assert "error: it went wrong" in out


def test_an_interrupted_vm_create_is_left_to_the_user(project_dir: Path, fake_pulumi: Path) -> None:
    vm = pending_create(VM_URN, VM_TYPE)
    write_blob(stack_file(project_dir), checkpoint([vm]))
    code, out = doctor_run(project_dir, "--fix")
    assert code == 0
    assert "a VM of that name may exist in vCenter" in out
    assert not fake_pulumi.exists(), "clearing it would make the VM twice"


def test_no_refresh_runs_while_something_still_blocks(
    project_dir: Path, fake_pulumi: Path, live_pulumi: int
) -> None:
    write_blob(stack_file(project_dir), checkpoint([pending_create(POOL_URN, "avi-dsr:avi:Pool")]))
    write_lock(project_dir, live_pulumi)
    code, _ = doctor_run(project_dir, "--fix")
    assert code == 1
    assert not fake_pulumi.exists()


def test_other_interrupted_operations_are_not_reported(project_dir: Path) -> None:
    """The engine drops pending updates/deletes at the next deployment by itself."""
    update = pending_create(POOL_URN, "avi-dsr:avi:Pool", kind="updating")
    write_blob(stack_file(project_dir), checkpoint([update]))
    code, out = doctor_run(project_dir)
    assert code == 0
    assert "no broken sidecar, no stale lock, no interrupted create" in out


def test_a_gzipped_checkpoint_is_read(project_dir: Path) -> None:
    stack_file(project_dir).unlink()
    pending = [pending_create(POOL_URN, "avi-dsr:avi:Pool")]
    write_blob(stack_file(project_dir, "dev.json.gz"), gzip.compress(checkpoint(pending)))
    _, out = doctor_run(project_dir)
    assert "1 create(s) interrupted by a killed run: web-pool" in out


def test_an_unreadable_checkpoint_points_to_the_backups(project_dir: Path) -> None:
    stack_file(project_dir).write_text('{"version": 3, "checkp')
    code, out = doctor_run(project_dir)
    assert code == 1
    assert f".pulumi/stacks/{PROJECT}/dev.json could not be read" in out
    assert "dev.json.bak" in out


# ------------------------------------------------------------------------- finding a backend
def test_the_backend_comes_from_the_project_file_when_no_env_says(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULUMI_BACKEND_URL")
    (project_dir / "Pulumi.yaml").write_text(f"name: {PROJECT}\nbackend:\n  url: file://state\n")
    code, out = doctor_run(project_dir)
    assert code == 0
    assert "file://state" in out


def test_the_backend_comes_from_the_login_last(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULUMI_BACKEND_URL")
    home = project_dir / "home"
    home.mkdir()
    url = f"file://{project_dir / 'state'}?no_tmp_dir=true"
    (home / "credentials.json").write_text(json.dumps({"current": url}))
    assert doctor_run(project_dir)[0] == 0


def test_a_home_relative_backend_url_is_expanded(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(project_dir))
    assert doctor.file_backend_root("file://~/state", Path("/")) == project_dir / "state"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://api.pulumi.com", "is not a file:// backend"),
        ("s3://bucket/state", "is not a file:// backend"),
        ("file:///nonexistent/state", "holds no Pulumi state"),
    ],
)
def test_a_backend_it_cannot_inspect_is_said_plainly(
    project_dir: Path, url: str, message: str
) -> None:
    code, out = doctor_run(project_dir, "--backend", url)
    assert code == 2
    assert message in out


def test_no_backend_at_all(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULUMI_BACKEND_URL")
    code, out = doctor_run(project_dir)
    assert code == 2
    assert "pass --backend file://DIR" in out


def test_the_cli_runs_the_doctor(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path(f"{stack_file(project_dir)}.attrs").write_text("")
    assert cli.main(["doctor", "--cwd", str(project_dir), "--fix"]) == 0
    assert "fixed" in capsys.readouterr().out


def test_without_a_project_file_every_projects_stacks_are_looked_at(
    project_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    write_blob(stack_file(project_dir), checkpoint([pending_create(POOL_URN, "avi-dsr:avi:Pool")]))
    elsewhere = tmp_path_factory.mktemp("no-project")
    code, out = doctor_run(elsewhere, "--stack", "dev")
    assert code == 0
    assert "1 create(s) interrupted by a killed run: web-pool" in out


def test_a_missing_pulumi_cli_is_a_failed_repair_not_a_traceback(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_blob(stack_file(project_dir), checkpoint([pending_create(POOL_URN, "avi-dsr:avi:Pool")]))
    monkeypatch.setenv("PATH", str(project_dir / "empty-bin"))
    code, out = doctor_run(project_dir, "--fix")
    assert code == 1
    assert "repair failed: `refresh --yes --skip-preview --clear-pending-creates" in out
    assert "did not run to the end" in out
