"""GRE services in the stack config: which tunnel each VIP lands on, and GRE with IPv6 refused.

Before GRE was carried through, a GRE service's VIP went to vips4 (the IP-in-IP tunnel dsr4):
every GRE packet from the Service Engine was dropped on the server.
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

import pytest
from avi_dsr.config import ConfigError, parse_stack
from avi_dsr.server import render_netplan
from dsr_stacks import LAB_VALUES

IPIP_VIP = ipaddress.IPv4Address("203.0.113.10")
GRE_VIP = ipaddress.IPv4Address("203.0.113.20")


def _two_services() -> dict[str, Any]:
    """The lab stack plus a GRE service on web01 only: web01 is in both, web02 in IP-in-IP only."""
    values = copy.deepcopy(LAB_VALUES)
    values["services"].append(
        {
            "name": "web-gre",
            "vip": str(GRE_VIP),
            "ports": [8080],
            "servers": ["web01"],
            "networkProfile": {"encap": "GRE"},
        }
    )
    return values


def test_a_gre_service_puts_its_vip_on_the_gre_tunnel_and_only_there():
    stack = parse_stack(_two_services())
    web01 = stack.server_spec("web01")
    assert web01.vips4 == (IPIP_VIP,)
    assert web01.gre_vips4 == (GRE_VIP,)
    assert web01.vips6 == (ipaddress.IPv6Address("2001:db8:100::10"),)
    web02 = stack.server_spec("web02")
    assert web02.vips4 == (IPIP_VIP,) and web02.gre_vips4 == ()


def test_the_rendered_server_of_a_gre_service_has_a_gre_tunnel_holding_the_vip():
    netplan = render_netplan(parse_stack(_two_services()).server_spec("web01"))
    assert "mode: gre" in netplan
    assert f"{GRE_VIP}/32" in netplan.split("dsr4gre:")[1]
    assert f"{GRE_VIP}/32" not in netplan.split("dsr4gre:")[0]


def _ipv6_service(encap: str) -> dict[str, Any]:
    """The lab stack on 30.2.1 plus an IPv6 service (one family per service) with `encap`."""
    values = _two_services()
    values["controller"]["apiVersion"] = "30.2.1"
    values["services"][1] = {
        "name": "web6",
        "vip6": "2001:db8:100::20",
        "ports": [8080],
        "servers": ["web01"],
        "networkProfile": {"encap": encap},
        "placement": {"vipNetwork": "seg-vip", "vip6Subnet": "2001:db8:100::/64"},
    }
    return values


def test_gre_with_an_ipv6_vip_is_refused_naming_encap_and_the_fix():
    with pytest.raises(ConfigError) as caught:
        parse_stack(_ipv6_service("GRE"))
    assert caught.value.problems == [
        "avi-dsr:services[1].networkProfile.encap: Avi documents GRE for IPv4 L3 DSR only, "
        "not for an IPv6 VIP; serve IPv4 with GRE, or use encap IPINIP for the IPv6 service "
        "(ip6ip6)"
    ]


def test_an_ipip_service_with_an_ipv6_vip_stays_accepted():
    spec = parse_stack(_ipv6_service("IPINIP")).server_spec("web01")
    assert spec.gre_vips4 == ()
    assert ipaddress.IPv6Address("2001:db8:100::20") in spec.vips6


def test_gre_vips_are_never_taken_for_the_vms_own_address():
    from avi_dsr.servers import ignored_guest_ips, own_address

    spec = parse_stack(_two_services()).server_spec("web01")
    assert f"{GRE_VIP}/32" in ignored_guest_ips(spec)
    assert own_address(str(GRE_VIP), spec, 4) == "198.51.100.11"
