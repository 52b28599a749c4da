"""Host side of the lab without booting: QEMU command line, share layout, failure messages."""

import subprocess
from pathlib import Path

import pytest

from lab import qemu, runner


def test_boot_command_isolates_the_guest_and_never_writes_the_cached_image(tmp_path):
    argv = qemu.boot_command(
        accel="tcg",
        kernel=Path("/c/vmlinuz"),
        initrd=Path("/c/initrd.img"),
        rootfs=Path("/t/image.ext4"),
        share=tmp_path,
        seed_iso=Path("/t/seed.iso"),
    )
    joined = " ".join(argv)
    assert argv[argv.index("-nic") + 1] == "none"
    assert "file=/t/image.ext4,format=raw,if=virtio,snapshot=on" in joined
    assert "file=/t/seed.iso,format=raw,if=virtio,readonly=on" in joined
    assert f"path={tmp_path},mount_tag=lab" in joined
    assert "lab.run=1" in argv[argv.index("-append") + 1]
    assert argv[argv.index("-m") + 1] == "1536" and argv[argv.index("-smp") + 1] == "2"


@pytest.mark.parametrize(
    ("accel", "expected"),
    [
        ("kvm", ["-accel", "kvm", "-cpu", "host"]),
        ("tcg", ["-accel", "tcg,thread=multi", "-cpu", "max"]),
    ],
)
def test_accel_args(accel, expected):
    assert qemu.accel_args(accel) == expected


@pytest.mark.parametrize(
    ("console", "timed_out", "works"),
    [
        (b"Linux version 6.1\nVFS: Unable to mount root fs\nKernel panic", False, True),
        (b"Linux version 6.1\nKernel panic - not syncing", True, True),  # killed after the panic
        (b"Linux version 6.1\n", True, False),  # hung after the banner
        (b"", False, False),
    ],
)
def test_the_kvm_probe_needs_the_kernel_banner_and_its_panic(
    monkeypatch, console, timed_out, works
):
    def fake_run(argv, **kwargs):
        assert argv[argv.index("-nic") + 1] == "none"
        if timed_out:
            raise subprocess.TimeoutExpired(argv, kwargs["timeout"], output=console)
        return subprocess.CompletedProcess(argv, 1, console, b"")

    monkeypatch.setattr(qemu.os, "access", lambda path, mode: True)
    monkeypatch.setattr(qemu.subprocess, "run", fake_run)
    assert qemu.kvm_works(Path("/c/vmlinuz")) is works


def test_an_explicit_accel_skips_the_kvm_probe(monkeypatch):
    monkeypatch.setattr(qemu, "kvm_works", lambda kernel: pytest.fail("probed"))
    assert runner.choose_accel("tcg", Path("/nonexistent")) == "tcg"


@pytest.mark.skipif(not Path("/dev/kvm").exists(), reason="no /dev/kvm on this host")
def test_the_kvm_probe_verdict_is_remembered_next_to_the_kernel(monkeypatch, tmp_path):
    probes = []
    monkeypatch.setattr(qemu, "kvm_works", lambda kernel: probes.append(kernel) or False)
    kernel = tmp_path / "vmlinuz"
    assert runner.choose_accel("auto", kernel) == "tcg"
    assert runner.choose_accel("auto", kernel) == "tcg"
    assert probes == [kernel]
    assert (tmp_path / "accel").read_text() == "tcg\n"


def test_share_holds_scenario_and_every_rendered_seed(tmp_path):
    runner.prepare_share(tmp_path)
    assert (tmp_path / "scenario" / "run.py").exists()
    assert (tmp_path / "seeds" / "srv1" / "network-config").exists()
    assert (tmp_path / "seeds" / "topology.json").exists()
    assert (tmp_path / "evidence").is_dir()


def test_latest_moves_to_the_newest_run(tmp_path):
    (tmp_path / "20260101T000000Z").mkdir()
    (tmp_path / "latest").symlink_to("20260101T000000Z")
    newest = runner.new_run_dir(tmp_path)
    assert (tmp_path / "latest").resolve() == newest.resolve()


def test_only_the_newest_runs_are_kept(tmp_path):
    for stamp in (
        "20260101T000000Z",
        "20260101T000001Z",
        "20260101T000002Z",
        "20260101T000003Z",
        "20260101T000004Z",
        "20260101T000005Z",
    ):
        (tmp_path / stamp).mkdir()
    newest = runner.new_run_dir(tmp_path)
    kept = sorted(p.name for p in tmp_path.iterdir() if not p.is_symlink())
    assert len(kept) == runner.KEEP_RUNS
    assert newest.name in kept and "20260101T000000Z" not in kept


def test_a_failing_step_says_what_failed_and_how_to_fix_it():
    with pytest.raises(
        runner.LabError, match=r"building the seed ISO failed \(exit 3\)\. Install it"
    ):
        runner.run_step(
            ["sh", "-c", "echo boom >&2; exit 3"], "building the seed ISO", "Install it."
        )
