"""nftables MSS clamp for existing servers: exact renders, real `nft` checks and a real SYN-ACK.

Everything that runs `nft` does so inside a throwaway network namespace (`unshare -n`), which has
its own empty ruleset: the host's ruleset is never read for a decision, let alone changed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from avi_dsr.server import (
    MSS_RULESET_PATH,
    MSS_UNIT_PATH,
    render_cloud_init,
    render_mss_ruleset,
    render_mss_unit,
    render_netplan,
    server_files,
)
from server_cases import CASES, spec

NFT = shutil.which("nft") or "/usr/sbin/nft"
PROBE = Path(__file__).with_name("mss_probe.py")
SYN_ACK = "tcp flags & (syn | ack) == syn | ack"


def clamp(keyword: str, vips: str, mss: int) -> str:
    return (
        f"\t\t{keyword} saddr {{ {vips} }} {SYN_ACK} "
        f"tcp option maxseg size > {mss} tcp option maxseg size set {mss}\n"
    )


def ruleset(mtu: int, *rules: str) -> str:
    return (
        "#!/usr/sbin/nft -f\n"
        "# avi-dsr: TCP MSS clamp of web01 (generated; do not edit), loaded by "
        "avi-dsr-mss.service.\n"
        "# SYN-ACKs from a VIP advertise at most what still fits the tunnel at underlay MTU "
        f"{mtu}.\n"
        "\n"
        "# declare, delete, re-create: one atomic transaction, idempotent on every load\n"
        "table inet avi_dsr\n"
        "delete table inet avi_dsr\n"
        "\n"
        "table inet avi_dsr {\n"
        "\tchain mss_clamp {\n"
        "\t\ttype filter hook output priority mangle; policy accept;\n" + "".join(rules) + "\t}\n"
        "}\n"
    )


V4 = clamp("ip", "203.0.113.10", 1440)
V6 = clamp("ip6", "2001:db8:100::10", 1400)

# case -> exact ruleset, or None: no clamp files at all
EXPECTED = {
    "v4-only-2204": ruleset(1500, V4),
    "v4-only-2404": ruleset(1500, V4),
    "v6-only-2204": ruleset(1500, clamp("ip6", "2001:db8:100::10, 2001:db8:100::11", 1400)),
    "dual-stack-2204": ruleset(1500, V4, V6),
    "several-vips-2404": ruleset(
        1500,
        clamp("ip", "203.0.113.10, 203.0.113.11, 203.0.113.12", 1440),
        clamp("ip6", "2001:db8:100::10, 2001:db8:100::12", 1400),
    ),
    "jumbo-2204": ruleset(
        9000, clamp("ip", "203.0.113.10", 8940), clamp("ip6", "2001:db8:100::10", 8900)
    ),
    "small-underlay-2404": ruleset(
        1400, clamp("ip", "203.0.113.10", 1340), clamp("ip6", "2001:db8:100::10", 1300)
    ),
    "no-gateway-2204": ruleset(1500, V4),
    "no-vips-2204": None,
    # GRE VIPs get GRE's budget (1500 - 24 - 40), IP-in-IP VIPs keep theirs: a clamp matches the
    # VIP, unlike a VM's one default route
    "gre-only-2204": ruleset(1500, clamp("ip", "203.0.113.20", 1436)),
    "ipip-and-gre-2204": ruleset(1500, V4, V6, clamp("ip", "203.0.113.20, 203.0.113.21", 1436)),
    "ipip-and-gre-2404": ruleset(1500, V4, clamp("ip", "203.0.113.20", 1436)),
}

UNIT = """\
# avi-dsr: load the TCP MSS clamp of web01 (generated; do not edit).
[Unit]
Description=avi-dsr: clamp the TCP MSS advertised from L3 DSR VIPs
Documentation=file:/etc/avi-dsr/mss.nft
DefaultDependencies=no
Wants=network-pre.target
Before=network-pre.target shutdown.target
After=nftables.service
PartOf=nftables.service
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f /etc/avi-dsr/mss.nft
ExecReload=/usr/sbin/nft -f /etc/avi-dsr/mss.nft
ExecStop=-/usr/sbin/nft delete table inet avi_dsr

[Install]
WantedBy=sysinit.target
"""


def test_every_case_has_an_expectation():
    assert set(EXPECTED) == set(CASES)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_existing_servers_get_the_exact_ruleset_and_unit(case):
    files = server_files(spec(case))
    if EXPECTED[case] is None:
        assert MSS_RULESET_PATH not in files and MSS_UNIT_PATH not in files
        return
    assert files[MSS_RULESET_PATH] == ("0644", EXPECTED[case])
    assert files[MSS_UNIT_PATH] == ("0644", UNIT)
    assert render_mss_ruleset(spec(case)) == EXPECTED[case]
    assert render_mss_unit(spec(case)) == UNIT
    assert MSS_RULESET_PATH == "/etc/avi-dsr/mss.nft"
    assert MSS_UNIT_PATH == "/etc/systemd/system/avi-dsr-mss.service"


@pytest.mark.parametrize("case", sorted(CASES))
def test_clamp_equals_what_a_new_2404_vm_advertises(case):
    """One budget: each rule sets the advertised-mss the netplan renderer gives a 24.04 VM that
    holds just those VIPs (same tunnel type); a VM holding several types gets the smallest."""
    server = spec(case, ubuntu_release="24.04", **_gateways(case))
    rules = [  # (address keyword, VIPs, the MSS the rule sets)
        (rule.split()[0], rule.split("{ ")[1].split(" }")[0].split(", "), int(rule.split()[-1]))
        for rule in render_mss_ruleset(server).splitlines()
        if " saddr " in rule
    ]
    field = {"ip": "vips4", "ip6": "vips6"}
    for keyword, vips, mss in rules:
        gre = keyword == "ip" and set(vips) <= {str(v) for v in server.gre_vips4}
        alone = {
            "vips4": (),
            "vips6": (),
            "gre_vips4": (),
            ("gre_vips4" if gre else field[keyword]): vips,
        }
        assert (
            mss
            == _advertised(spec(case, ubuntu_release="24.04", **_gateways(case), **alone))[
                "default" if keyword == "ip" else "::/0"
            ]
        ), (keyword, vips)
    advertised = _advertised(server)
    for keyword, route in (("ip", "default"), ("ip6", "::/0")):
        sets = [mss for kind, _vips, mss in rules if kind == keyword]
        if sets:
            assert advertised[route] == min(sets)
    assert len(rules) == bool(server.vips4) + bool(server.vips6) + bool(server.gre_vips4)


def _advertised(server) -> dict[str, int]:
    ethernets = yaml.safe_load(render_netplan(server))["network"]["ethernets"]
    return {route["to"]: route["advertised-mss"] for route in ethernets[server.interface]["routes"]}


def _gateways(case: str) -> dict[str, str]:
    """Both families routed, so the full render has a route per family to read the MSS from."""
    routed = {"gateway4": "198.51.100.1"} if spec(case).ipv4 else {}
    if spec(case).ipv6:
        routed["gateway6"] = "2001:db8:20::1"
    return routed


@pytest.mark.parametrize("case", sorted(CASES))
def test_full_renders_and_vms_get_no_clamp(case):
    """New VMs carry the MSS on their routes: one mechanism per path."""
    assert set(server_files(spec(case), tunnels_only=False)) == {
        "/etc/netplan/60-avi-dsr.yaml",
        "/etc/sysctl.d/99-zz-avi-dsr.conf",
        "/etc/modules-load.d/avi-dsr.conf",
    }
    payloads = render_cloud_init(spec(case))
    for text in (payloads.user_data, payloads.meta_data, payloads.network_config):
        assert "nft" not in text and "avi_dsr" not in text


def test_only_vip_sources_are_named_in_the_rules():
    server = spec("dual-stack-2204")
    rules = [line for line in render_mss_ruleset(server).splitlines() if "saddr" in line]
    assert len(rules) == 2
    for own in (str(server.ipv4.ip), str(server.ipv6.ip), "198.51.100.1"):
        assert all(own not in rule for rule in rules)


# ---- real nft, inside a throwaway network namespace -------------------------------------------


def _can_use_netns() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare") or not Path(NFT).exists():
        return False
    probe = subprocess.run(
        ["unshare", "-n", NFT, "list", "ruleset"], capture_output=True, timeout=30
    )
    return probe.returncode == 0


needs_netns = pytest.mark.skipif(
    not _can_use_netns(),
    reason="needs root, `unshare -n` and nft (scripts/system-deps.sh installs nftables)",
)


def in_netns(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run sh `script` in a fresh network namespace: own interfaces, own empty ruleset."""
    return subprocess.run(
        ["unshare", "-n", "sh", "-euc", script, "netns", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@needs_netns
@pytest.mark.parametrize("case", sorted(case for case, text in EXPECTED.items() if text))
def test_nft_check_accepts_every_rendered_ruleset(case, tmp_path):
    path = tmp_path / "mss.nft"
    path.write_text(render_mss_ruleset(spec(case)))
    result = in_netns(f'{NFT} -c -f "$1"', str(path))
    assert result.returncode == 0, result.stderr


@needs_netns
def test_nft_check_is_not_a_rubber_stamp(tmp_path):
    path = tmp_path / "mss.nft"
    path.write_text(render_mss_ruleset(spec("v4-only-2204")).replace("maxseg", "maxsegs"))
    result = in_netns(f'{NFT} -c -f "$1"', str(path))
    assert result.returncode != 0


@needs_netns
def test_loading_twice_is_idempotent_replaces_atomically_and_spares_other_tables(tmp_path):
    dual, v4 = tmp_path / "dual.nft", tmp_path / "v4.nft"
    dual.write_text(render_mss_ruleset(spec("dual-stack-2204")))
    v4.write_text(render_mss_ruleset(spec("v4-only-2204")))
    script = f"""
{NFT} add table ip other
{NFT} add chain ip other keep
{NFT} -f "$1"; {NFT} list table inet avi_dsr >"$3/once"
{NFT} -f "$1"; {NFT} list table inet avi_dsr >"$3/twice"
{NFT} -f "$2"; {NFT} list ruleset >"$3/after-v4"
"""
    result = in_netns(script, str(dual), str(v4), str(tmp_path))
    assert result.returncode == 0, result.stderr
    once, twice = (tmp_path / "once").read_text(), (tmp_path / "twice").read_text()
    assert once == twice and "ip6 saddr 2001:db8:100::10" in once
    after = (tmp_path / "after-v4").read_text()
    assert after.count("table inet avi_dsr") == 1
    assert "ip6 saddr" not in after  # the dropped family's rule is gone, not left behind
    assert "ip saddr 203.0.113.10" in after
    assert "table ip other" in after and "chain keep" in after


@needs_netns
def test_unit_exec_stop_deletes_only_our_table(tmp_path):
    path = tmp_path / "mss.nft"
    path.write_text(render_mss_ruleset(spec("v4-only-2204")))
    stop = next(
        line.split("=", 1)[1].lstrip("-")
        for line in render_mss_unit(spec("v4-only-2204")).splitlines()
        if line.startswith("ExecStop=")
    )
    script = f'{NFT} add table ip other; {NFT} -f "$1"; {stop}; {NFT} list ruleset'
    result = in_netns(script, str(path))
    assert result.returncode == 0, result.stderr
    assert "avi_dsr" not in result.stdout and "table ip other" in result.stdout


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_unit_passes_systemd_analyze_verify(tmp_path):
    unit = tmp_path / "avi-dsr-mss.service"
    unit.write_text(render_mss_unit(spec("dual-stack-2204")))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # unknown keys only warn: a typo would show up here


# a netns where `lo` holds the server's own addresses and its VIPs, like dsr4/dsr6 would
NETNS_ADDRESSES = """
ip link set lo up
ip addr add 198.51.100.11/24 dev lo
ip addr add 203.0.113.10/32 dev lo
ip -6 addr add 2001:db8:20::11/64 dev lo nodad
ip -6 addr add 2001:db8:100::10/128 dev lo nodad
"""
# listener@client: each VIP is reached from the server's own address and vice versa, so a rule
# matching the SYN-ACK's destination instead of its source would be caught
VIP4, OWN4 = "203.0.113.10@198.51.100.11", "198.51.100.11@203.0.113.10"
VIP6, OWN6 = "2001:db8:100::10@2001:db8:20::11", "2001:db8:20::11@2001:db8:100::10"
ADDRESSES = (VIP4, OWN4, VIP6, OWN6)


def _measure(tmp_path: Path, load: bool, server_case: str = "dual-stack-2204") -> dict:
    path = tmp_path / "mss.nft"
    path.write_text(render_mss_ruleset(spec(server_case)))
    loading = f'{NFT} -f "$1"' if load else ":"
    script = f'{NETNS_ADDRESSES}\n{loading}\nshift\nexec "$0" "$@"'
    result = subprocess.run(
        ["unshare", "-n", "sh", "-euc", script, sys.executable, str(path), str(PROBE), *ADDRESSES],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@needs_netns
def test_syn_ack_from_a_vip_is_clamped_and_others_are_not(tmp_path):
    """A real handshake on loopback (MTU 65536, so the kernel's own MSS is far above 1440)."""
    baseline = _measure(tmp_path, load=False)
    assert all(seen["wire"] > 60000 for seen in baseline.values()), baseline

    seen = _measure(tmp_path, load=True)
    assert seen[VIP4]["wire"] == 1440
    assert seen[VIP6]["wire"] == 1400
    # the client really uses it (less the 12 bytes of timestamp option, when negotiated)
    assert 1400 < seen[VIP4]["client"] <= 1440
    assert 1360 < seen[VIP6]["client"] <= 1400
    # SYN-ACKs from the server's own addresses are untouched, even towards a VIP
    assert seen[OWN4] == baseline[OWN4]
    assert seen[OWN6] == baseline[OWN6]


@needs_netns
def test_custom_underlay_mtu_reaches_the_wire(tmp_path):
    seen = _measure(tmp_path, load=True, server_case="small-underlay-2404")
    assert (seen[VIP4]["wire"], seen[VIP6]["wire"]) == (1340, 1300)
