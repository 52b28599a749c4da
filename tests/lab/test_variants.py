"""Negative-control variants come from the renderer's real bytes, or fail loudly."""

import pytest
import yaml

from lab import seed, variants
from lab.topology import TOPOLOGY


def rendered(name: str = "srv3") -> dict[str, str]:
    server = next(s for s in TOPOLOGY.servers if s.name == name)
    return seed.render_seed(server)


def tunnels(network_config: str) -> dict:
    return (yaml.safe_load(network_config)["network"]).get("tunnels", {})


def test_strict_rp_filter_turns_every_rp_filter_key_strict_and_keeps_the_rest():
    files = rendered()
    user_data, network_config = variants.strict_rp_filter(
        files["user-data"], files["network-config"]
    )
    assert "rp_filter = 2" not in user_data
    assert user_data.count("rp_filter = 1") == files["user-data"].count("rp_filter = 2") > 0
    assert "arp_announce = 2" in user_data
    assert network_config == files["network-config"]


def test_no_vip_keeps_the_tunnels_without_addresses():
    files = rendered()
    _, network_config = variants.no_vip(files["user-data"], files["network-config"])
    assert set(tunnels(network_config)) == {"dsr4", "dsr6"}
    assert all("addresses" not in t for t in tunnels(network_config).values())


def test_no_tunnel_removes_the_tunnels_only():
    files = rendered()
    _, network_config = variants.no_tunnel(files["user-data"], files["network-config"])
    assert tunnels(network_config) == {}
    assert "ens192" in yaml.safe_load(network_config)["network"]["ethernets"]


def test_no_mss_drops_the_route_mtus_and_keeps_the_tunnels():
    files = rendered()
    _, network_config = variants.no_mss(files["user-data"], files["network-config"])
    routes = yaml.safe_load(network_config)["network"]["ethernets"]["ens192"]["routes"]
    assert routes and all("mtu" not in r and "advertised-mss" not in r for r in routes)
    assert set(tunnels(network_config)) == {"dsr4", "dsr6"}


def test_gre_vip_on_ipip_is_the_render_before_gre_was_carried_through():
    """The GRE service's VIP lands on the IP-in-IP tunnel dsr4 and no GRE tunnel is left."""
    from avi_dsr.server import render_cloud_init

    neg_gre = next(s for s in TOPOLOGY.servers if s.name == "neg-gre")
    fixed = render_cloud_init(seed.server_spec(neg_gre))  # what avi-dsr renders now
    assert set(tunnels(fixed.network_config)) == {"dsr4gre"}
    _, network_config = variants.gre_vip_on_ipip(fixed.user_data, fixed.network_config)
    assert seed.render_seed(neg_gre)["network-config"] == network_config
    assert tunnels(network_config) == {
        "dsr4": {
            "mode": "ipip",
            "local": "198.51.100.25",
            "remote": "0.0.0.0",
            "link-local": [],
            "addresses": ["203.0.113.20/32"],
        }
    }


def test_a_server_in_both_services_holds_each_vip_on_its_own_tunnel():
    network = tunnels(rendered("srv1")["network-config"])
    assert network["dsr4"]["addresses"] == ["203.0.113.10/32"]
    assert network["dsr6"]["addresses"] == ["2001:db8:f::10/128"]
    assert network["dsr4gre"] == {
        "mode": "gre",
        "local": "198.51.100.11",
        "remote": "0.0.0.0",
        "link-local": [],
        "addresses": ["203.0.113.20/32"],
    }
    assert "dsr4gre" not in tunnels(rendered("srv3")["network-config"])


@pytest.mark.parametrize(
    ("variant", "user_data", "network_config", "message"),
    [
        ("strict-rp-filter", "#cloud-config\n{}\n", "network: {version: 2}", "no rp_filter"),
        ("no-vip", "", "network: {version: 2}", "network_config.tunnels"),
        ("no-tunnel", "", "version: 2\nethernets: {}\n", "network_config.tunnels"),
        ("no-vip", "", "network: {version: 2, tunnels: {dsr4: {mode: ipip}}}", "dsr4.addresses"),
        ("no-mss", "", "network: {ethernets: {ens192: {routes: [{to: default}]}}}", "routes"),
        ("gre-vip-on-ipip", "", "network: {tunnels: {dsr4: {mode: ipip}}}", "dsr4gre"),
    ],
)
def test_a_variant_that_cannot_apply_names_the_field(variant, user_data, network_config, message):
    with pytest.raises(variants.VariantError, match=message):
        variants.VARIANTS[variant](user_data, network_config)


def test_seed_writes_every_server_and_the_topology(tmp_path):
    seed.write_seeds(tmp_path)
    for server in TOPOLOGY.servers:
        names = seed.EXISTING_FILES if server.role == "existing" else seed.SEED_FILES
        for name in names:
            assert (tmp_path / server.name / name).read_text()
    assert "rp_filter = 1" in (tmp_path / "neg-rpf" / "user-data").read_text()
    assert "203.0.113.10/32" in (tmp_path / "srv1" / "network-config").read_text()
    assert (tmp_path / "topology.json").exists()


def test_the_existing_server_gets_the_commands_the_component_sends(tmp_path):
    """apply.cmd / remove.cmd are what ExistingDsrServer hands to pulumi-command for root."""
    from avi_dsr.server import render_apply_script, render_remove_script

    live = next(s for s in TOPOLOGY.servers if s.role == "existing")
    files = seed.render_seed(live)
    spec = seed.server_spec(live)
    assert files["apply.sh"] == render_apply_script(spec)
    assert files["remove.sh"] == render_remove_script(spec)
    # run by sh, bounded by `timeout`, as root (no sudo)
    assert files["apply.cmd"].startswith("sh -c 'timeout -k 10 600 sh -c '\"'\"'#!/bin/sh\n")
    assert spec.vips4 and spec.vips6 and spec.gre_vips4
    # the host's own netplan before avi-dsr: nothing that limits the MSS, so the clamp must
    base = yaml.safe_load(files["existing-netplan.yaml"])["network"]
    assert "tunnels" not in base
    assert all(set(r) == {"to", "via"} for r in base["ethernets"]["ens192"]["routes"])
