"""POSIX sh scripts that apply or remove the DSR config on an existing server over SSH.

The apply script is idempotent and self-verifying, because a remote command is not re-run on drift:
1. decode the files (base64 payloads: no quoting hazards) into a scratch dir;
2. validate the netplan config as it will be (the host's other YAML + ours) with
   `netplan generate --root-dir <scratch>`: a bad config fails before anything is touched;
3. install each file atomically (write `.avi-dsr-new`, chmod, rename) when it differs;
4. load modules, delete tunnels (dsr4, dsr6, dsr4gre) that are stale (networkd never changes an
   existing netdev's `local` and never deletes removed netdevs) or no longer wanted;
5. `netplan apply` only when the netplan file or a tunnel changed (apply blips the ethernet; it
   runs the generator itself and stops before touching anything if that fails), record the
   previous values of our sysctl keys (first run only, for remove), `sysctl -p` our file, then
   wait until the tunnels look as rendered.

With VIPs the file set also holds the nftables MSS clamp (`mss.py`): before step 3 `nft -c`
checks it against the running kernel (a check, never a commit); before the tunnels are touched the
unit is enabled and (re)started when a file changed or the table is missing; without VIPs the clamp
is retired after the tunnels are gone.

With `stage_root` everything lands under that directory and only step 1-3 plus
`netplan generate --root-dir <stage_root>` run: no modprobe, ip, sysctl, nft, systemctl or apply.
`nft -c` is skipped there because it needs CAP_NET_ADMIN and a netlink round trip to the host's
kernel (it may autoload modules); the tests check every ruleset in a throwaway network namespace.
That is how the demo and tests exercise the real script without touching the host.
"""

from __future__ import annotations

import base64
import posixpath
import shlex

from avi_dsr.server.files import server_files
from avi_dsr.server.modules import required_modules
from avi_dsr.server.mss import MSS_TABLE
from avi_dsr.server.netplan import netplan_config
from avi_dsr.server.paths import (
    MODULES_LOAD_PATH,
    MSS_RULESET_PATH,
    MSS_UNIT,
    MSS_UNIT_PATH,
    NETPLAN_PATH,
    SYSCTL_PATH,
    SYSCTL_STATE_PATH,
)
from avi_dsr.server.spec import TUNNEL_NAMES, ServerSpec
from avi_dsr.server.stage_root import normalize_stage_root, stage_root_problem
from avi_dsr.server.sysctl import sysctl_settings

# every file the scripts may own -> its payload name in the scratch dir; order = removal order
_PAYLOAD_NAMES = {
    NETPLAN_PATH: "netplan",
    SYSCTL_PATH: "sysctl",
    MODULES_LOAD_PATH: "modules",
    MSS_RULESET_PATH: "mss",
    MSS_UNIT_PATH: "mss_unit",
}
OWNED_PATHS = tuple(_PAYLOAD_NAMES)
MSS_PATHS = (MSS_RULESET_PATH, MSS_UNIT_PATH)
NEW_SUFFIX = ".avi-dsr-new"
VERIFY_SECONDS = 20
q = shlex.quote

_PRELUDE = """\
set -eu
umask 077
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
LC_ALL=C
export LC_ALL
"""

# is `dev` an UP tunnel with `local` = $2, remote any, and exactly the global addresses $3...?
_TUNNEL_MATCHES = """\
tunnel_matches() {
  dev=$1
  want_local=$2
  shift 2
  ip -d link show dev "$dev" 2>/dev/null | awk -v want="$want_local" '
    NR == 1 && $3 ~ /(^<|,)UP(,|>$)/ { up = 1 }
    {
      for (i = 1; i < NF; i++) {
        if ($i == "local" && $(i + 1) == want) l = 1
        if ($i == "remote" && $(i + 1) ~ /^(any|0\\.0\\.0\\.0|::)$/) r = 1
      }
    }
    END { exit !(up && l && r) }' || return 1
  have=$(ip -o address show dev "$dev" scope global | awk '{ print $4 }')
  [ "$(printf '%s\\n' "$have" | grep -c .)" -eq "$#" ] || return 1
  for address in "$@"; do
    printf '%s\\n' "$have" | grep -qxF "$address" || return 1
  done
}
"""

_INSTALL_FILE = f"""\
install_file() {{
  src=$1
  mode=$2
  dest=$root$3
  installed=0
  if [ -f "$dest" ] && cmp -s "$src" "$dest" && [ "0$(stat -c %a "$dest")" = "$mode" ]; then
    say "unchanged $3"
    return 0
  fi
  mkdir -p "$(dirname "$dest")"
  cp "$src" "$dest{NEW_SUFFIX}"
  chmod "$mode" "$dest{NEW_SUFFIX}"
  mv -f "$dest{NEW_SUFFIX}" "$dest"
  installed=1
  say "wrote $3"
}}
"""

_REMOVE_FILE = f"""\
remove_file() {{
  dest=$root$1
  removed=0
  rm -f "$dest{NEW_SUFFIX}"
  if [ -e "$dest" ]; then
    rm -f "$dest"
    removed=1
    say "removed $1"
  fi
}}
"""

_VALIDATE = """\
check=$work/check
for dir in etc/netplan lib/netplan run/netplan; do
  mkdir -p "$check/$dir"
  for file in "$root/$dir"/*.yaml; do
    if [ -f "$file" ]; then cp "$file" "$check/$dir/"; fi
  done
done
cp "$work/netplan" "$check{netplan_path}"
if ! netplan generate --root-dir "$check" >"$work/generate.log" 2>&1; then
  cat "$work/generate.log" >&2
  say "netplan rejected the new config; nothing was changed" >&2
  exit 1
fi
"""


_CHECK_MSS = """\
if ! command -v nft >/dev/null 2>&1; then
  say 'nft not found; install the nftables package (apt-get install nftables) and re-run.' >&2
  say 'nothing was changed' >&2
  exit 1
fi
if ! nft -c -f "$work/mss" >"$work/nft.log" 2>&1; then
  cat "$work/nft.log" >&2
  say 'nft rejected the MSS clamp ruleset; nothing was changed' >&2
  exit 1
fi
"""

_RMDIR_MSS = f'rmdir "$root"{q(posixpath.dirname(MSS_RULESET_PATH))} 2>/dev/null || true'

# live: stop and disable the unit while its file still exists, then drop files and table
_RETIRE_MSS = f"""\
retire_mss() {{
  if [ -f {q(MSS_UNIT_PATH)} ]; then
    systemctl disable --now {q(MSS_UNIT)}
  fi
  remove_file {q(MSS_RULESET_PATH)}
  remove_file {q(MSS_UNIT_PATH)}
  if [ "$removed" -eq 1 ]; then
    systemctl daemon-reload
  fi
  if nft list table {MSS_TABLE} >/dev/null 2>&1; then
    nft delete table {MSS_TABLE}
    say 'deleted nftables table {MSS_TABLE}'
  fi
  {_RMDIR_MSS}
}}
"""

# live: unit known and enabled, table loaded from the current file; an active unit is reloaded
# (ExecReload = nft -f: one atomic replace) rather than restarted (stop drops the clamp first)
_ENSURE_MSS = f"""\
if [ "$mss_unit_changed" -eq 1 ]; then
  systemctl daemon-reload
fi
if ! systemctl is-enabled --quiet {q(MSS_UNIT)}; then
  systemctl enable {q(MSS_UNIT)}
fi
if [ "$mss_changed" -eq 1 ] || ! nft list table {MSS_TABLE} >/dev/null 2>&1; then
  if ! systemctl reload-or-restart {q(MSS_UNIT)}; then
    say 'the MSS clamp did not load; see journalctl -u {MSS_UNIT}' >&2
    exit 1
  fi
  say 'MSS clamp loaded: table {MSS_TABLE}'
else
  say 'MSS clamp already loaded: table {MSS_TABLE}'
fi
if ! nft list table {MSS_TABLE} >/dev/null 2>&1; then
  say 'table {MSS_TABLE} is missing after loading; see journalctl -u {MSS_UNIT}' >&2
  exit 1
fi
"""


# live: before our sysctl file first takes effect, note what the keys held, once
_RECORD_SYSCTLS = """\
if [ ! -f {state} ]; then
  mkdir -p {state_dir}
  for key in {keys}; do
    printf '%s = %s\\n' "$key" "$(sysctl -n "$key")"
  done >{state}{new}
  mv -f {state}{new} {state}
  say 'recorded the previous sysctl values in {state}'
fi
"""

# live: a key goes back to its recorded value only while it still holds ours (nobody changed it
# since), then the record goes
_RESTORE_SYSCTLS = """\
restore_sysctl() {{
  before=$(awk -v key="$1" '$1 == key {{ print $3 }}' {state})
  if [ -n "$before" ] && [ "$before" != "$2" ] && [ "$(sysctl -n "$1")" = "$2" ]; then
    sysctl -qw "$1=$before"
    say "restored $1 = $before"
  fi
}}
if [ -f {state} ]; then
{calls}
  rm -f {state}
fi
"""


def render_apply_script(spec: ServerSpec, *, stage_root: str | None = None) -> str:
    """Idempotent sh: installs `server_files(spec)`, brings the tunnels (dsr4, dsr6, dsr4gre) and
    the MSS clamp to the rendered state; files we own that the spec no longer needs (the clamp
    without VIPs) go."""
    root = _checked_stage_root(stage_root)
    files = server_files(spec, tunnels_only=True)
    unwanted = [path for path in OWNED_PATHS if path not in files]
    lines = [
        "#!/bin/sh",
        f"# avi-dsr: apply the L3 DSR server config of {spec.name} (generated; idempotent).",
        _PRELUDE,
        f"root={q(root)}",
        _say(spec),
        *([] if root else [_require_root()]),
        "work=$(mktemp -d)",
        f"trap {q(_cleanup())} EXIT",
        "trap 'exit 1' HUP INT TERM",
        "",
        *_decode_payloads(files),
        _VALIDATE.format(netplan_path=NETPLAN_PATH),
        *([_CHECK_MSS] if MSS_RULESET_PATH in files and not root else []),
        _INSTALL_FILE,
        _REMOVE_FILE,
        "netplan_changed=0",
        "mss_changed=0",
        "mss_unit_changed=0",
        *_install_lines(files),
        "",
    ]
    if root:
        lines += [f"remove_file {q(path)}" for path in unwanted]
        lines += _stage_tail(files)
    else:
        lines += _live_tail(spec, mss_wanted=MSS_RULESET_PATH in files)
    return "\n".join(lines) + "\n"


def render_remove_script(spec: ServerSpec, *, stage_root: str | None = None) -> str:
    """sh that removes our files and (live) every tunnel we own (dsr4, dsr6, dsr4gre) and the MSS
    clamp; staged: just the staged files.

    Kernel settings: the first live apply recorded what our sysctl keys held before
    (`SYSCTL_STATE_PATH`); each key that still holds our value goes back to the recorded one, so
    the host ends as it was. A key someone changed since is left alone (it is their choice now).
    The clamp goes after the tunnels, so no VIP answers unclamped in between.
    """
    root = _checked_stage_root(stage_root)
    lines = [
        "#!/bin/sh",
        f"# avi-dsr: remove the L3 DSR server config of {spec.name} (generated; idempotent).",
        _PRELUDE,
        f"root={q(root)}",
        _say(spec),
        *([] if root else [_require_root()]),
        _REMOVE_FILE,
        "removed_netplan=0",
    ]
    for path in OWNED_PATHS:
        if path in MSS_PATHS and not root:
            continue  # retire_mss removes them once the unit is disabled
        lines.append(f"remove_file {q(path)}")
        if path == NETPLAN_PATH:
            lines.append("removed_netplan=$removed")
    if root:
        lines += [
            _RMDIR_MSS,
            # regenerate so the staged networkd output no longer holds our tunnels either
            'if [ "$removed_netplan" -eq 1 ]; then netplan generate --root-dir "$root"; fi',
            "say 'staged files removed'",
        ]
    else:
        lines += [
            f"for dev in {' '.join(TUNNEL_NAMES)}; do",
            '  if ip link show dev "$dev" >/dev/null 2>&1; then',
            '    ip link delete dev "$dev"',
            '    say "deleted tunnel $dev"',
            "  fi",
            "done",
            'if [ "$removed_netplan" -eq 1 ]; then',
            "  netplan apply",
            "  say 'netplan applied'",
            "fi",
            _RETIRE_MSS,
            "retire_mss",
            _restore_sysctls(),
            _RMDIR_MSS,
            "say 'done'",
        ]
    return "\n".join(lines) + "\n"


def _checked_stage_root(stage_root: str | None) -> str:
    """The renderer applies the same stage-root rule as the config (checked there first)."""
    if stage_root is None:
        return ""
    problem = stage_root_problem(stage_root)
    if problem:
        raise ValueError(f"stage_root: {problem}")
    return normalize_stage_root(stage_root)


def _say(spec: ServerSpec) -> str:
    return f"say() {{ printf 'avi-dsr %s: %s\\n' {q(spec.name)} \"$*\"; }}"


def _require_root() -> str:
    return (
        'if [ "$(id -u)" -ne 0 ]; then\n'
        "  echo 'avi-dsr: must run as root (wrap the script with sudo)' >&2\n"
        "  exit 1\nfi"
    )


def _cleanup() -> str:
    """EXIT trap: drop the scratch dir and any half-written `.avi-dsr-new` file."""
    leftovers = " ".join(
        f'"$root"{q(path + NEW_SUFFIX)}' for path in (*OWNED_PATHS, SYSCTL_STATE_PATH)
    )
    return f'rm -rf "$work"; rm -f {leftovers}'


def _decode_payloads(files: dict[str, tuple[str, str]]) -> list[str]:
    lines = []
    for path, (_mode, content) in files.items():
        payload = base64.b64encode(content.encode()).decode()
        lines.append(f'printf %s {q(payload)} | base64 -d >"$work/{_PAYLOAD_NAMES[path]}"')
    return lines


def _install_lines(files: dict[str, tuple[str, str]]) -> list[str]:
    lines = []
    for path, (mode, _content) in files.items():
        lines.append(f'install_file "$work/{_PAYLOAD_NAMES[path]}" {q(mode)} {q(path)}')
        if path == NETPLAN_PATH:
            lines.append("netplan_changed=$installed")
        elif path in MSS_PATHS:
            lines.append('if [ "$installed" -eq 1 ]; then mss_changed=1; fi')
            if path == MSS_UNIT_PATH:
                lines.append("mss_unit_changed=$installed")
    return lines


def _stage_tail(files: dict[str, tuple[str, str]]) -> list[str]:
    lines = [_RMDIR_MSS] if MSS_RULESET_PATH not in files else []
    lines += [
        'netplan generate --root-dir "$root"',
        'say "staged under $root and validated with netplan generate --root-dir"',
    ]
    if MSS_RULESET_PATH in files:
        lines.append(f"say {q('MSS clamp staged, not checked: nft -c needs the kernel (netlink)')}")
    return lines


def _live_tail(spec: ServerSpec, *, mss_wanted: bool) -> list[str]:
    """Clamp first, tunnels next: a VIP never answers before its MSS is clamped; without VIPs
    the clamp is retired after the tunnels are gone."""
    lines = [_TUNNEL_MATCHES]
    lines += [f"modprobe {q(module)}" for module in required_modules(spec)]
    if mss_wanted:
        lines.append(_ENSURE_MSS)
    lines.append("tunnels_changed=0")
    wanted = _wanted_tunnels(spec)
    for dev in TUNNEL_NAMES:
        if dev in wanted:
            lines.append(
                f"if ! {_tunnel_matches(dev, *wanted[dev])}; then\n"
                f"  if ip link show dev {dev} >/dev/null 2>&1; then\n"
                f"    ip link delete dev {dev}\n"
                f"    say 'deleted stale {dev}'\n"
                f"  fi\n"
                f"  tunnels_changed=1\n"
                f"fi"
            )
        else:
            lines.append(
                f"if ip link show dev {dev} >/dev/null 2>&1; then\n"
                f"  ip link delete dev {dev}\n"
                f"  say 'deleted {dev}: no longer wanted'\n"
                f"  tunnels_changed=1\n"
                f"fi"
            )
    lines += [
        'if [ "$netplan_changed" -eq 1 ] || [ "$tunnels_changed" -eq 1 ]; then',
        "  netplan apply",
        "  say 'netplan applied'",
        "else",
        "  say 'tunnels already as rendered; netplan not re-applied'",
        "fi",
        *([] if mss_wanted else [_RETIRE_MSS, "retire_mss"]),
        _record_sysctls(),
        f"sysctl -p {q(SYSCTL_PATH)} >/dev/null",
        _sysctl_status(),
    ]
    for dev, (local, addresses) in wanted.items():
        shown = q(f"{dev} ok: local {local}, " + " ".join(addresses))
        lines.append(
            f"tries=0\n"
            f"until {_tunnel_matches(dev, local, addresses)}; do\n"
            f"  tries=$((tries + 1))\n"
            f'  if [ "$tries" -ge {VERIFY_SECONDS} ]; then\n'
            f"    say '{dev} did not come up as rendered; see journalctl -u systemd-networkd' >&2\n"
            f"    exit 1\n"
            f"  fi\n"
            f"  sleep 1\n"
            f"done\n"
            f"say {shown}"
        )
    return lines


def _tunnel_matches(dev: str, local: str, addresses: list[str]) -> str:
    return " ".join(q(arg) for arg in ("tunnel_matches", dev, local, *addresses))


def _record_sysctls() -> str:
    return _RECORD_SYSCTLS.format(
        state=q(SYSCTL_STATE_PATH),
        state_dir=q(posixpath.dirname(SYSCTL_STATE_PATH)),
        keys=" ".join(q(key) for key in sysctl_settings()),
        new=NEW_SUFFIX,
    )


def _restore_sysctls() -> str:
    calls = "\n".join(
        f"  restore_sysctl {q(key)} {q(str(value))}" for key, value in sysctl_settings().items()
    )
    return _RESTORE_SYSCTLS.format(state=q(SYSCTL_STATE_PATH), calls=calls)


def _sysctl_status() -> str:
    """A status line with the live `all` value of each key the sysctl file sets."""
    keys = [key for key in sysctl_settings() if ".all." in key]
    shown = " ".join(f"{key.rsplit('.', 1)[1]}=$(sysctl -n {key})" for key in keys)
    return f'say "sysctl: {shown}"'


def _wanted_tunnels(spec: ServerSpec) -> dict[str, tuple[str, list[str]]]:
    """dev -> (local, addresses) of the tunnels the rendered netplan file declares."""
    tunnels = netplan_config(spec, tunnels_only=True).get("tunnels", {})
    return {dev: (tunnel["local"], tunnel["addresses"]) for dev, tunnel in tunnels.items()}
