"""networkd files (from `netplan generate`) -> iproute2 commands for the namespace servers."""

import shutil
import subprocess
from pathlib import Path

import pytest

from lab.scenario import networkd_apply, topo

RENDERED_NETDEV4 = (
    "[NetDev]\nName=dsr4\nKind=ipip\n\n"
    "[Tunnel]\nIndependent=true\nLocal=198.51.100.12\nRemote=0.0.0.0\n"
)
RENDERED_NETDEV6 = (
    "[NetDev]\nName=dsr6\nKind=ip6tnl\n\n"
    "[Tunnel]\nIndependent=true\nMode=ip6ip6\nLocal=2001:db8:d::12\nRemote=::\n"
)
RENDERED_NETDEV_GRE = (  # netplan 0.106's output for mode gre (see tests/server)
    "[NetDev]\nName=dsr4gre\nKind=gre\n\n"
    "[Tunnel]\nIndependent=true\nLocal=198.51.100.12\nRemote=0.0.0.0\n"
)
RENDERED_NETWORK = """[Match]
Name=ens192

[Network]
LinkLocalAddressing=ipv6
Address=198.51.100.12/24
Address=2001:db8:d::12/64
IPv6AcceptRA=no

[Route]
Destination=0.0.0.0/0
Gateway=198.51.100.1
MTUBytes=1480

[Route]
Destination=::/0
Gateway=2001:db8:d::1
MTUBytes=1460
"""


@pytest.mark.parametrize(
    ("netdev", "expected"),
    [
        (RENDERED_NETDEV4, "ip link add dsr4 type ipip local 198.51.100.12 remote 0.0.0.0"),
        (
            RENDERED_NETDEV6,
            "ip link add dsr6 type ip6tnl mode ip6ip6 local 2001:db8:d::12 remote ::",
        ),
        (RENDERED_NETDEV_GRE, "ip link add dsr4gre type gre local 198.51.100.12 remote 0.0.0.0"),
    ],
)
def test_netdev_becomes_ip_link_add(netdev, expected):
    assert networkd_apply.netdev_commands(networkd_apply.parse_unit(netdev)) == [expected.split()]


def test_unsupported_netdev_kind_is_refused_by_name():
    with pytest.raises(ValueError, match="Kind=vxlan"):
        networkd_apply.netdev_commands(networkd_apply.parse_unit("[NetDev]\nName=x\nKind=vxlan\n"))


def test_network_keeps_every_address_and_route_with_its_mtu():
    cmds = networkd_apply.network_commands(networkd_apply.parse_unit(RENDERED_NETWORK))
    assert cmds == [
        line.split()
        for line in (
            "ip link set ens192 up",
            "ip addr add 198.51.100.12/24 dev ens192",
            "ip addr add 2001:db8:d::12/64 dev ens192 nodad",
            "ip -4 route add 0.0.0.0/0 via 198.51.100.1 dev ens192 mtu 1480",
            "ip -6 route add ::/0 via 2001:db8:d::1 dev ens192 mtu 1460",
        )
    ]


def test_plan_creates_tunnels_first_and_reports_unknown_keys(tmp_path):
    (tmp_path / "10-netplan-dsr4.netdev").write_text(RENDERED_NETDEV4)
    (tmp_path / "10-netplan-dsr4.network").write_text(
        "[Match]\nName=dsr4\n\n[Network]\nAddress=203.0.113.10/32\nVRF=blue\n"
    )
    (tmp_path / "10-netplan-ens192.network").write_text(RENDERED_NETWORK)
    commands, unknown = networkd_apply.plan(tmp_path)
    assert commands[0][:4] == ["ip", "link", "add", "dsr4"]
    underlay = commands.index(["ip", "link", "set", "ens192", "up"])
    tunnel = commands.index(["ip", "link", "set", "dsr4", "up"])
    assert underlay < tunnel
    assert unknown == ["10-netplan-dsr4.network: [Network] VRF=blue"]


@pytest.mark.skipif(not shutil.which("netplan"), reason="netplan.io not installed")
def test_real_render_through_netplan_generate_gives_named_tunnels_with_local(tmp_path):
    """The renderer's bytes -> netplan generate -> translator: the namespace servers' real path."""
    from lab import seed
    from lab.topology import TOPOLOGY

    server = TOPOLOGY.servers[1]
    topo.write_netplan(seed.render_seed(server)["network-config"], tmp_path)
    subprocess.run(["netplan", "generate", "--root-dir", str(tmp_path)], check=True)
    commands, unknown = networkd_apply.plan(tmp_path / "run/systemd/network")
    for line in (
        f"ip link add dsr4 type ipip local {server.ipv4.ip} remote 0.0.0.0",
        "ip addr add 203.0.113.10/32 dev dsr4",
        f"ip link add dsr6 type ip6tnl mode ip6ip6 local {server.ipv6.ip} remote ::",
        f"ip link add dsr4gre type gre local {server.ipv4.ip} remote 0.0.0.0",  # srv2: both
        "ip addr add 203.0.113.20/32 dev dsr4gre",
    ):
        assert line.split() in commands
    assert unknown == []
    assert Path(tmp_path / "etc/netplan/50-cloud-init.yaml").stat().st_mode & 0o077 == 0
