"""Stack config of a server farm: S services, each pooling all M existing servers.

Why this shape: in a real farm the servers are shared, so every server holds every service's
VIP and every pool lists every server. That is the worst case for the things that grow with
the stack (pool bodies, rendered server configs, state size) and the case the issue names.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

MAX_SERVERS = 200  # 198.51.100.11 .. .210
MAX_SERVICES = 240  # 203.0.113.10 .. .249


def farm_config(
    controller_url: str,
    ssh_port: int,
    host_key: str,
    private_key_file: Path,
    stage_root: Path,
    *,
    services: int,
    servers: int,
) -> dict[str, Any]:
    """The local stack's shape (existing servers over loopback SSH, staged) at any size."""
    if not 1 <= servers <= MAX_SERVERS or not 1 <= services <= MAX_SERVICES:
        raise ValueError(f"farm size {services}x{servers} is outside 1..{MAX_SERVICES} x 1..200")
    names = [f"web{i + 1:02d}" for i in range(servers)]
    return {
        "controller": {
            "address": controller_url,
            "username": "admin",
            "tenant": "admin",
            "apiVersion": "22.1.4",
            "verifyTls": False,
        },
        "ssh": {"user": "root", "port": ssh_port, "privateKeyFile": str(private_key_file)},
        "servers": [
            {
                "name": name,
                "kind": "existing",
                "ipv4": f"198.51.100.{11 + i}/24",
                "gateway4": "198.51.100.1",
                "ssh": {
                    "host": "127.0.0.1",
                    "hostKey": host_key,
                    "stageRoot": str(stage_root / name),
                },
            }
            for i, name in enumerate(names)
        ],
        "services": [
            {
                "name": f"svc{i:03d}",
                "vip": f"203.0.113.{10 + i}",
                "protocol": "tcp",
                "ports": [80],
                "servers": list(names),
                "healthMonitor": {"type": "tcp"},
            }
            for i in range(services)
        ],
    }


def with_one_member_disabled(config: dict[str, Any]) -> dict[str, Any]:
    """The first service's first member disabled: one pool changes, no server config does
    (the server still holds the VIP), so the controller should see exactly one PUT."""
    changed = copy.deepcopy(config)
    service = changed["services"][0]
    first, *rest = service["servers"]
    service["servers"] = [{"name": first, "enabled": False}, *rest]
    return changed
