"""Renders every lab server with the project's real renderer (`avi_dsr.server`) and writes one
NoCloud seed directory per server: user-data, meta-data, network-config - the same bytes that go
into vSphere guestinfo. Negative controls are derived from those bytes (see variants.py).

Usage: python -m lab.seed OUT_DIR   (writes OUT_DIR/<server>/... and OUT_DIR/topology.json)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lab.topology import GATEWAY4, GATEWAY6, TOPOLOGY, VIP4, VIP6, LabServer
from lab.variants import VARIANTS

SEED_FILES = ("user-data", "meta-data", "network-config")


def server_spec(server: LabServer):
    """The ServerSpec a stack would give this server (Contract 4)."""
    from avi_dsr.server import ServerSpec

    return ServerSpec(
        name=server.name,
        interface=TOPOLOGY.interface,
        ipv4=server.ipv4,
        gateway4=GATEWAY4,
        ipv6=server.ipv6,
        gateway6=GATEWAY6,
        vips4=(VIP4,),
        vips6=(VIP6,),
        ubuntu_release="22.04",
        underlay_mtu=1500,
    )


def render_seed(server: LabServer) -> dict[str, str]:
    """Seed file name -> content for one server, variant applied."""
    from avi_dsr.server import render_cloud_init

    rendered = render_cloud_init(server_spec(server))
    user_data, network_config = rendered.user_data, rendered.network_config
    if server.variant != "rendered":
        user_data, network_config = VARIANTS[server.variant](user_data, network_config)
    return {
        "user-data": user_data,
        "meta-data": rendered.meta_data,
        "network-config": network_config,
    }


def write_seeds(out_dir: Path) -> list[Path]:
    """Writes every server's seed directory plus topology.json; returns the seed directories."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for server in TOPOLOGY.servers:
        seed_dir = out_dir / server.name
        seed_dir.mkdir(exist_ok=True)
        for name, content in render_seed(server).items():
            (seed_dir / name).write_text(content)
        (seed_dir / "variant").write_text(server.variant + "\n")
        written.append(seed_dir)
    (out_dir / "topology.json").write_text(json.dumps(TOPOLOGY.to_json_dict(), indent=2) + "\n")
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m lab.seed OUT_DIR", file=sys.stderr)
        return 2
    for seed_dir in write_seeds(Path(argv[0])):
        print(seed_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
