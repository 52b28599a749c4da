"""Runs the datapath lab once: cached image, seeds from the real renderer, one QEMU boot.

Usage: python -m lab.runner [--out DIR] [--timeout SECONDS] [--accel auto|kvm|tcg]
Evidence lands in lab/out/<UTC timestamp>/ (lab/out/latest points at the newest run):
  evidence/summary.txt, summary.json, facts.json, run.log, pcaps/, servers/<name>/, ...
  serial.log (guest console), seeds/ (the rendered bytes the servers booted with), result.json
Exit status 0 only if every check passed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lab import qemu, seed

LAB = Path(__file__).resolve().parent
DEFAULT_OUT = LAB / "out"


class LabError(RuntimeError):
    """A lab step failed before the checks could run; the message says which and what to do."""


def run_step(argv: list[str], what: str, fix: str) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise LabError(f"{what} failed (exit {proc.returncode}). {fix}\n{tail}")
    return proc.stdout


def ensure_image() -> Path:
    """Host packages (lab/setup.sh), then the cached image (lab/build-image.sh): its cache dir."""
    run_step(
        ["bash", str(LAB / "setup.sh")],
        "installing host packages",
        "Install qemu-system-x86 mmdebstrap genisoimage zstd e2fsprogs.",
    )
    out = run_step(
        ["bash", str(LAB / "build-image.sh")],
        "building the guest image",
        "Check network access to the Debian mirror (LAB_MIRROR) and free disk space.",
    )
    return Path(out.strip().splitlines()[-1])


def prepare_share(run_dir: Path) -> Path:
    """The 9p share: the scenario and every server's rendered seed; the guest adds evidence/."""
    shutil.copytree(
        LAB / "scenario", run_dir / "scenario", ignore=shutil.ignore_patterns("__pycache__")
    )
    try:
        seed.write_seeds(run_dir / "seeds")
    except ImportError as exc:
        raise LabError(
            f"cannot import the renderer avi_dsr.server ({exc}); run `make venv`."
        ) from exc
    (run_dir / "evidence").mkdir()
    return run_dir


def seed_iso(seed_dir: Path, iso: Path) -> Path:
    """NoCloud seed for the root-namespace server (volume label cidata)."""
    run_step(
        [
            "genisoimage",
            "-quiet",
            "-output",
            str(iso),
            "-volid",
            "cidata",
            "-joliet",
            "-rock",
            *(str(seed_dir / name) for name in seed.SEED_FILES),
        ],
        "building the seed ISO",
        "Install genisoimage (lab/setup.sh).",
    )
    return iso


def choose_accel(requested: str, kernel: Path) -> str:
    """The requested accelerator, or the KVM probe's verdict (remembered next to the kernel)."""
    if requested != "auto":
        return requested
    kvm_device = Path("/dev/kvm")
    if not kvm_device.exists():
        return "tcg"
    # remembered until the host reboots (devtmpfs recreates /dev/kvm, so its mtime moves on)
    remembered = kernel.parent / "accel"
    if remembered.exists() and remembered.stat().st_mtime > kvm_device.stat().st_mtime:
        return remembered.read_text().strip()
    accel = "kvm" if qemu.kvm_works(kernel) else "tcg"
    remembered.write_text(accel + "\n")
    return accel


def boot(image_dir: Path, run_dir: Path, accel: str, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="avi-dsr-lab-") as tmp:
        rootfs = Path(tmp) / "image.ext4"
        run_step(
            ["zstd", "-q", "-d", str(image_dir / "image.ext4.zst"), "-o", str(rootfs)],
            "unpacking the cached image",
            "Delete ~/.cache/avi-dsr/lab and re-run.",
        )
        argv = qemu.boot_command(
            accel=accel,
            kernel=image_dir / "vmlinuz",
            initrd=image_dir / "initrd.img",
            rootfs=rootfs,
            share=run_dir,
            seed_iso=seed_iso(run_dir / "seeds/srv1", Path(tmp) / "seed.iso"),
        )
        (run_dir / "qemu-command.txt").write_text(" ".join(argv) + "\n")
        started = time.monotonic()
        with (run_dir / "serial.log").open("w") as serial:
            try:
                proc = subprocess.run(
                    argv,
                    stdout=serial,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    timeout=timeout,
                    check=False,
                )
                status = f"exited {proc.returncode}"
            except subprocess.TimeoutExpired:
                status = f"timed out after {timeout:.0f}s"
        return {"accel": accel, "boot": status, "seconds": round(time.monotonic() - started, 1)}


KEEP_RUNS = 5


def new_run_dir(base: Path) -> Path:
    """A fresh timestamped run folder; `latest` points at it; only the newest KEEP_RUNS stay."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = base / stamp
    run_dir.mkdir(parents=True)
    runs = sorted(
        p for p in base.iterdir() if p.is_dir() and not p.is_symlink() and p.name[:8].isdigit()
    )
    for old in runs[:-KEEP_RUNS]:
        shutil.rmtree(old)
    latest = base / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    latest.symlink_to(stamp)
    return run_dir


def run_lab(out_base: Path = DEFAULT_OUT, timeout: float = 720, accel: str = "auto") -> dict:
    """One full lab run; returns result.json's content (also written to the run directory)."""
    image_dir = ensure_image()
    run_dir = new_run_dir(out_base)
    prepare_share(run_dir)
    result = {"run_dir": str(run_dir), "image": str(image_dir)}
    result |= boot(image_dir, run_dir, choose_accel(accel, image_dir / "vmlinuz"), timeout)
    summary = run_dir / "evidence" / "summary.json"
    if summary.exists():
        result |= json.loads(summary.read_text())
    else:
        result["error"] = (
            f"the guest wrote no summary ({result['boot']}): see "
            f"{run_dir / 'serial.log'} and {run_dir / 'evidence'}"
        )
        result.setdefault("results", [])
    (run_dir / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="base folder for run folders")
    parser.add_argument(
        "--timeout", type=float, default=720, help="seconds before the boot is killed"
    )
    parser.add_argument("--accel", choices=["auto", "kvm", "tcg"], default="auto")
    args = parser.parse_args(argv)
    try:
        result = run_lab(args.out, args.timeout, args.accel)
    except LabError as exc:
        print(f"lab: {exc}", file=sys.stderr)
        return 2
    summary_txt = Path(result["run_dir"]) / "evidence" / "summary.txt"
    if summary_txt.exists():
        print(summary_txt.read_text().rstrip())
    print(
        f"lab: {result['accel']} boot {result['boot']} in {result['seconds']}s; "
        f"evidence in {result['run_dir']}"
    )
    if result.get("error"):
        print(f"lab: error: {result['error'].strip().splitlines()[-1]}", file=sys.stderr)
    ok = (
        not result.get("error")
        and result["results"]
        and all(r["passed"] is not False for r in result["results"])
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
