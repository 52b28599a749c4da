"""Apply/remove scripts: `sh -n` for every case, and real stage-mode runs into a temp dir."""

from __future__ import annotations

import stat
import subprocess
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
from server_cases import CASES, spec

# Stage mode must never reach these: each stub fails loudly if the script calls it.
FORBIDDEN_IN_STAGE = "".join(
    f"{tool}() {{ echo 'stage mode called {tool}' >&2; exit 99; }}\n"
    for tool in ("ip", "modprobe", "sysctl", "networkctl", "systemctl", "nft")
)


def run_sh(script: str, tmp_path: Path, prelude: str = "") -> subprocess.CompletedProcess[str]:
    path = tmp_path / "script.sh"
    path.write_text(prelude + script)
    return subprocess.run(["sh", str(path)], capture_output=True, text=True, timeout=120)


def staged(root: Path, path: str) -> Path:
    return root / path.lstrip("/")


def host_netplan(root: Path, name: str, text: str) -> Path:
    """A netplan file the server already has (0600, as netplan wants), under `root`."""
    path = root / "etc/netplan" / name
    path.parent.mkdir(parents=True)
    path.write_text(text)
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("render", [render_apply_script, render_remove_script])
@pytest.mark.parametrize("stage_root", [None, "/tmp/avi dsr 'stage' $HOME"])
def test_scripts_parse_with_sh_n(case, render, stage_root, tmp_path):
    path = tmp_path / "script.sh"
    path.write_text(render(spec(case), stage_root=stage_root))
    result = subprocess.run(["sh", "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("case", ["v4-only-2204", "v6-only-2204", "several-vips-2404"])
def test_stage_apply_writes_validates_and_is_idempotent(case, tmp_path):
    server = spec(case)
    root = tmp_path / "stage root with 'quotes' and $dollar"
    script = render_apply_script(server, stage_root=str(root))

    first = run_sh(script, tmp_path, FORBIDDEN_IN_STAGE)
    assert first.returncode == 0, first.stderr
    for path, (mode, content) in server_files(server).items():
        target = staged(root, path)
        assert target.read_text() == content
        assert f"0{stat.S_IMODE(target.stat().st_mode):o}" == mode
        assert f"wrote {path}" in first.stdout
    networkd = root / "run/systemd/network"
    assert (networkd / "10-netplan-dsr4.netdev").exists() == bool(server.vips4)
    assert (networkd / "10-netplan-dsr6.netdev").exists() == bool(server.vips6)
    if server.vips4:
        assert f"Local={server.ipv4.ip}" in (networkd / "10-netplan-dsr4.netdev").read_text()
    assert not list(root.rglob("*.avi-dsr-new"))

    inode = staged(root, NETPLAN_PATH).stat().st_ino
    second = run_sh(script, tmp_path, FORBIDDEN_IN_STAGE)
    assert second.returncode == 0, second.stderr
    assert "wrote" not in second.stdout
    assert second.stdout.count("unchanged ") == len(server_files(server)) == 5
    assert staged(root, NETPLAN_PATH).stat().st_ino == inode


def test_stage_apply_stages_the_mss_clamp_without_checking_it_on_the_host(tmp_path):
    """`nft -c` needs the host kernel (netlink, CAP_NET_ADMIN): stage mode only writes."""
    server = spec("dual-stack-2204")
    root = tmp_path / "stage"
    result = run_sh(render_apply_script(server, stage_root=str(root)), tmp_path, FORBIDDEN_IN_STAGE)
    assert result.returncode == 0, result.stderr
    for path in (MSS_RULESET_PATH, MSS_UNIT_PATH):
        assert staged(root, path).read_text() == server_files(server)[path][1]
        assert stat.S_IMODE(staged(root, path).stat().st_mode) == 0o644
    assert "MSS clamp staged, not checked" in result.stdout


def test_stage_apply_without_vips_drops_a_previously_staged_clamp(tmp_path):
    root = tmp_path / "stage"
    with_vips = render_apply_script(spec("v4-only-2204"), stage_root=str(root))
    without = render_apply_script(spec("no-vips-2204"), stage_root=str(root))
    assert run_sh(with_vips, tmp_path).returncode == 0
    assert staged(root, MSS_RULESET_PATH).exists()
    result = run_sh(without, tmp_path, FORBIDDEN_IN_STAGE)
    assert result.returncode == 0, result.stderr
    assert f"removed {MSS_RULESET_PATH}" in result.stdout
    assert f"removed {MSS_UNIT_PATH}" in result.stdout
    assert not staged(root, MSS_RULESET_PATH).parent.exists()
    assert not staged(root, MSS_UNIT_PATH).exists()
    assert staged(root, NETPLAN_PATH).exists()
    again = run_sh(without, tmp_path, FORBIDDEN_IN_STAGE)
    assert again.returncode == 0 and "removed" not in again.stdout


def test_stage_apply_updates_only_what_changed_and_repairs_modes(tmp_path):
    root = tmp_path / "stage"
    first = run_sh(render_apply_script(spec("dual-stack-2204"), stage_root=str(root)), tmp_path)
    assert first.returncode == 0, first.stderr
    netplan_file = staged(root, NETPLAN_PATH)
    netplan_file.chmod(0o644)

    changed = spec("dual-stack-2204", vips4=["203.0.113.10", "203.0.113.11"])
    result = run_sh(render_apply_script(changed, stage_root=str(root)), tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"wrote {NETPLAN_PATH}" in result.stdout
    assert result.stdout.count("unchanged ") == 3  # sysctl, modules-load, the clamp unit
    assert f"wrote {MSS_RULESET_PATH}" in result.stdout  # the new VIP joins the clamp
    assert "203.0.113.11/32" in netplan_file.read_text()
    assert stat.S_IMODE(netplan_file.stat().st_mode) == 0o600


def test_stage_apply_refuses_a_config_netplan_rejects_and_changes_nothing(tmp_path):
    root = tmp_path / "stage"
    host_netplan(
        root,
        "00-installer-config.yaml",
        "network:\n  version: 2\n  ethernets:\n    ens192:\n      dhcp4: maybe\n",
    )
    result = run_sh(render_apply_script(spec("dual-stack-2204"), stage_root=str(root)), tmp_path)
    assert result.returncode != 0
    assert "nothing was changed" in result.stderr
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == ["00-installer-config.yaml"]


def test_stage_apply_keeps_the_existing_ethernet_config(tmp_path):
    root = tmp_path / "stage"
    host_netplan(
        root,
        "50-cloud-init.yaml",
        "network:\n  version: 2\n  ethernets:\n    ens192:\n      dhcp4: true\n",
    )
    result = run_sh(render_apply_script(spec("dual-stack-2204"), stage_root=str(root)), tmp_path)
    assert result.returncode == 0, result.stderr
    generated = root / "run/systemd/network"
    assert "DHCP=ipv4" in (generated / "10-netplan-ens192.network").read_text()
    assert (generated / "10-netplan-dsr6.netdev").exists()


def test_stage_remove_deletes_only_our_files_and_is_idempotent(tmp_path):
    server = spec("dual-stack-2204")
    root = tmp_path / "stage"
    other = host_netplan(root, "50-cloud-init.yaml", "network:\n  version: 2\n")
    assert run_sh(render_apply_script(server, stage_root=str(root)), tmp_path).returncode == 0
    leftover = staged(root, NETPLAN_PATH + ".avi-dsr-new")
    leftover.write_text("half-written")

    remove = render_remove_script(server, stage_root=str(root))
    first = run_sh(remove, tmp_path, FORBIDDEN_IN_STAGE)
    assert first.returncode == 0, first.stderr
    for path in server_files(server):
        assert not staged(root, path).exists()
        assert f"removed {path}" in first.stdout
    assert not leftover.exists()
    assert other.exists()
    assert not staged(root, MSS_RULESET_PATH).parent.exists()
    generated = root / "run/systemd/network"  # regenerated: no tunnel output left behind
    assert not list(generated.glob("10-netplan-dsr*"))

    second = run_sh(remove, tmp_path, FORBIDDEN_IN_STAGE)
    assert second.returncode == 0, second.stderr
    assert "removed /" not in second.stdout


@pytest.mark.parametrize("bad", ["", "/", "relative/dir", "/tmp/../", "/tmp/a\nb"])
@pytest.mark.parametrize("render", [render_apply_script, render_remove_script])
def test_bad_stage_root_is_a_clear_error(bad, render):
    with pytest.raises(ValueError, match="stage_root"):
        render(spec("v4-only-2204"), stage_root=bad)


def test_scripts_are_deterministic_and_live_scripts_have_an_empty_root():
    server = spec("several-vips-2404")
    assert render_apply_script(server) == render_apply_script(server)
    assert render_remove_script(server) == render_remove_script(server)
    for text in (render_apply_script(server), render_remove_script(server)):
        assert "\nroot=''\n" in text


def test_stage_apply_also_runs_under_bash(tmp_path):
    """pulumi-command runs `create` through the login shell, often bash: the script is POSIX."""
    server = spec("dual-stack-2204")
    root = tmp_path / "stage"
    path = tmp_path / "script.sh"
    path.write_text(render_apply_script(server, stage_root=str(root)))
    result = subprocess.run(
        ["bash", "--posix", str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert staged(root, NETPLAN_PATH).read_text() == server_files(server)[NETPLAN_PATH][1]
