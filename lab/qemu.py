"""QEMU command lines for the lab: KVM when it really works, TCG otherwise.

A /dev/kvm backed by a nested, software-assisted hypervisor can exist and still fail to boot a
stock kernel (see lab/README.md), so KVM is used only after a short probe boot proves it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

QEMU = "qemu-system-x86_64"
MEMORY_MB = 1536
CPUS = 2
KERNEL_ARGS = "console=ttyS0 root=LABEL=labroot rw panic=-1 quiet lab.run=1"
# every boot, probe included: serial console only, no NIC (the guest never reaches the outside),
# and a guest reboot (panic=-1) ends QEMU instead of looping
ISOLATED = ["-nographic", "-nic", "none", "-no-reboot"]


def kvm_works(kernel: Path, timeout: float = 8) -> bool:
    """Boots the kernel with no root under KVM: it must print its banner and reach the VFS panic."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    argv = [
        QEMU,
        *accel_args("kvm"),
        "-m",
        "256",
        *ISOLATED,
        "-kernel",
        str(kernel),
        "-append",
        "console=ttyS0 panic=-1",
    ]
    try:
        proc = subprocess.run(
            argv, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
        )
        output = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout or b""  # what the console printed before the probe was killed
    return b"Linux version" in output and (b"Kernel panic" in output or b"VFS" in output)


def accel_args(accel: str) -> list[str]:
    if accel == "kvm":
        return ["-accel", "kvm", "-cpu", "host"]
    return ["-accel", "tcg,thread=multi", "-cpu", "max"]


def boot_command(
    *,
    accel: str,
    kernel: Path,
    initrd: Path,
    rootfs: Path,
    share: Path,
    seed_iso: Path,
    extra_kernel_args: str = "",
) -> list[str]:
    """One lab boot: no NIC, root disk in snapshot mode (the cached image is never written),
    the run directory shared over 9p as tag "lab", the NoCloud seed as a read-only disk."""
    return [
        QEMU,
        *accel_args(accel),
        "-machine",
        "q35",
        "-m",
        str(MEMORY_MB),
        "-smp",
        str(CPUS),
        *ISOLATED,
        "-kernel",
        str(kernel),
        "-initrd",
        str(initrd),
        "-drive",
        f"file={rootfs},format=raw,if=virtio,snapshot=on",
        "-virtfs",
        f"local,path={share},mount_tag=lab,security_model=none,id=lab",
        "-drive",
        f"file={seed_iso},format=raw,if=virtio,readonly=on",
        "-append",
        f"{KERNEL_ARGS} {extra_kernel_args}".strip(),
    ]
