"""Every rendered netplan goes through Debian's real `netplan generate --root-dir` (never apply).

netplan.io 0.106 (Debian 12) knows route `mtu` but not `advertised-mss`, which needs netplan >= 1.1
(24.04 noble-updates). For 24.04 renders the tests therefore check two honest things: that the
installed netplan either renders TCPAdvertisedMaximumSegmentSize= (>= 1.1) or rejects exactly that
key (0.106) -- and that everything else in the file generates once that one key is stripped.
"""

from __future__ import annotations

import pytest
import yaml
from avi_dsr.server import render_netplan
from avi_dsr.server.netplan import advertised_mss4, advertised_mss6
from server_cases import CASES, spec


def _strip_advertised_mss(text: str) -> str:
    document = yaml.safe_load(text)
    for ethernet in document["network"].get("ethernets", {}).values():
        for route in ethernet.get("routes", []):
            route.pop("advertised-mss", None)
    return yaml.safe_dump(document, sort_keys=False)


def _generate_full(netplan_generate, server):
    """Generate the full render; for 24.04 on netplan < 1.1 assert the known rejection first."""
    text = render_netplan(server)
    result = netplan_generate({"50-avi-dsr.yaml": text})
    if server.ubuntu_release == "24.04" and result.returncode != 0:
        assert "unknown key 'advertised-mss'" in result.stderr, result.stderr
        result = netplan_generate({"50-avi-dsr.yaml": _strip_advertised_mss(text)})
        result.mss_checked = False
    else:
        result.mss_checked = True
    assert result.returncode == 0, result.stderr
    return result


def _ini_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("case", sorted(CASES))
def test_full_render_generates_expected_networkd_files(case, netplan_generate):
    server = spec(case)
    result = _generate_full(netplan_generate, server)
    files = result.networkd
    assert not any("tunl0" in name or "ip6tnl0" in name for name in files)

    if server.vips4:
        netdev = _ini_lines(files["10-netplan-dsr4.netdev"])
        assert "Kind=ipip" in netdev
        assert f"Local={server.ipv4.ip}" in netdev
        assert "Remote=0.0.0.0" in netdev
        network = _ini_lines(files["10-netplan-dsr4.network"])
        assert [line for line in network if line.startswith("Address=")] == [
            f"Address={vip}/32" for vip in server.vips4
        ]
        assert "LinkLocalAddressing=no" in network
    else:
        assert "10-netplan-dsr4.netdev" not in files
    if server.vips6:
        netdev = _ini_lines(files["10-netplan-dsr6.netdev"])
        assert "Kind=ip6tnl" in netdev and "Mode=ip6ip6" in netdev
        assert f"Local={server.ipv6.ip}" in netdev
        assert "Remote=::" in netdev
        network = _ini_lines(files["10-netplan-dsr6.network"])
        assert [line for line in network if line.startswith("Address=")] == [
            f"Address={vip}/128" for vip in server.vips6
        ]
    else:
        assert "10-netplan-dsr6.netdev" not in files
    if server.gre_vips4:
        netdev = _ini_lines(files["10-netplan-dsr4gre.netdev"])
        assert "Kind=gre" in netdev
        assert f"Local={server.ipv4.ip}" in netdev
        assert "Remote=0.0.0.0" in netdev
        # plain GRE as the Service Engine sends it: no key, no checksum, no sequence numbers
        assert not [line for line in netdev if line.split("=")[0].endswith(("Key", "Checksum"))]
        assert not [line for line in netdev if "Sequence" in line]
        network = _ini_lines(files["10-netplan-dsr4gre.network"])
        assert [line for line in network if line.startswith("Address=")] == [
            f"Address={vip}/32" for vip in server.gre_vips4
        ]
    else:
        assert "10-netplan-dsr4gre.netdev" not in files

    ethernet = _ini_lines(files[f"10-netplan-{server.interface}.network"])
    assert "IPv6AcceptRA=no" in ethernet
    for own in (server.ipv4, server.ipv6):
        if own is not None:
            assert f"Address={own}" in ethernet
    mtu = server.underlay_mtu
    route_mtus = [line for line in ethernet if line.startswith("MTUBytes=")]
    mss = [line for line in ethernet if line.startswith("TCPAdvertisedMaximumSegmentSize=")]
    if server.ubuntu_release == "22.04":
        expected = []
        if server.gateway4:
            expected.append(f"MTUBytes={mtu - (24 if server.gre_vips4 else 20)}")
        if server.gateway6:
            expected.append(f"MTUBytes={mtu - 40}")
        if mtu != 1500:  # the [Link] MTU of the NIC comes first
            expected.insert(0, f"MTUBytes={mtu}")
        assert route_mtus == expected
        assert mss == []
    elif result.mss_checked:  # netplan >= 1.1 installed
        mss4 = advertised_mss4(mtu, gre=server.needs_gre)
        expected = [f"TCPAdvertisedMaximumSegmentSize={mss4}"] * bool(server.gateway4) + [
            f"TCPAdvertisedMaximumSegmentSize={advertised_mss6(mtu)}"
        ] * bool(server.gateway6)
        assert mss == expected


@pytest.mark.parametrize(
    "case", ["v4-only-2204", "v6-only-2204", "several-vips-2404", "ipip-and-gre-2204"]
)
def test_tunnels_only_render_merges_with_an_existing_ethernet_config(case, netplan_generate):
    """The brownfield file must coexist with the server's own 50-cloud-init.yaml."""
    server = spec(case)
    existing = {
        "network": {
            "version": 2,
            "ethernets": {server.interface: {"dhcp4": True}},
        }
    }
    result = netplan_generate(
        {
            "50-cloud-init.yaml": yaml.safe_dump(existing),
            "60-avi-dsr.yaml": render_netplan(server, tunnels_only=True),
        }
    )
    assert result.returncode == 0, result.stderr
    assert "DHCP=ipv4" in result.networkd[f"10-netplan-{server.interface}.network"]
    assert ("10-netplan-dsr4.netdev" in result.networkd) == bool(server.vips4)
    assert ("10-netplan-dsr6.netdev" in result.networkd) == bool(server.vips6)
    assert ("10-netplan-dsr4gre.netdev" in result.networkd) == bool(server.gre_vips4)


def test_generate_can_fail_on_a_broken_tunnel(netplan_generate):
    """Control: the harness really validates (a tunnel without `remote` is rejected)."""
    broken = render_netplan(spec("v4-only-2204")).replace("      remote: 0.0.0.0\n", "")
    result = netplan_generate({"50-avi-dsr.yaml": broken})
    assert result.returncode != 0
    assert "missing 'remote' property" in result.stderr
