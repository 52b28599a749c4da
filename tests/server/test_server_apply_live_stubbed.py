"""The live (non-stage) apply/remove logic, run for real with the system tools stubbed.

Safety: each run happens in a private mount namespace (`unshare -m`) with tmpfs over
/etc/netplan, /etc/sysctl.d and /etc/modules-load.d, and `ip`, `modprobe`, `sysctl`, `id`, `sleep`
and every `netplan` call except `generate --root-dir` are shell functions that only record calls
and emulate links from fixture files. Nothing reaches the host's network, sysctls or /etc.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from avi_dsr.server import NETPLAN_PATH, render_apply_script, render_remove_script, server_files
from server_cases import spec

MOUNTS = ("/etc/netplan", "/etc/sysctl.d", "/etc/modules-load.d")

STUBS = r"""
STUB=__STUB__
log() { printf '%s\n' "$*" >>"$STUB/calls"; }
id() { cat "$STUB/uid"; }
modprobe() { log "modprobe $*"; }
sleep() { :; }
sysctl() { if [ "$1" = -n ]; then echo 2; else log "sysctl $*"; fi; }
netplan() {
  if [ "$1" = generate ] && [ "${2:-}" = --root-dir ]; then command netplan "$@"; return; fi
  log "netplan $*"
  # like networkd: apply creates the tunnels only while our netplan file exists
  if [ "$1" = apply ] && [ -d "$STUB/after-apply" ] && [ -f /etc/netplan/60-avi-dsr.yaml ]; then
    cp "$STUB/after-apply/"* "$STUB/links/"
  fi
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

# runs inside `unshare -m`: private tmpfs over our /etc dirs, then every script in order
RUNNER = """
set -u
for dir in {mounts}; do mount -t tmpfs avi-dsr-test "$dir"; done
n=0
for script in "$@"; do
  n=$((n + 1))
  : >"$STUB_DIR/calls"
  sh "$script" >"$STUB_DIR/out.$n" 2>"$STUB_DIR/err.$n"
  echo $? >"$STUB_DIR/rc.$n"
  mv "$STUB_DIR/calls" "$STUB_DIR/calls.$n"
  mkdir -p "$STUB_DIR/etc.$n"
  for dir in {mounts}; do cp -a "$dir" "$STUB_DIR/etc.$n/"; done
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


def addr_lines(dev: str, index: int, family: str, *addresses: str) -> str:
    return "".join(
        f"{index}: {dev}    {family} {a} scope global {dev}\\       valid_lft forever "
        "preferred_lft forever\n"
        for a in addresses
    )


GOOD_DSR4 = {
    "dsr4.link": ipip_link("198.51.100.11"),
    "dsr4.addr": addr_lines("dsr4", 7, "inet", "203.0.113.10/32"),
}
GOOD_DSR6 = {
    "dsr6.link": ip6tnl_link("2001:db8:20::11"),
    "dsr6.addr": addr_lines("dsr6", 8, "inet6", "2001:db8:100::10/128"),
}


def _can_unshare() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs avi-dsr-probe /mnt"],
        capture_output=True,
        timeout=30,
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not _can_unshare(), reason="needs root and `unshare -m` to stub the live system safely"
)


class Lab:
    """One stub directory: link fixtures, recorded calls, captured /etc of each run."""

    def __init__(self, base: Path) -> None:
        self.dir = base / "stub"
        (self.dir / "links").mkdir(parents=True)
        (self.dir / "uid").write_text("0\n")
        self.base = base

    def links(self, files: dict[str, str]) -> None:
        for name, text in files.items():
            (self.dir / "links" / name).write_text(text)

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
        runner = RUNNER.format(mounts=" ".join(MOUNTS))
        env = {**os.environ, "STUB_DIR": str(self.dir)}
        proc = subprocess.run(
            ["unshare", "-m", "sh", "-c", runner, "runner", *paths],
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
        }


def test_fresh_server_gets_files_modules_apply_and_sysctl(tmp_path):
    server = spec("dual-stack-2204")
    lab = Lab(tmp_path)
    lab.after_apply({**GOOD_DSR4, **GOOD_DSR6})
    [result] = lab.run(render_apply_script(server))
    assert result["rc"] == 0, result["err"]
    assert result["calls"] == [
        "modprobe ipip",
        "modprobe ip6_tunnel",
        "netplan generate",
        "netplan apply",
        "sysctl -p /etc/sysctl.d/99-zz-avi-dsr.conf",
    ]
    assert "dsr4 ok: local 198.51.100.11, 203.0.113.10/32" in result["out"]
    assert "dsr6 ok: local 2001:db8:20::11, 2001:db8:100::10/128" in result["out"]
    for path, (_mode, content) in server_files(server).items():
        assert (result["etc"] / path.split("/")[-2] / path.split("/")[-1]).read_text() == content
    assert not (Path("/etc/netplan") / Path(NETPLAN_PATH).name).exists()  # host untouched


def test_second_run_is_a_no_op_without_netplan_apply(tmp_path):
    server = spec("dual-stack-2204")
    lab = Lab(tmp_path)
    lab.after_apply({**GOOD_DSR4, **GOOD_DSR6})
    first, second = lab.run(render_apply_script(server), render_apply_script(server))
    assert first["rc"] == 0 and second["rc"] == 0, second["err"]
    assert second["calls"] == [
        "modprobe ipip",
        "modprobe ip6_tunnel",
        "sysctl -p /etc/sysctl.d/99-zz-avi-dsr.conf",
    ]
    assert "netplan not re-applied" in second["out"]


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
        "netplan generate",
        "netplan apply",
    ]
    assert not list(removed["etc"].rglob("*avi-dsr*"))
    assert again["rc"] == 0 and again["calls"] == []
