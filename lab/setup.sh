#!/usr/bin/env bash
# Installs the host packages the lab needs (QEMU, mmdebstrap, genisoimage, zstd, e2fsprogs) if
# missing. Idempotent: a warm run only asks dpkg.
set -euo pipefail
PKGS=(qemu-system-x86 mmdebstrap genisoimage e2fsprogs zstd)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "lab/setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
