"""Paths of the Debian tools the server tests run for real (installed by scripts/system-deps.sh)."""

import shutil

NETPLAN = shutil.which("netplan") or "/usr/sbin/netplan"
CLOUD_INIT = shutil.which("cloud-init") or "/usr/bin/cloud-init"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's python3, where the cloud-init package lives
