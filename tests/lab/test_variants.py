"""Negative-control variants come from the renderer's real bytes, or fail loudly."""

import pytest
import yaml

from lab import seed, variants
from lab.topology import TOPOLOGY


def rendered(name: str = "srv2") -> dict[str, str]:
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


@pytest.mark.parametrize(
    ("variant", "user_data", "network_config", "message"),
    [
        ("strict-rp-filter", "#cloud-config\n{}\n", "network: {version: 2}", "no rp_filter"),
        ("no-vip", "", "network: {version: 2}", "network_config.tunnels"),
        ("no-tunnel", "", "version: 2\nethernets: {}\n", "network_config.tunnels"),
        ("no-vip", "", "network: {version: 2, tunnels: {dsr4: {mode: ipip}}}", "dsr4.addresses"),
        ("no-mss", "", "network: {ethernets: {ens192: {routes: [{to: default}]}}}", "routes"),
    ],
)
def test_a_variant_that_cannot_apply_names_the_field(variant, user_data, network_config, message):
    with pytest.raises(variants.VariantError, match=message):
        variants.VARIANTS[variant](user_data, network_config)


def test_seed_writes_every_server_and_the_topology(tmp_path):
    seed.write_seeds(tmp_path)
    for server in TOPOLOGY.servers:
        for name in seed.SEED_FILES:
            assert (tmp_path / server.name / name).read_text()
    assert "rp_filter = 1" in (tmp_path / "neg-rpf" / "user-data").read_text()
    assert "203.0.113.10/32" in (tmp_path / "srv1" / "network-config").read_text()
    assert (tmp_path / "topology.json").exists()
