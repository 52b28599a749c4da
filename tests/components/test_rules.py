"""Version arithmetic and the controller-free DSR rules: inputs in -> exact answers out."""

from __future__ import annotations

import pytest
from avi_dsr.rules import (
    gre_version_problem,
    ipv6_version_problem,
    monitor_type_problem,
    routed_l2_problem,
    syn_protection_problem,
)
from avi_dsr.versions import (
    available_in,
    effective_api_version,
    is_version,
    schema_release_for,
    version_tuple,
)


@pytest.mark.parametrize(
    ("configured", "controller", "expected"),
    [
        ("22.1.4", "30.2.1", "22.1.4"),  # configured wins (older is fine for a newer controller)
        (None, "22.1.4", "22.1.4"),  # the controller's own
        (None, "30.2.1", "30.2.1"),
        (None, "31.1.1", "30.2.1"),  # capped at the newest the project knows
        (None, "22.1.10", "22.1.10"),  # numeric, not text, comparison
    ],
)
def test_effective_api_version(configured, controller, expected):
    assert effective_api_version(configured, controller) == expected


@pytest.mark.parametrize(
    ("introduced", "version", "expected"),
    [
        ((), "17.1.1", True),
        (("30.2.1",), "22.1.6", False),
        (("30.2.1",), "30.2.1", True),
        (("30.2.1",), "31.1.1", True),
        (("21.1.5", "22.1.3"), "21.1.4", False),
        (("21.1.5", "22.1.3"), "21.1.5", True),
        (("21.1.5", "22.1.3"), "22.1.2", False),
        (("21.1.5", "22.1.3"), "30.1.1", True),
        (("21.1.5", "22.1.3"), "20.1.9", False),
        (("22.1.5", "30.1.2", "30.2.1"), "30.1.1", False),
        (("22.1.5", "30.1.2", "30.2.1"), "22.1.6", True),
    ],
)
def test_a_field_exists_from_its_release_on_each_train(introduced, version, expected):
    assert available_in(introduced, version) is expected


@pytest.mark.parametrize(
    ("version", "release"),
    [("18.2.3", "22.1.4"), ("22.1.4", "22.1.4"), ("22.1.6", "30.2.1"), ("31.1.1", "30.2.1")],
)
def test_schema_release_for(version, release):
    assert schema_release_for(version) == release


def test_version_helpers():
    assert version_tuple("22.1.10") > version_tuple("22.1.9")
    assert is_version("30.2.1") and not is_version("30.2") and not is_version(30.2)


@pytest.mark.parametrize(
    ("protocol", "syn", "expected"),
    [
        ("tcp", False, None),
        ("udp", False, None),
        ("udp", True, "only applies to TCP services; remove it"),
        (
            "tcp",
            True,
            "SYN protection cannot work with DSR: the Service Engine would have to complete the "
            "handshake, but the server's SYN-ACK goes straight to the client; remove it (or set "
            "false)",
        ),
    ],
)
def test_syn_protection(protocol, syn, expected):
    assert syn_protection_problem(protocol, syn) == expected


@pytest.mark.parametrize(
    ("protocol", "kind", "ok"),
    [
        ("tcp", "tcp", True),
        ("tcp", "http", True),
        ("tcp", "udp", False),
        ("tcp", "dns", False),
        ("udp", "udp", True),
        ("udp", "dns", True),
        ("udp", "tcp", False),
        ("udp", "http", False),
    ],
)
def test_monitor_types_follow_the_service_protocol(protocol, kind, ok):
    assert (monitor_type_problem(protocol, kind) is None) is ok


@pytest.mark.parametrize(
    ("version", "ipv6_ok", "gre_ok"),
    [
        ("21.1.3", False, False),
        ("21.1.4", False, True),
        ("22.1.4", False, True),
        ("30.2.1", True, True),
    ],
)
def test_version_gated_features(version, ipv6_ok, gre_ok):
    assert (ipv6_version_problem(version) is None) is ipv6_ok
    assert (gre_version_problem(version) is None) is gre_ok


def test_routed_servers_need_l3():
    assert routed_l2_problem("L3", True) is None and routed_l2_problem("L2", False) is None
    assert routed_l2_problem("L2", True).startswith("routed servers need L3 DSR")
