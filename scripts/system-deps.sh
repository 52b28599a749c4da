#!/usr/bin/env bash
# Installs the Debian packages the tests, the demo and the lab need, or just the packages given as
# arguments (lab/setup.sh). Idempotent: a warm run only checks dpkg. Never applies network config
# on the host (netplan is used with --root-dir).
set -euo pipefail
PKGS=(
  netplan.io cloud-init            # validators for rendered server config
  nftables                         # `nft -c` and MSS-clamp tests in throwaway netns (tests/server)
  openssh-server openssh-client    # loopback sshd for existing-server mode (demo, engine tests)
  qemu-system-x86 mmdebstrap genisoimage e2fsprogs zstd   # datapath lab
)
if (($#)); then PKGS=("$@"); fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "system-deps.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
