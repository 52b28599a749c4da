"""The live (non-stage) apply/remove logic, run for real with the system tools stubbed.

Safety: each run happens in private mount and network namespaces (`unshare -m -n`): /etc is an
overlay whose writes land in a tmpfs, with empty tmpfs over /etc/netplan, /etc/sysctl.d,
/etc/modules-load.d and /etc/systemd/system. `ip`, `modprobe`, `sysctl`, `id`, `sleep`,
`systemctl` and every `netplan` call except `generate --root-dir` are shell functions that only
record calls and emulate links and unit state from fixture files. `nft` is the real one (calls are
recorded too), so the MSS clamp really loads -- into the throwaway network namespace. Nothing
reaches the host's network, nftables ruleset, sysctls or /etc.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from avi_dsr.server import (
    MSS_RULESET_PATH,
    MSS_UNIT_PATH,
    NETPLAN_PATH,
    render_apply_script,
    render_remove_script,
    server_files,
)
from avi_dsr.server.paths import MSS_UNIT as UNIT
from avi_dsr.server.scripts import OWNED_PATHS
from server_cases import spec

MOUNTS = ("/etc/netplan", "/etc/sysctl.d", "/etc/modules-load.d", "/etc/systemd/system")
CAPTURED = (*MOUNTS, "/etc/avi-dsr")
NFT = shutil.which("nft") or "/usr/sbin/nft"

STUBS = r"""
STUB=__STUB__
log() { printf '%s\n' "$*" >>"$STUB/calls"; }
id() { cat "$STUB/uid"; }
modprobe() { log "modprobe $*"; }
sleep() { :; }
# the kernel's values live in $STUB/sysctl/<key> (a key never set reads 2, Ubuntu's rp_filter)
sysctl() {
  case "$1" in
    -n) cat "$STUB/sysctl/$2" 2>/dev/null || echo 2 ;;
    -qw) log "sysctl $*"; echo "${2#*=}" >"$STUB/sysctl/${2%%=*}" ;;
    -p)
      log "sysctl $*"
      sed -n 's/^\([a-z0-9_.]*\) = \(.*\)$/\1 \2/p' "$2" | while read -r key value; do
        echo "$value" >"$STUB/sysctl/$key"
      done ;;
    *) echo "unexpected: sysctl $*" >&2; return 2 ;;
  esac
}
netplan() {
  if [ "$1" = generate ] && [ "${2:-}" = --root-dir ]; then command netplan "$@"; return; fi
  log "netplan $*"
  # like networkd: apply creates the tunnels only while our netplan file exists
  if [ "$1" = apply ] && [ -d "$STUB/after-apply" ] && [ -f /etc/netplan/60-avi-dsr.yaml ]; then
    cp "$STUB/after-apply/"* "$STUB/links/"
  fi
}
# real nft (inside the throwaway netns), logged with the scratch dir spelled $work
nft() {
  log "nft $(printf '%s' "$*" | sed "s|${work:-/nonexistent}|\$work|g")"
  if [ "$1" = -c ] && [ -f "$STUB/nft-check-fails" ]; then echo 'Error: stubbed' >&2; return 1; fi
  command nft "$@"
}
# systemd for one unit: runs its Exec lines from the config loaded at the last daemon-reload
# (or read on first use, as systemd loads an unknown unit on demand)
UNIT_FILE=/etc/systemd/system/avi-dsr-mss.service
unit_run() {
  if [ ! -f "$STUB/loaded-unit" ]; then cp "$UNIT_FILE" "$STUB/loaded-unit" || return 1; fi
  cmd=$(sed -n "s/^Exec$1=//p" "$STUB/loaded-unit")
  case "$cmd" in
    -*) ${cmd#-} || true ;;
    *) $cmd ;;
  esac
}
systemctl() {
  log "systemctl $*"
  case "$1" in
    daemon-reload)
      rm -f "$STUB/loaded-unit"
      if [ -f "$UNIT_FILE" ]; then cp "$UNIT_FILE" "$STUB/loaded-unit"; fi ;;
    is-enabled) test -f "$STUB/enabled" ;;
    enable) test -f "$UNIT_FILE" && : >"$STUB/enabled" ;;
    disable)
      rm -f "$STUB/enabled"
      if [ "$2" = --now ] && [ -f "$STUB/active" ]; then unit_run Stop; rm -f "$STUB/active"; fi ;;
    reload-or-restart)
      if [ -f "$STUB/active" ]; then unit_run Reload; return; fi
      unit_run Start && : >"$STUB/active" ;;
    *) echo "unexpected: systemctl $*" >&2; return 2 ;;
  esac
}
ip() {
  case "$1 $2 $3" in
    "-d link show") cat "$STUB/links/$5.link" 2>/dev/null ;;
    "link show dev") test -f "$STUB/links/$4.link" ;;
    "-o address show") cat "$STUB/links/$5.addr" 2>/dev/null || true ;;
    "link delete dev") log "ip $*"; rm -f "$STUB/links/$4.link" "$STUB/links/$4.addr" ;;
    *) echo "unexpected: ip $*" >&2; return 2 ;;
  esac
}
"""

# runs inside `unshare -m -n`: /etc overlaid onto a tmpfs, empty tmpfs over our /etc dirs,
# then every script in order; after each: its calls, our /etc dirs and the netns' nft ruleset
RUNNER = """
set -eu
mount -t tmpfs avi-dsr-test "$STUB_DIR/overlay"
mkdir "$STUB_DIR/overlay/upper" "$STUB_DIR/overlay/work"
mount -t overlay avi-dsr-test -o "lowerdir=/etc,upperdir=$STUB_DIR/overlay/upper,\\
workdir=$STUB_DIR/overlay/work" /etc
for dir in {mounts}; do mount -t tmpfs avi-dsr-test "$dir"; done
set +e
n=0
for script in "$@"; do
  n=$((n + 1))
  : >"$STUB_DIR/calls"
  sh "$script" >"$STUB_DIR/out.$n" 2>"$STUB_DIR/err.$n"
  echo $? >"$STUB_DIR/rc.$n"
  mv "$STUB_DIR/calls" "$STUB_DIR/calls.$n"
  mkdir -p "$STUB_DIR/etc.$n"
  for dir in {captured}; do if [ -d "$dir" ]; then cp -a "$dir" "$STUB_DIR/etc.$n/"; fi; done
  {nft} list ruleset >"$STUB_DIR/ruleset.$n"
done
"""


def ipip_link(local: str, up: bool = True) -> str:
    flags = "NOARP,UP,LOWER_UP" if up else "NOARP"
    return (
        f"7: dsr4@NONE: <{flags}> mtu 1480 qdisc noqueue state UNKNOWN mode DEFAULT group "
        "default qlen 1000\n"
        f"    link/ipip {local} brd 0.0.0.0 promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 \n"
        f"    ipip ipip remote any local {local} ttl inherit pmtudisc addrgenmode none "
        "numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 \n"
    )


def ip6tnl_link(local: str) -> str:
    return (
        "8: dsr6@NONE: <NOARP,UP,LOWER_UP> mtu 1452 qdisc noqueue state UNKNOWN mode DEFAULT "
        "group default qlen 1000\n"
        f"    link/tunnel6 {local} brd :: promiscuity 0  allmulti 0 minmtu 68 maxmtu 65407 \n"
        f"    ip6tnl ip6ip6 remote any local {local} hoplimit 64 encaplimit 4 tclass 0x00 "
        "flowlabel 0x00000 (flowinfo 0x00000000) addrgenmode none numtxqueues 1 \n"
    )


def gre_link(local: str) -> str:
    return (
        "9: dsr4gre@NONE: <NOARP,UP,LOWER_UP> mtu 1476 qdisc noqueue state UNKNOWN mode DEFAULT "
        "group default qlen 1000\n"
        f"    link/gre {local} brd 0.0.0.0 promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 \n"
        f"    gre remote any local {local} ttl inherit pmtudisc addrgenmode none "
        "numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 \n"
    )


def addr_lines(dev: str, index: int, family: str, *addresses: str) -> str:
    return "".join(
        f"{index}: {dev}    {family} {a} scope global {dev}\\       valid_lft forever "
        "preferred_lft forever\n"
        for a in addresses
    )


CHECK = "nft -c -f $work/mss"  # validation before anything is written
LIST = "nft list table inet avi_dsr"
FIRST_LOAD = [
    "systemctl daemon-reload",
    f"systemctl is-enabled --quiet {UNIT}",
    f"systemctl enable {UNIT}",
    f"systemctl reload-or-restart {UNIT}",
    LIST,  # verification after loading
]
RETIRE = [f"systemctl disable --now {UNIT}", "systemctl daemon-reload", LIST]
SYSCTL_CALL = "sysctl -p /etc/sysctl.d/99-zz-avi-dsr.conf"

GOOD_DSR4 = {
    "dsr4.link": ipip_link("198.51.100.11"),
    "dsr4.addr": addr_lines("dsr4", 7, "inet", "203.0.113.10/32"),
}
GOOD_DSR6 = {
    "dsr6.link": ip6tnl_link("2001:db8:20::11"),
    "dsr6.addr": addr_lines("dsr6", 8, "inet6", "2001:db8:100::10/128"),
}

GOOD_GRE = {
    "dsr4gre.link": gre_link("198.51.100.11"),
    "dsr4gre.addr": addr_lines("dsr4gre", 9, "inet", "203.0.113.20/32", "203.0.113.21/32"),
}


PROBE = """
set -e
mount -t tmpfs avi-dsr-probe "$1"
mkdir "$1/upper" "$1/work" "$1/etc"
mount -t overlay avi-dsr-probe -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" "$1/etc"
"$2" list ruleset >/dev/null
"""


def _can_unshare() -> bool:
    """Root, private mount + network namespaces, overlayfs and nft: all the sandbox needs."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not Path(NFT).exists():
        return False
    with tempfile.TemporaryDirectory(prefix="avi-dsr-probe-") as scratch:
        probe = subprocess.run(
            ["unshare", "-m", "-n", "sh", "-c", PROBE, "probe", scratch, NFT],
            capture_output=True,
            timeout=30,
        )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not _can_unshare(),
    reason="needs root, `unshare -m -n`, overlayfs and nft (scripts/system-deps.sh installs "
    "nftables) to stub the live system safely",
)


@pytest.fixture(autouse=True)
def host_stays_untouched():
    """Safety net: none of the paths the scripts own may appear on the host during a test."""
    watched = [Path(path) for path in OWNED_PATHS] + [Path(MSS_RULESET_PATH).parent]
    before = {path: path.exists() for path in watched}
    yield
    assert {path: path.exists() for path in before} == before


class Lab:
    """One stub directory: link fixtures, recorded calls, captured /etc of each run."""

    def __init__(self, base: Path) -> None:
        self.dir = base / "stub"
        (self.dir / "links").mkdir(parents=True)
        (self.dir / "sysctl").mkdir()
        (self.dir / "overlay").mkdir()
        (self.dir / "uid").write_text("0\n")
        self.base = base

    def links(self, files: dict[str, str]) -> None:
        for name, text in files.items():
            (self.dir / "links" / name).write_text(text)

    def sysctls(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            (self.dir / "sysctl" / key).write_text(value + "\n")

    def sysctl(self, key: str) -> str:
        path = self.dir / "sysctl" / key
        return path.read_text().strip() if path.exists() else "2"

    def after_apply(self, files: dict[str, str]) -> None:
        target = self.dir / "after-apply"
        target.mkdir(exist_ok=True)
        for name, text in files.items():
            (target / name).write_text(text)

    def run(self, *scripts: str) -> list[dict[str, object]]:
        stubs = STUBS.replace("__STUB__", str(self.dir))
        paths = []
        for index, script in enumerate(scripts, 1):
            path = self.base / f"script{index}.sh"
            path.write_text(stubs + script)
            paths.append(str(path))
        runner = RUNNER.format(mounts=" ".join(MOUNTS), captured=" ".join(CAPTURED), nft=NFT)
        env = {**os.environ, "STUB_DIR": str(self.dir)}
        proc = subprocess.run(
            ["unshare", "-m", "-n", "sh", "-c", runner, "runner", *paths],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        return [self._result(n) for n in range(1, len(scripts) + 1)]

    def _result(self, n: int) -> dict[str, object]:
        read = lambda name: (self.dir / f"{name}.{n}").read_text()  # noqa: E731
        return {
            "rc": int(read("rc")),
            "out": read("out"),
            "err": read("err"),
            "calls": read("calls").splitlines(),
            "etc": self.dir / f"etc.{n}",
            "ruleset": read("ruleset"),
        }


def test_fresh_server_gets_files_modules_apply_and_sysctl(tmp_path):
    server = spec("dual-stack-2204")
    lab = Lab(tmp_path)
    lab.after_apply({**GOOD_DSR4, **GOOD_DSR6})
    [result] = lab.run(render_apply_script(server))
    assert result["rc"] == 0, result["err"]
    # the clamp is loaded before netplan apply brings up the tunnels holding the VIPs
    assert result["calls"] == [
        CHECK,
        "modprobe ipip",
        "modprobe ip6_tunnel",
        *FIRST_LOAD,
        "netplan apply",
        SYSCTL_CALL,
    ]
    assert "dsr4 ok: local 198.51.100.11, 203.0.113.10/32" in result["out"]
    assert "dsr6 ok: local 2001:db8:20::11, 2001:db8:100::10/128" in result["out"]
    assert "MSS clamp loaded: table inet avi_dsr" in result["out"]
    assert set(server_files(server)) >= {MSS_RULESET_PATH, MSS_UNIT_PATH}
    for path, (_mode, content) in server_files(server).items():
        assert (result["etc"] / path.split("/")[-2] / path.split("/")[-1]).read_text() == content
    assert "ip saddr 203.0.113.10 tcp flags syn,ack / syn,ack" in result["ruleset"]
    assert "tcp option maxseg size set 1440" in result["ruleset"]
    assert "ip6 saddr 2001:db8:100::10 " in result["ruleset"]
    assert "tcp option maxseg size set 1400" in result["ruleset"]
    assert not (Path("/etc/netplan") / Path(NETPLAN_PATH).name).exists()  # host untouched
    assert not Path(MSS_RULESET_PATH).parent.exists()


def test_second_run_is_a_no_op_without_netplan_apply(tmp_path):
    server = spec("dual-stack-2204")
    lab = Lab(tmp_path)
    lab.after_apply({**GOOD_DSR4, **GOOD_DSR6})
    first, second = lab.run(render_apply_script(server), render_apply_script(server))
    assert first["rc"] == 0 and second["rc"] == 0, second["err"]
    assert second["calls"] == [
        CHECK,
        "modprobe ipip",
        "modprobe ip6_tunnel",
        f"systemctl is-enabled --quiet {UNIT}",
        LIST,  # still loaded: no restart
        LIST,
        SYSCTL_CALL,
    ]
    assert "netplan not re-applied" in second["out"]
    assert "MSS clamp already loaded" in second["out"]
    assert second["ruleset"] == first["ruleset"]


def test_a_flushed_clamp_is_reloaded_without_touching_the_tunnels(tmp_path):
    """Drift: `systemctl restart nftables` or a hand-made `nft flush ruleset` dropped the table."""
    server = spec("v4-only-2204")
    lab = Lab(tmp_path)
    lab.after_apply(GOOD_DSR4)
    first, flushed, again = lab.run(
        render_apply_script(server), "nft flush ruleset\n", render_apply_script(server)
    )
    assert first["rc"] == 0 and flushed["rc"] == 0 and again["rc"] == 0, again["err"]
    assert flushed["ruleset"] == ""
    assert again["calls"] == [
        CHECK,
        "modprobe ipip",
        f"systemctl is-enabled --quiet {UNIT}",
        LIST,
        f"systemctl reload-or-restart {UNIT}",
        LIST,
        SYSCTL_CALL,
    ]
    assert again["ruleset"] == first["ruleset"] != ""


def test_a_changed_clamp_reloads_the_unit_atomically(tmp_path):
    lab = Lab(tmp_path)
    lab.after_apply(GOOD_DSR4)
    first, jumbo = lab.run(
        render_apply_script(spec("v4-only-2204")),
        render_apply_script(spec("v4-only-2204", underlay_mtu=9000)),
    )
    assert jumbo["rc"] == 0, jumbo["err"]
    assert f"systemctl reload-or-restart {UNIT}" in jumbo["calls"]
    assert "systemctl daemon-reload" not in jumbo["calls"]  # the unit file itself is unchanged
    assert "maxseg size set 1440" in first["ruleset"]
    assert "maxseg size set 8940" in jumbo["ruleset"] and "1440" not in jumbo["ruleset"]
    assert jumbo["ruleset"].count("table inet avi_dsr") == 1


def test_a_ruleset_nft_rejects_changes_nothing(tmp_path):
    lab = Lab(tmp_path)
    (lab.dir / "nft-check-fails").write_text("")
    [result] = lab.run(render_apply_script(spec("v4-only-2204")))
    assert result["rc"] == 1
    assert "nft rejected the MSS clamp ruleset; nothing was changed" in result["err"]
    assert result["calls"] == [CHECK]
    assert not [p for p in result["etc"].rglob("*") if p.is_file()]


def test_losing_every_vip_retires_the_clamp_after_the_tunnels(tmp_path):
    lab = Lab(tmp_path)
    lab.after_apply(GOOD_DSR4)
    with_vip, without = lab.run(
        render_apply_script(spec("v4-only-2204")), render_apply_script(spec("no-vips-2204"))
    )
    assert with_vip["rc"] == 0 and without["rc"] == 0, without["err"]
    calls = without["calls"]
    assert calls[calls.index("netplan apply") + 1 :] == [*RETIRE, SYSCTL_CALL]
    assert CHECK not in calls
    assert without["ruleset"] == ""
    # only the record of the previous sysctl values stays, for remove
    assert [p.name for p in (without["etc"] / "avi-dsr").iterdir()] == ["sysctl-before.conf"]
    assert not (without["etc"] / "system" / UNIT).exists()
    assert f"removed {MSS_UNIT_PATH}" in without["out"]


@pytest.mark.parametrize(
    ("case", "existing", "deleted"),
    [
        # `local` changed: networkd would keep the old netdev, so the script deletes it
        ("dual-stack-2204", {**GOOD_DSR4, "dsr4.link": ipip_link("198.51.100.99")}, ["dsr4"]),
        # a VIP too many on the device (drift)
        (
            "dual-stack-2204",
            {
                **GOOD_DSR4,
                "dsr4.addr": addr_lines("dsr4", 7, "inet", "203.0.113.10/32", "1.2.3.4/32"),
            },
            ["dsr4"],
        ),
        # admin-down device
        (
            "dual-stack-2204",
            {**GOOD_DSR4, "dsr4.link": ipip_link("198.51.100.11", up=False)},
            ["dsr4"],
        ),
        # v6 VIPs dropped from the spec: dsr6 is no longer wanted
        ("v4-only-2204", {**GOOD_DSR4, **GOOD_DSR6}, ["dsr6"]),
    ],
)
def test_stale_or_unwanted_tunnels_are_deleted_before_apply(case, existing, deleted, tmp_path):
    server = spec(case)
    lab = Lab(tmp_path)
    lab.links({**GOOD_DSR6, **existing} if server.vips6 else existing)
    lab.after_apply({**GOOD_DSR4, **(GOOD_DSR6 if server.vips6 else {})})
    [result] = lab.run(render_apply_script(server))
    assert result["rc"] == 0, result["err"]
    deletes = [call for call in result["calls"] if call.startswith("ip link delete")]
    assert deletes == [f"ip link delete dev {dev}" for dev in deleted]
    calls = result["calls"]
    assert calls.index(deletes[-1]) < calls.index("netplan apply")


def test_tunnel_that_never_comes_up_fails_the_run(tmp_path):
    lab = Lab(tmp_path)  # no after-apply fixtures: netplan apply "creates" nothing
    [result] = lab.run(render_apply_script(spec("v4-only-2204")))
    assert result["rc"] == 1
    assert "dsr4 did not come up as rendered" in result["err"]


def test_non_root_run_is_refused_before_writing(tmp_path):
    lab = Lab(tmp_path)
    (lab.dir / "uid").write_text("1000\n")
    [result] = lab.run(render_apply_script(spec("v4-only-2204")))
    assert result["rc"] == 1
    assert "must run as root" in result["err"]
    assert result["calls"] == []
    assert not list((result["etc"]).rglob("*avi-dsr*"))


def test_remove_deletes_files_and_tunnels_then_applies(tmp_path):
    server = spec("dual-stack-2204")
    lab = Lab(tmp_path)
    lab.after_apply({**GOOD_DSR4, **GOOD_DSR6})
    applied, removed, again = lab.run(
        render_apply_script(server), render_remove_script(server), render_remove_script(server)
    )
    assert applied["rc"] == 0 and removed["rc"] == 0, removed["err"]
    assert removed["calls"] == [
        "ip link delete dev dsr4",
        "ip link delete dev dsr6",
        "netplan apply",
        *RETIRE,  # the clamp goes after the tunnels: no VIP answers unclamped in between
        # arp_ignore read 2 before the first apply (the stub's default), ours is 1: put back
        "sysctl -qw net.ipv4.conf.all.arp_ignore=2",
    ]
    assert not list(removed["etc"].rglob("*avi-dsr*"))
    assert applied["ruleset"] != "" and removed["ruleset"] == ""
    assert again["rc"] == 0 and again["calls"] == [LIST]


def test_remove_deletes_a_table_left_without_its_unit(tmp_path):
    """A half-removed clamp (unit file gone, table still loaded) is still cleaned up."""
    server = spec("v4-only-2204")
    lab = Lab(tmp_path)
    lab.after_apply(GOOD_DSR4)
    applied, orphaned, removed = lab.run(
        render_apply_script(server), f"rm {MSS_UNIT_PATH}\n", render_remove_script(server)
    )
    assert applied["rc"] == 0 and removed["rc"] == 0, removed["err"]
    assert orphaned["ruleset"] != ""
    calls = removed["calls"]
    assert calls[calls.index(LIST) : calls.index(LIST) + 2] == [
        LIST,
        "nft delete table inet avi_dsr",
    ]
    assert removed["ruleset"] == ""
    assert "deleted nftables table inet avi_dsr" in removed["out"]


def test_a_gre_service_gets_its_own_gre_tunnel_module_and_clamp(tmp_path):
    server = spec("ipip-and-gre-2204")
    lab = Lab(tmp_path)
    lab.after_apply({**GOOD_DSR4, **GOOD_DSR6, **GOOD_GRE})
    applied, again = lab.run(render_apply_script(server), render_apply_script(server))
    assert applied["rc"] == 0, applied["err"]
    assert applied["calls"][:4] == [
        CHECK,
        "modprobe ipip",
        "modprobe ip6_tunnel",
        "modprobe ip_gre",
    ]
    assert "dsr4 ok: local 198.51.100.11, 203.0.113.10/32" in applied["out"]
    assert "dsr4gre ok: local 198.51.100.11, 203.0.113.20/32 203.0.113.21/32" in applied["out"]
    assert "ip saddr { 203.0.113.20, 203.0.113.21 }" in applied["ruleset"]
    assert "tcp option maxseg size set 1436" in applied["ruleset"]
    assert again["rc"] == 0 and "netplan not re-applied" in again["out"]
    assert not [call for call in again["calls"] if call.startswith("ip link delete")]


GRE_20 = {
    "dsr4gre.link": gre_link("198.51.100.11"),
    "dsr4gre.addr": addr_lines("dsr4gre", 9, "inet", "203.0.113.20/32"),
}


@pytest.mark.parametrize(
    ("case", "existing", "after", "deleted"),
    [
        # the VIP's service went from GRE to IP-in-IP: dsr4gre is no longer wanted
        (
            "v4-only-2204",
            {
                **GOOD_DSR4,
                "dsr4gre.link": gre_link("198.51.100.11"),
                "dsr4gre.addr": addr_lines("dsr4gre", 9, "inet", "203.0.113.10/32"),
            },
            GOOD_DSR4,
            "dsr4gre",
        ),
        # IP-in-IP to GRE: dsr4 goes, the VIP moves to dsr4gre
        (
            "gre-only-2204",
            {**GRE_20, "dsr4.link": ipip_link("198.51.100.11"), **GOOD_DSR4},
            GRE_20,
            "dsr4",
        ),
    ],
)
def test_a_vip_that_changed_encapsulation_changes_tunnel(case, existing, after, deleted, tmp_path):
    lab = Lab(tmp_path)
    lab.links(existing)
    lab.after_apply(after)
    [result] = lab.run(render_apply_script(spec(case)))
    assert result["rc"] == 0, result["err"]
    deletes = [call for call in result["calls"] if call.startswith("ip link delete")]
    assert deletes == [f"ip link delete dev {deleted}"]
    assert result["calls"].index(deletes[-1]) < result["calls"].index("netplan apply")


def test_remove_deletes_the_gre_tunnel_too(tmp_path):
    server = spec("ipip-and-gre-2204")
    lab = Lab(tmp_path)
    lab.after_apply({**GOOD_DSR4, **GOOD_DSR6, **GOOD_GRE})
    applied, removed = lab.run(render_apply_script(server), render_remove_script(server))
    assert applied["rc"] == 0 and removed["rc"] == 0, removed["err"]
    assert removed["calls"][:3] == [
        "ip link delete dev dsr4",
        "ip link delete dev dsr6",
        "ip link delete dev dsr4gre",
    ]
    assert removed["ruleset"] == ""


STOCK = {  # an Ubuntu host before avi-dsr: rp_filter 2 (10-network-security.conf), ARP defaults
    "net.ipv4.conf.all.rp_filter": "2",
    "net.ipv4.conf.default.rp_filter": "2",
    "net.ipv4.conf.all.arp_ignore": "0",
    "net.ipv4.conf.all.arp_announce": "0",
}


def test_remove_puts_the_sysctls_back_as_they_were_before_the_first_apply(tmp_path):
    server = spec("v4-only-2204")
    lab = Lab(tmp_path)
    lab.sysctls(STOCK)
    lab.after_apply(GOOD_DSR4)
    first, second, removed = lab.run(
        render_apply_script(server), render_apply_script(server), render_remove_script(server)
    )
    assert first["rc"] == second["rc"] == removed["rc"] == 0, removed["err"]
    record = (first["etc"] / "avi-dsr" / "sysctl-before.conf").read_text()
    assert record.splitlines() == [f"{key} = {value}" for key, value in STOCK.items()]
    assert "recorded the previous sysctl values" in first["out"]
    # the second apply must not record our own values as "previous"
    assert "recorded" not in second["out"]
    assert (second["etc"] / "avi-dsr" / "sysctl-before.conf").read_text() == record
    assert [c for c in removed["calls"] if c.startswith("sysctl")] == [
        "sysctl -qw net.ipv4.conf.all.arp_ignore=0",
        "sysctl -qw net.ipv4.conf.all.arp_announce=0",
    ]
    assert {key: lab.sysctl(key) for key in STOCK} == STOCK
    assert not list(removed["etc"].rglob("*avi-dsr*"))


def test_remove_leaves_a_sysctl_someone_changed_since(tmp_path):
    server = spec("v4-only-2204")
    lab = Lab(tmp_path)
    lab.sysctls(STOCK)
    lab.after_apply(GOOD_DSR4)
    *_, removed = lab.run(
        render_apply_script(server),
        "sysctl -qw net.ipv4.conf.all.arp_announce=1\n",  # an admin's later choice
        render_remove_script(server),
    )
    assert removed["rc"] == 0, removed["err"]
    assert [c for c in removed["calls"] if c.startswith("sysctl")] == [
        "sysctl -qw net.ipv4.conf.all.arp_ignore=0"
    ]
    assert lab.sysctl("net.ipv4.conf.all.arp_announce") == "1"
