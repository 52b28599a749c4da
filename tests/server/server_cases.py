"""Shared spec table for the server renderer tests: name -> ServerSpec keyword arguments."""

from __future__ import annotations

from typing import Any

from avi_dsr.server import ServerSpec

BASE4 = {"ipv4": "198.51.100.11/24", "gateway4": "198.51.100.1"}
BASE6 = {"ipv6": "2001:db8:20::11/64", "gateway6": "2001:db8:20::1"}

CASES: dict[str, dict[str, Any]] = {
    "v4-only-2204": {
        **BASE4,
        "dns": ["198.51.100.53"],
        "search": ["lab.example"],
        "vips4": ["203.0.113.10"],
    },
    "dual-stack-2204": {**BASE4, **BASE6, "vips4": ["203.0.113.10"], "vips6": ["2001:db8:100::10"]},
    "v6-only-2204": {**BASE6, "vips6": ["2001:db8:100::11", "2001:db8:100::10"]},
    "several-vips-2404": {
        **BASE4,
        **BASE6,
        "interface": "eth0",
        "dns": ["2001:db8:20::53", "198.51.100.53"],
        "vips4": ["203.0.113.12", "203.0.113.10", "203.0.113.11", "203.0.113.10"],
        "vips6": ["2001:db8:100::12", "2001:db8:100::10"],
        "ubuntu_release": "24.04",
    },
    "v4-only-2404": {**BASE4, "vips4": ["203.0.113.10"], "ubuntu_release": "24.04"},
    "jumbo-2204": {
        **BASE4,
        **BASE6,
        "vips4": ["203.0.113.10"],
        "vips6": ["2001:db8:100::10"],
        "underlay_mtu": 9000,
    },
    "small-underlay-2404": {
        **BASE4,
        **BASE6,
        "vips4": ["203.0.113.10"],
        "vips6": ["2001:db8:100::10"],
        "ubuntu_release": "24.04",
        "underlay_mtu": 1400,
    },
    "no-vips-2204": {**BASE4},
    # GRE services: their VIPs live on dsr4gre; GRE's 24-byte header sets the route budget
    "gre-only-2204": {**BASE4, "gre_vips4": ["203.0.113.20"]},
    "ipip-and-gre-2204": {
        **BASE4,
        **BASE6,
        "vips4": ["203.0.113.10"],
        "vips6": ["2001:db8:100::10"],
        "gre_vips4": ["203.0.113.21", "203.0.113.20"],
    },
    "ipip-and-gre-2404": {
        **BASE4,
        "vips4": ["203.0.113.10"],
        "gre_vips4": ["203.0.113.20"],
        "ubuntu_release": "24.04",
    },
    "no-gateway-2204": {"ipv4": "198.51.100.11/24", "vips4": ["203.0.113.10"]},
}


def spec(case: str, **overrides: Any) -> ServerSpec:
    """The spec of table row `case` (server name web01), with field overrides."""
    return ServerSpec(**{"name": "web01", **CASES[case], **overrides})
