"""Pure renderers, table-driven: spec in -> expected files and keys out."""

from __future__ import annotations

import pytest
import yaml
from avi_dsr.server import (
    MODULES_LOAD_PATH,
    MSS_RULESET_PATH,
    MSS_UNIT_PATH,
    NETPLAN_PATH,
    SYSCTL_PATH,
    render_modules_load,
    render_mss_ruleset,
    render_mss_unit,
    render_netplan,
    render_sysctl,
    server_files,
)
from avi_dsr.server.netplan import (
    advertised_mss4,
    advertised_mss6,
    route_mtu4,
    route_mtu6,
)
from server_cases import CASES, spec

DSR4 = {"mode": "ipip", "local": "198.51.100.11", "remote": "0.0.0.0", "link-local": []}
DSR6 = {"mode": "ip6ip6", "local": "2001:db8:20::11", "remote": "::", "link-local": []}
# no keys, no checksums: Avi's DsrProfile has no GRE options (see avi_dsr.server.netplan)
GRE4 = {"mode": "gre", "local": "198.51.100.11", "remote": "0.0.0.0", "link-local": []}
GW4, GW6 = "198.51.100.1", "2001:db8:20::1"

# case -> (tunnels, default routes, modules, ethernet mtu or None)
EXPECTED = {
    "v4-only-2204": (
        {"dsr4": {**DSR4, "addresses": ["203.0.113.10/32"]}},
        [{"to": "default", "via": GW4, "mtu": 1480}],
        ["ipip"],
        None,
    ),
    "dual-stack-2204": (
        {
            "dsr4": {**DSR4, "addresses": ["203.0.113.10/32"]},
            "dsr6": {**DSR6, "addresses": ["2001:db8:100::10/128"]},
        },
        [{"to": "default", "via": GW4, "mtu": 1480}, {"to": "::/0", "via": GW6, "mtu": 1460}],
        ["ipip", "ip6_tunnel"],
        None,
    ),
    "v6-only-2204": (
        {"dsr6": {**DSR6, "addresses": ["2001:db8:100::10/128", "2001:db8:100::11/128"]}},
        [{"to": "::/0", "via": GW6, "mtu": 1460}],
        ["ip6_tunnel"],
        None,
    ),
    "several-vips-2404": (
        {
            "dsr4": {
                **DSR4,
                "addresses": ["203.0.113.10/32", "203.0.113.11/32", "203.0.113.12/32"],
            },
            "dsr6": {**DSR6, "addresses": ["2001:db8:100::10/128", "2001:db8:100::12/128"]},
        },
        [
            {"to": "default", "via": GW4, "advertised-mss": 1440},
            {"to": "::/0", "via": GW6, "advertised-mss": 1400},
        ],
        ["ipip", "ip6_tunnel"],
        None,
    ),
    "v4-only-2404": (
        {"dsr4": {**DSR4, "addresses": ["203.0.113.10/32"]}},
        [{"to": "default", "via": GW4, "advertised-mss": 1440}],
        ["ipip"],
        None,
    ),
    "jumbo-2204": (
        {
            "dsr4": {**DSR4, "addresses": ["203.0.113.10/32"]},
            "dsr6": {**DSR6, "addresses": ["2001:db8:100::10/128"]},
        },
        [{"to": "default", "via": GW4, "mtu": 8980}, {"to": "::/0", "via": GW6, "mtu": 8960}],
        ["ipip", "ip6_tunnel"],
        9000,
    ),
    "small-underlay-2404": (
        {
            "dsr4": {**DSR4, "addresses": ["203.0.113.10/32"]},
            "dsr6": {**DSR6, "addresses": ["2001:db8:100::10/128"]},
        },
        [
            {"to": "default", "via": GW4, "advertised-mss": 1340},
            {"to": "::/0", "via": GW6, "advertised-mss": 1300},
        ],
        ["ipip", "ip6_tunnel"],
        1400,
    ),
    "no-vips-2204": (None, [{"to": "default", "via": GW4, "mtu": 1480}], [], None),
    "no-gateway-2204": ({"dsr4": {**DSR4, "addresses": ["203.0.113.10/32"]}}, None, ["ipip"], None),
    "gre-only-2204": (
        {"dsr4gre": {**GRE4, "addresses": ["203.0.113.20/32"]}},
        [{"to": "default", "via": GW4, "mtu": 1476}],  # 1500 - 20 (outer IPv4) - 4 (GRE)
        ["ip_gre"],
        None,
    ),
    "ipip-and-gre-2204": (
        {
            "dsr4": {**DSR4, "addresses": ["203.0.113.10/32"]},
            "dsr6": {**DSR6, "addresses": ["2001:db8:100::10/128"]},
            "dsr4gre": {**GRE4, "addresses": ["203.0.113.20/32", "203.0.113.21/32"]},
        },
        # one v4 default route serves both VIPs: it carries GRE's smaller budget
        [{"to": "default", "via": GW4, "mtu": 1476}, {"to": "::/0", "via": GW6, "mtu": 1460}],
        ["ipip", "ip6_tunnel", "ip_gre"],
        None,
    ),
    "ipip-and-gre-2404": (
        {
            "dsr4": {**DSR4, "addresses": ["203.0.113.10/32"]},
            "dsr4gre": {**GRE4, "addresses": ["203.0.113.20/32"]},
        },
        [{"to": "default", "via": GW4, "advertised-mss": 1436}],
        ["ipip", "ip_gre"],
        None,
    ),
}


def test_every_case_has_an_expectation():
    assert set(EXPECTED) == set(CASES)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_netplan_tunnels_routes_and_mtu(case):
    tunnels, routes, _modules, mtu = EXPECTED[case]
    server = spec(case)
    network = yaml.safe_load(render_netplan(server))["network"]
    assert network["version"] == 2
    assert network["renderer"] == "networkd"
    assert network.get("tunnels") == tunnels
    ethernet = network["ethernets"][server.interface]
    assert ethernet.get("routes") == routes
    assert ethernet.get("mtu") == mtu
    assert ethernet["dhcp4"] is False and ethernet["dhcp6"] is False
    assert ethernet["accept-ra"] is False
    assert ethernet["addresses"] == [str(a) for a in (server.ipv4, server.ipv6) if a]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_tunnels_only_netplan_has_no_ethernet_and_no_renderer(case):
    tunnels, *_ = EXPECTED[case]
    network = yaml.safe_load(render_netplan(spec(case), tunnels_only=True))["network"]
    expected = {"version": 2, **({"tunnels": tunnels} if tunnels else {})}
    assert network == expected


def test_netplan_nameservers_and_interface():
    network = yaml.safe_load(render_netplan(spec("several-vips-2404")))["network"]
    assert list(network["ethernets"]) == ["eth0"]
    assert network["ethernets"]["eth0"]["nameservers"] == {
        "addresses": ["2001:db8:20::53", "198.51.100.53"]
    }
    v4 = yaml.safe_load(render_netplan(spec("v4-only-2204")))["network"]["ethernets"]["ens192"]
    assert v4["nameservers"] == {"addresses": ["198.51.100.53"], "search": ["lab.example"]}
    assert (
        "nameservers"
        not in yaml.safe_load(render_netplan(spec("dual-stack-2204")))["network"]["ethernets"][
            "ens192"
        ]
    )


def test_link_local_gateway6_is_on_link():
    server = spec("v6-only-2204", gateway6="fe80::1")
    routes = yaml.safe_load(render_netplan(server))["network"]["ethernets"]["ens192"]["routes"]
    assert routes == [{"to": "::/0", "via": "fe80::1", "on-link": True, "mtu": 1460}]


@pytest.mark.parametrize(
    ("underlay", "mtu4", "mtu6", "mss4", "mss6"),
    [
        (1500, 1480, 1460, 1440, 1400),  # the reference's numbers (dsr-server-and-vsphere.md 1.4)
        (9000, 8980, 8960, 8940, 8900),
        (1400, 1380, 1360, 1340, 1300),
    ],
)
def test_mss_budget_numbers_are_pinned(underlay, mtu4, mtu6, mss4, mss6):
    assert (route_mtu4(underlay), route_mtu6(underlay)) == (mtu4, mtu6)
    assert (advertised_mss4(underlay), advertised_mss6(underlay)) == (mss4, mss6)
    # on 22.04 the kernel derives advmss = mtu - 40 (v4) / mtu - 60 (v6): same budget both ways
    assert (mtu4 - 40, mtu6 - 60) == (mss4, mss6)


@pytest.mark.parametrize(
    ("underlay", "mtu4", "mss4"), [(1500, 1476, 1436), (9000, 8976, 8936), (1400, 1376, 1336)]
)
def test_gre_mss_budget_numbers_are_pinned(underlay, mtu4, mss4):
    """IPv4 outer header 20 + base GRE header 4 (RFC 2784: no key, checksum or sequence)."""
    assert route_mtu4(underlay, gre=True) == mtu4
    assert advertised_mss4(underlay, gre=True) == mss4
    assert mtu4 - 40 == mss4  # what the 22.04 kernel derives from the route mtu


def test_never_uses_fallback_tunnel_names():
    fallbacks = ("tunl0", "ip6tnl0", "gre0", "gretap0", "erspan0")
    for case in CASES:
        text = render_netplan(spec(case)) + render_netplan(spec(case), tunnels_only=True)
        assert not [name for name in fallbacks if name in text]


def test_each_vip_sits_on_the_tunnel_of_its_encapsulation_only():
    """The bug this guards: a GRE service's VIP on the IP-in-IP tunnel is a silent blackhole."""
    tunnels = yaml.safe_load(render_netplan(spec("ipip-and-gre-2204")))["network"]["tunnels"]
    assert tunnels["dsr4"]["addresses"] == ["203.0.113.10/32"]
    assert tunnels["dsr4gre"]["addresses"] == ["203.0.113.20/32", "203.0.113.21/32"]
    assert tunnels["dsr4gre"]["mode"] == "gre"
    assert not {"keys", "key", "checksum"} & set(tunnels["dsr4gre"])


SYSCTL_EXPECTED = {
    "net.ipv4.conf.all.rp_filter": "2",
    "net.ipv4.conf.default.rp_filter": "2",
    "net.ipv4.conf.all.arp_ignore": "1",
    "net.ipv4.conf.all.arp_announce": "2",
}


def _sysctl_pairs(text: str) -> dict[str, str]:
    pairs = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = (part.strip() for part in line.split("=", 1))
            pairs[key] = value
    return pairs


@pytest.mark.parametrize("case", sorted(CASES))
def test_sysctl_sets_loose_rpf_and_arp_settings_only_on_all_and_default(case):
    text = render_sysctl(spec(case))
    assert _sysctl_pairs(text) == SYSCTL_EXPECTED
    assert text.endswith("\n")


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_modules_load_lists_only_needed_modules(case):
    _tunnels, _routes, modules, _mtu = EXPECTED[case]
    lines = render_modules_load(spec(case)).splitlines()
    assert [line for line in lines if not line.startswith("#")] == modules


@pytest.mark.parametrize("tunnels_only", [True, False])
def test_server_files_paths_modes_and_contents(tunnels_only):
    server = spec("dual-stack-2204")
    files = server_files(server, tunnels_only=tunnels_only)
    # only existing servers (tunnels-only) need the nftables MSS clamp: see test_server_mss.py
    clamp = (
        {
            MSS_RULESET_PATH: ("0644", render_mss_ruleset(server)),
            MSS_UNIT_PATH: ("0644", render_mss_unit(server)),
        }
        if tunnels_only
        else {}
    )
    assert files == {
        NETPLAN_PATH: ("0600", render_netplan(server, tunnels_only=tunnels_only)),
        SYSCTL_PATH: ("0644", render_sysctl(server)),
        MODULES_LOAD_PATH: ("0644", render_modules_load(server)),
        **clamp,
    }
    assert NETPLAN_PATH == "/etc/netplan/60-avi-dsr.yaml"
    assert SYSCTL_PATH == "/etc/sysctl.d/99-zz-avi-dsr.conf"
    assert MODULES_LOAD_PATH == "/etc/modules-load.d/avi-dsr.conf"


def test_server_files_default_is_tunnels_only():
    server = spec("dual-stack-2204")
    assert server_files(server) == server_files(server, tunnels_only=True)


def test_rendering_is_deterministic_and_order_independent():
    a = spec("several-vips-2404")
    b = spec("several-vips-2404", vips4=["203.0.113.11", "203.0.113.12", "203.0.113.10"])
    assert render_netplan(a) == render_netplan(b)
    assert render_netplan(a) == render_netplan(spec("several-vips-2404"))
