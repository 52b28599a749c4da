#!/usr/bin/env bash
# Installs the host packages the lab needs (QEMU, mmdebstrap, genisoimage, zstd, e2fsprogs) if
# missing, through the project's installer. Idempotent: a warm run only asks dpkg.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../scripts/system-deps.sh" \
  qemu-system-x86 mmdebstrap genisoimage e2fsprogs zstd
