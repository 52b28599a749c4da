"""Stack configs as plain data (``avi-dsr:`` keys without the prefix) shared by tests."""

from __future__ import annotations

from typing import Any

LAB_VALUES: dict[str, Any] = {
    "controller": {
        "address": "https://avi.lab.example",
        "username": "admin",
        "apiVersion": "22.1.4",
    },
    "vcenter": {
        "server": "vc.lab.example",
        "username": "administrator@vsphere.local",
        "datacenter": "dc-01",
        "cluster": "cluster-01",
        "datastore": "ds-01",
        "folder": "avi-dsr",
        "template": "ubuntu-2204-tpl",
        "network": "seg-web",
    },
    "servers": [
        {
            "name": "web01",
            "kind": "vsphere",
            "ipv4": "198.51.100.11/24",
            "gateway4": "198.51.100.1",
            "ipv6": "2001:db8:20::11/64",
            "gateway6": "2001:db8:20::1",
        },
        {
            "name": "web02",
            "kind": "vsphere",
            "ipv4": "198.51.100.12/24",
            "gateway4": "198.51.100.1",
            "ipv6": "2001:db8:20::12/64",
            "gateway6": "2001:db8:20::1",
        },
    ],
    "services": [
        {
            "name": "web",
            "vip": "203.0.113.10",
            "prepareVip6": "2001:db8:100::10",
            "ports": [80],
            "servers": ["web01", "web02"],
            "healthMonitor": {"type": "tcp"},
            "placement": {"vipNetwork": "seg-vip", "vipSubnet": "203.0.113.0/24"},
        },
    ],
}

# The IPv6 variant (stacks/Pulumi.lab6.yaml): Avi 30.2.1, one service per address family.
LAB6_SERVICES: list[dict[str, Any]] = [
    {
        "name": "web",
        "vip": "203.0.113.10",
        "ports": [80],
        "servers": ["web01", "web02"],
        "placement": {"vipNetwork": "seg-vip", "vipSubnet": "203.0.113.0/24"},
    },
    {
        "name": "web6",
        "vip6": "2001:db8:100::10",
        "ports": [80],
        "servers": ["web01", "web02"],
        "placement": {"vipNetwork": "seg-vip", "vip6Subnet": "2001:db8:100::/64"},
    },
]
