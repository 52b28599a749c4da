"""The components as other languages see them (avi_dsr.package), under Pulumi mocks: plain,
config-shaped args, validated by the stack config's own rules, building the same objects."""

from __future__ import annotations

import pulumi
import pytest
from avi_dsr import package
from dsr_mocks import AVI, pulumi_env

SERVICE = {
    "name": "web",
    "vip": "203.0.113.10",
    "ports": ["80"],
    "servers": [{"name": "web01"}, {"name": "web02", "ratio": 2}],
    "health_monitor": {"type": "tcp"},
    "placement": {"vip_network": "seg-vip", "vip_subnet": "203.0.113.0/24"},
}
SERVERS = [
    {"name": "web01", "ipv4": "198.51.100.11/24"},
    {"name": "web02", "ipv4": "198.51.100.12/24", "address": "198.51.100.112"},
]


def test_l3dsrservice_from_plain_args_builds_the_service():
    with pulumi_env() as env:
        env.run(lambda: package.L3DsrService("web", {"service": SERVICE, "servers": SERVERS}))
    names = sorted(r.name for r in env.monitor.registered if r.typ.startswith(AVI))
    assert names == ["web-hm", "web-np", "web-pool", "web-vs", "web-vsvip"]
    pool = env.monitor.named("web-pool", AVI + "Pool").body
    # the reported address wins over the configured one; ratios from the member spec
    assert [(s["ip"]["addr"], s["ratio"]) for s in pool["servers"]] == [
        ("198.51.100.11", 1),
        ("198.51.100.112", 2),
    ]
    vsvip = env.monitor.named("web-vsvip", AVI + "VsVip").body
    assert vsvip["vip"][0]["ip_address"]["addr"] == "203.0.113.10"
    assert env.monitor.named("web-vs", AVI + "VirtualService").plain["preflight"]["key"] == (
        "service"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"ports": ["0"]}, "L3DsrService web: service.ports[0]: port"),
        ({"vip": "198.51.100.11"}, "service.vip: 198.51.100.11 is the address of server"),
        ({"network_profile": {"syn_protection": True}}, "service.networkProfile.synProtection"),
        ({"servers": [{"name": "web09"}]}, "service.servers[0]"),
    ],
)
def test_bad_plain_args_name_the_arg_with_the_stack_config_message(change, expected):
    with pulumi_env() as env, pytest.raises(Exception) as caught:
        env.run(
            lambda: package.L3DsrService(
                "web", {"service": {**SERVICE, **change}, "servers": SERVERS}
            )
        )
    assert expected in str(caught.value)
    assert [r for r in env.monitor.registered if r.typ.startswith(AVI)] == []


def test_config_shaped_args_must_be_literals():
    def program():
        package.L3DsrService(
            "web",
            {
                "service": {**SERVICE, "vip": pulumi.Output.from_input("203.0.113.10")},
                "servers": SERVERS,
            },
        )

    with pulumi_env() as env, pytest.raises(Exception, match="literal values"):
        env.run(program)


def test_the_parts_build_only_their_objects():
    def program():
        np = package.DsrNetworkProfile("web-np", {"service": SERVICE, "servers": SERVERS})
        pool = package.DsrPool("web-pool", {"service": SERVICE, "servers": SERVERS})
        package.DsrVirtualService(
            "web-vs",
            {
                "service": SERVICE,
                "servers": SERVERS,
                "network_profile_ref": np.ref,
                "pool_ref": pool.ref,
            },
        )

    with pulumi_env() as env:
        env.run(program)
    names = sorted(r.name for r in env.monitor.registered if r.typ.startswith(AVI))
    assert names == ["web-hm", "web-np", "web-pool", "web-vs", "web-vsvip"]


SERVER = {
    "name": "web01",
    "ipv4": "198.51.100.11/24",
    "gateway4": "198.51.100.1",
    "ssh": {
        "host": "198.51.100.11",
        "user": "root",
        "host_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfWeb01ForTheTests000000000",
    },
}


def test_existing_server_from_plain_args_holds_each_vip_on_its_tunnel():
    with pulumi_env() as env:
        env.run(
            lambda: package.ExistingDsrServer(
                "web01",
                {
                    "server": SERVER,
                    "vips": {"ipip": ["203.0.113.10"], "gre": ["203.0.113.20"]},
                    "private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nk\n-----END",
                },
            )
        )
    command = env.monitor.named("web01", "command:remote:Command").plain
    assert "203.0.113.10/32" in command["create"] and "dsr4gre" in command["create"]
    assert command["connection"]["hostKey"].startswith("ssh-ed25519 ")


def test_server_facade_names_the_arg_of_a_bad_vip():
    with pulumi_env() as env, pytest.raises(Exception) as caught:
        env.run(
            lambda: package.ExistingDsrServer(
                "web01",
                {"server": SERVER, "vips": {"ipip": ["198.51.100.11"]}, "private_key": "k"},
            )
        )
    assert "vips.ipip[0]" in str(caught.value)
    assert "198.51.100.11 is the address of server" in str(caught.value)
