#!/usr/bin/env bash
# A throwaway OpenSSH server on 127.0.0.1 that stands in for an "existing" DSR server.
#
#   scripts/local-sshd.sh start DIR PORT   generate keys under DIR (once), start sshd -D in the
#                                          background, wait until it accepts, print
#                                          "host_key=<line>" and "client_key=<path>"
#   scripts/local-sshd.sh stop DIR         stop the sshd started for DIR
#   scripts/local-sshd.sh status DIR       exit 0 if it is running
#
# Why: the existing-server path of avi-dsr runs its apply/remove scripts over SSH. With the
# component's stageRoot those scripts only write files under a directory and validate them, so a
# loopback sshd lets `make demo` and the engine tests exercise the real SSH path without touching
# this machine's network. It listens on 127.0.0.1 only, accepts only the generated ed25519 key,
# and needs root (sshd's privilege separation); Debian's openssh-server provides /usr/sbin/sshd.
set -euo pipefail

die() { echo "local-sshd: error: $*" >&2; exit 1; }

cmd=${1:-}
dir=${2:-}
[[ -n $cmd && -n $dir ]] || die "usage: $0 start DIR PORT | stop DIR | status DIR"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
pidfile="$dir/sshd.pid"

running() { [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case $cmd in
  status) running ;;
  stop)
    if running; then
      pid=$(cat "$pidfile")
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
    ;;
  start)
    port=${3:-}
    [[ $port =~ ^[0-9]+$ ]] || die "PORT must be a number, got '${port}'"
    sshd=/usr/sbin/sshd
    [[ -x $sshd ]] || die "$sshd not found: install openssh-server (scripts/system-deps.sh)"
    [[ $(id -u) == 0 ]] || die "sshd needs root for privilege separation; run as root"
    [[ -f $dir/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C avi-dsr-local-host -f "$dir/ssh_host_ed25519_key"
    [[ -f $dir/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C avi-dsr-local-client -f "$dir/id_ed25519"
    cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
    chmod 600 "$dir/ssh_host_ed25519_key" "$dir/id_ed25519" "$dir/authorized_keys"
    cat >"$dir/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $dir/ssh_host_ed25519_key
PidFile $pidfile
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
LogLevel ERROR
EOF
    running && "$0" stop "$dir"
    mkdir -p /run/sshd # privilege-separation directory (normally created by the service unit)
    "$sshd" -t -f "$dir/sshd_config" || die "sshd rejected $dir/sshd_config"
    # detached from our stdout/stderr so callers that capture output are not held open
    setsid "$sshd" -D -e -f "$dir/sshd_config" </dev/null >/dev/null 2>>"$dir/sshd.log" &
    echo $! >"$pidfile"
    for _ in $(seq 100); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "host_key=$(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")"
        echo "client_key=$dir/id_ed25519"
        exit 0
      fi
      running || die "sshd exited; see $dir/sshd.log"
      sleep 0.1
    done
    die "sshd did not accept connections on 127.0.0.1:$port within 10 s"
    ;;
  *) die "unknown command '$cmd' (start, stop, status)" ;;
esac
