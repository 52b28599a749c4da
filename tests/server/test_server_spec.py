"""ServerSpec validation: bad input -> one error per problem, naming the field and the fix."""

from __future__ import annotations

import ipaddress

import pytest
from avi_dsr.server import FieldError, ServerSpec, ServerSpecError

OK4 = {"ipv4": "198.51.100.11/24", "gateway4": "198.51.100.1"}
OK6 = {"ipv6": "2001:db8:20::11/64", "gateway6": "2001:db8:20::1"}

INVALID = [
    # (spec kwargs, expected (field, fragment of the message) pairs; all must be reported)
    ({}, [("ipv4", "set ipv4 and/or ipv6")]),
    ({**OK4, "vips4": ["198.51.100.11"]}, [("vips4[0]", "server's own address")]),
    ({**OK6, "vips6": ["2001:db8:20::11"]}, [("vips6[0]", "server's own address")]),
    ({**OK4, "vips4": ["2001:db8::1"]}, [("vips4[0]", "put it in vips6")]),
    ({**OK4, **OK6, "vips6": ["203.0.113.10"]}, [("vips6[0]", "put it in vips4")]),
    ({**OK6, "vips4": ["203.0.113.10"]}, [("vips4", "has no ipv4")]),
    ({**OK4, "vips6": ["2001:db8:100::10"]}, [("vips6", "has no ipv6")]),
    ({**OK4, "vips4": ["203.0.113.0/24"]}, [("vips4[0]", "without prefix")]),
    ({**OK4, "vips4": ["203.0.113.10", "224.0.0.5"]}, [("vips4[1]", "not a unicast")]),
    ({**OK4, "vips4": ["198.51.100.1"]}, [("vips4[0]", "gateway")]),
    ({**OK4, "vips4": ["198.51.100.255"]}, [("vips4[0]", "broadcast")]),
    ({**OK4, "vips4": ["198.51.100.0"]}, [("vips4[0]", "network or broadcast")]),
    ({"ipv4": "198.51.100.11/24", "gateway4": "192.0.2.1"}, [("gateway4", "outside")]),
    # only IPv6 routes via a link-local router: an IPv4 one off the subnet is unreachable
    ({"ipv4": "198.51.100.11/24", "gateway4": "169.254.0.1"}, [("gateway4", "outside")]),
    ({"ipv4": "198.51.100.11/24", "gateway4": "198.51.100.11"}, [("gateway4", "own address")]),
    ({**OK6, "gateway4": "198.51.100.1"}, [("gateway4", "set ipv4 or remove gateway4")]),
    ({"ipv4": "198.51.100.0/24"}, [("ipv4", "not a usable")]),
    ({"ipv4": "not-an-ip"}, [("ipv4", "198.51.100.11/24")]),
    ({"ipv4": "2001:db8::1/64"}, [("ipv4", "expected an IPv4")]),
    ({"ipv4": "198.51.100.11"}, [("ipv4", "with prefix")]),  # no silent /32
    (
        {"ipv4": "198.51.100.11/24", "gateway4": ipaddress.IPv4Interface("198.51.100.1/24")},
        [("gateway4", "expected an IPv4 address")],
    ),
    (
        {**OK4, "vips4": [ipaddress.IPv4Interface("203.0.113.10/24")]},
        [("vips4[0]", "without prefix")],
    ),
    ({**OK4, "dns": ["resolver.example"]}, [("dns[0]", "not an IP address")]),
    ({**OK4, "search": ["bad domain"]}, [("search[0]", "DNS domain")]),
    ({**OK4, "search": "lab.example"}, [("search", "must be a list")]),
    ({**OK4, "ubuntu_release": "20.04"}, [("ubuntu_release", "22.04, 24.04")]),
    ({**OK4, "underlay_mtu": 1000}, [("underlay_mtu", "between 1280 and 9216")]),
    ({**OK4, **OK6, "underlay_mtu": 1300}, [("underlay_mtu", "between 1320 and 9216")]),
    ({**OK4, "underlay_mtu": "1500"}, [("underlay_mtu", "must be an integer")]),
    ({**OK4, "interface": "dsr4"}, [("interface", "reserved")]),
    ({**OK4, "interface": "dsr4gre"}, [("interface", "reserved")]),
    ({**OK4, "interface": "gre0"}, [("interface", "reserved")]),
    # GRE VIPs: IPv4 only, on a server with an IPv4 address, never also an IP-in-IP VIP
    ({**OK4, **OK6, "gre_vips4": ["2001:db8:100::10"]}, [("gre_vips4[0]", "GRE DSR is IPv4")]),
    ({**OK6, "gre_vips4": ["203.0.113.20"]}, [("gre_vips4", "dsr4gre tunnel needs it")]),
    ({**OK4, "gre_vips4": ["198.51.100.11"]}, [("gre_vips4[0]", "server's own address")]),
    ({**OK4, "gre_vips4": ["198.51.100.1"]}, [("gre_vips4[0]", "gateway")]),
    (
        {**OK4, "vips4": ["203.0.113.10"], "gre_vips4": ["203.0.113.20", "203.0.113.10"]},
        [("gre_vips4[1]", "not both")],
    ),
    ({**OK4, "interface": "a-very-long-interface"}, [("interface", "1-15 characters")]),
    ({**OK4, "name": "web_01"}, [("name", "valid host name")]),
    (
        {"name": "", "gateway4": "192.0.2.1", "vips6": ["x"], "underlay_mtu": True},
        [
            ("name", "host name"),
            ("ipv4", "set ipv4 and/or ipv6"),
            ("gateway4", "set ipv4"),
            ("vips6[0]", "not an IP address"),
            ("underlay_mtu", "integer"),
        ],
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), INVALID)
def test_invalid_specs_report_every_problem_by_field(kwargs, expected):
    with pytest.raises(ServerSpecError) as caught:
        ServerSpec(**{"name": "web01", **kwargs})
    errors = caught.value.errors
    assert {e.field for e in errors} == {field for field, _ in expected}, errors
    for field, fragment in expected:
        messages = [e.problem for e in errors if e.field == field]
        assert any(fragment in m for m in messages), (field, messages)
    assert all(isinstance(e, FieldError) for e in errors)
    assert isinstance(caught.value, ValueError)  # callers may catch ValueError


def test_error_message_lists_each_field():
    with pytest.raises(ServerSpecError) as caught:
        ServerSpec(name="web01", ipv4="198.51.100.11/24", vips4=["198.51.100.11", "2001:db8::1"])
    text = str(caught.value)
    assert "server 'web01'" in text
    assert "  - vips4[0]: 198.51.100.11 is the server's own address" in text
    assert "  - vips4[1]: 2001:db8::1 is an IPv6 address; put it in vips6" in text


def test_strings_are_parsed_and_vips_sorted_and_deduplicated():
    spec = ServerSpec(
        name="web01",
        ipv4="198.51.100.11/24",
        gateway4="198.51.100.1",
        dns=["198.51.100.54", "198.51.100.53", "198.51.100.54"],
        vips4=["203.0.113.20", "203.0.113.3", "203.0.113.20"],
    )
    assert spec.ipv4 == ipaddress.IPv4Interface("198.51.100.11/24")
    assert spec.gateway4 == ipaddress.IPv4Address("198.51.100.1")
    assert spec.vips4 == (
        ipaddress.IPv4Address("203.0.113.3"),
        ipaddress.IPv4Address("203.0.113.20"),
    )
    # DNS order is a preference: kept, only duplicates dropped
    assert [str(s) for s in spec.dns] == ["198.51.100.54", "198.51.100.53"]


def test_equivalent_specs_are_equal():
    a = ServerSpec(name="web01", ipv4="198.51.100.11/24", vips4=["203.0.113.2", "203.0.113.1"])
    b = ServerSpec(
        name="web01",
        ipv4=ipaddress.IPv4Interface("198.51.100.11/24"),
        vips4=(ipaddress.IPv4Address("203.0.113.1"), ipaddress.IPv4Address("203.0.113.2")),
    )
    assert a == b
    assert hash(a) == hash(b)


@pytest.mark.parametrize(
    "kwargs",
    [
        {**OK4, **OK6},
        {"ipv6": "2001:db8:20::11/64", "gateway6": "fe80::1"},  # link-local gateway is normal
        {"ipv4": "198.51.100.11/31", "gateway4": "198.51.100.10"},  # point-to-point /31
        {**OK4, "vips4": ["198.51.100.20"]},  # a VIP inside the server segment is allowed
        {**OK4, "name": "web01.lab.example", "interface": "enp0s3"},
    ],
)
def test_valid_edge_cases_are_accepted(kwargs):
    ServerSpec(**{"name": "web01", **kwargs})
