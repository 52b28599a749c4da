#!/usr/bin/env bash
# Builds the lab's guest image (Debian bookworm minbase + the overlay) and caches it outside git:
#   ~/.cache/avi-dsr/lab/<key>/{image.ext4.zst,vmlinuz,initrd.img,manifest.txt}
# key = sha256(package list + overlay files + this script), so a cache hit costs seconds and any
# change to what goes into the image rebuilds it. Prints the cache directory on the last line.
# The debootstrapped tree is kept zstd-compressed per package-list key (lab-base/) so editing the
# overlay re-packs the image (~10 s) instead of re-downloading Debian (~90 s).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SUITE=bookworm
MIRROR="${LAB_MIRROR:-http://deb.debian.org/debian}"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/avi-dsr"
IMAGE_SIZE=2G
FS_UUID=6a1b2c3d-0000-4000-8000-00000000d5a0
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1700000000}"

log() { echo "build-image: $*" >&2; }

packages() { grep -v '^\s*#' "$HERE/packages.txt" | grep -v '^\s*$' | paste -sd, -; }

hash_inputs() {  # stable digest of file names + contents, in sorted order
  (cd "$HERE" && { echo "$SUITE $MIRROR"; for f in "$@"; do echo "== $f"; cat "$f"; done; } | sha256sum | cut -c1-16)
}

base_key="$(hash_inputs packages.txt)"
overlay_files=$(cd "$HERE" && find overlay -type f | LC_ALL=C sort)
# shellcheck disable=SC2086
image_key="$(hash_inputs packages.txt build-image.sh $overlay_files)"
base_dir="$CACHE_ROOT/lab-base/$base_key"
image_dir="$CACHE_ROOT/lab/$image_key"

if [[ -s "$image_dir/image.ext4.zst" && -s "$image_dir/vmlinuz" && -s "$image_dir/initrd.img" ]]; then
  log "cache hit $image_dir"
  echo "$image_dir"
  exit 0
fi

for tool in mmdebstrap mke2fs zstd; do
  command -v "$tool" >/dev/null || { log "missing $tool: run lab/setup.sh"; exit 2; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/avi-dsr-lab-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if [[ ! -s "$base_dir/rootfs.tar.zst" ]]; then
  log "debootstrapping $SUITE minbase (about 90 s)"
  mkdir -p "$base_dir.tmp"
  mmdebstrap --quiet --variant=minbase --include="$(packages)" \
    --customize-hook='chroot "$1" dpkg-query -W > "$1/lab-manifest.txt"' \
    --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
    "$SUITE" "$work/rootfs.tar" "deb $MIRROR $SUITE main"
  zstd -q -T0 -3 "$work/rootfs.tar" -o "$base_dir.tmp/rootfs.tar.zst"
  rm -f "$work/rootfs.tar"
  rm -rf "$base_dir" && mv "$base_dir.tmp" "$base_dir"
  # keep only the current base: the cache stays one tree big
  find "$CACHE_ROOT/lab-base" -mindepth 1 -maxdepth 1 ! -name "$base_key" -exec rm -rf {} +
fi

log "packing image $image_key"
mkdir "$work/root"
zstd -q -d -c "$base_dir/rootfs.tar.zst" | tar -x -C "$work/root" --numeric-owner
cp -a "$HERE/overlay/." "$work/root/"
(cd "$HERE/overlay" && find . -mindepth 1) | while read -r f; do chown -h 0:0 "$work/root/$f"; done
# enable/disable units offline (no systemd in a chroot needed: wants/ symlinks)
sysd="$work/root/etc/systemd/system"
mkdir -p "$sysd/sysinit.target.wants" "$sysd/cloud-init.target.wants" "$sysd/multi-user.target.wants" \
  "$sysd/sockets.target.wants" "$sysd/network-online.target.wants"
ln -sf /etc/systemd/system/lab-topo.service "$sysd/sysinit.target.wants/lab-topo.service"
ln -sf /etc/systemd/system/lab-run.service "$sysd/cloud-init.target.wants/lab-run.service"
ln -sf /lib/systemd/system/systemd-networkd.service "$sysd/multi-user.target.wants/systemd-networkd.service"
ln -sf /lib/systemd/system/systemd-networkd.socket "$sysd/sockets.target.wants/systemd-networkd.socket"
ln -sf /lib/systemd/system/systemd-networkd-wait-online.service \
  "$sysd/network-online.target.wants/systemd-networkd-wait-online.service"
# the guest has no NIC to the outside: nothing to gain from sshd, timers or getty chatter
for unit in ssh.service ssh.socket apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
  e2scrub_reap.service ipvsadm.service getty@tty1.service serial-getty@ttyS0.service \
  fstrim.timer systemd-timesyncd.service; do
  ln -sf /dev/null "$sysd/$unit"
done
echo lab >"$work/root/etc/hostname"
printf 'LABEL=labroot / ext4 rw 0 1\n' >"$work/root/etc/fstab"

mkdir -p "$image_dir.tmp"
cp "$work/root/lab-manifest.txt" "$image_dir.tmp/manifest.txt"
cp -L "$work/root/vmlinuz" "$image_dir.tmp/vmlinuz"
cp -L "$work/root/initrd.img" "$image_dir.tmp/initrd.img"
mke2fs -q -t ext4 -L labroot -U "$FS_UUID" -E root_owner=0:0,hash_seed="$FS_UUID" \
  -d "$work/root" "$work/image.ext4" "$IMAGE_SIZE"
zstd -q -T0 -3 "$work/image.ext4" -o "$image_dir.tmp/image.ext4.zst"
rm -rf "$image_dir" && mv "$image_dir.tmp" "$image_dir"
find "$CACHE_ROOT/lab" -mindepth 1 -maxdepth 1 ! -name "$image_key" -exec rm -rf {} +
log "built $image_dir ($(du -sh "$image_dir" | cut -f1))"
echo "$image_dir"
