"""Renders every lab server with the project's real renderer (`avi_dsr.server`) and writes one
seed directory per server. New servers get a NoCloud seed: user-data, meta-data, network-config -
the same bytes that go into vSphere guestinfo; negative controls are derived from those bytes (see
variants.py). The existing server gets what `ExistingDsrServer` runs over SSH: `apply.cmd` and
`remove.cmd` (the exact remote commands), the readable scripts, and the plain netplan file the
host already has before avi-dsr.

Usage: python -m lab.seed OUT_DIR   (writes OUT_DIR/<server>/... and OUT_DIR/topology.json)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lab.topology import GATEWAY4, GATEWAY6, GRE_VIP4, TOPOLOGY, VIP4, VIP6, LabServer
from lab.variants import VARIANTS

SEED_FILES = ("user-data", "meta-data", "network-config")
EXISTING_FILES = ("apply.cmd", "remove.cmd", "apply.sh", "remove.sh", "existing-netplan.yaml")


def server_spec(server: LabServer):
    """The ServerSpec a stack would give this server (Contract 4): the VIPs of its services,
    each on the tunnel type of its service's encapsulation."""
    from avi_dsr.server import ServerSpec

    ipip = "ipip" in server.services
    return ServerSpec(
        name=server.name,
        interface=TOPOLOGY.interface,
        ipv4=server.ipv4,
        gateway4=GATEWAY4,
        ipv6=server.ipv6,
        gateway6=GATEWAY6,
        vips4=(VIP4,) if ipip else (),
        vips6=(VIP6,) if ipip else (),
        gre_vips4=(GRE_VIP4,) if "gre" in server.services else (),
        ubuntu_release="22.04",
        underlay_mtu=1500,
    )


def render_seed(server: LabServer) -> dict[str, str]:
    """Seed file name -> content for one server, variant applied."""
    if server.role == "existing":
        return render_existing(server)
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


def render_existing(server: LabServer) -> dict[str, str]:
    """The SSH commands of an existing server, byte for byte what the component sends."""
    from avi_dsr.server import render_apply_script, render_remove_script
    from avi_dsr.servers import DEFAULT_COMMAND_TIMEOUT
    from avi_dsr.servers import _runner as as_root  # the wrapper ExistingDsrServer applies

    spec = server_spec(server)
    apply_script, remove_script = render_apply_script(spec), render_remove_script(spec)
    run = as_root(spec.name, "root", staged=False, seconds=DEFAULT_COMMAND_TIMEOUT)
    return {
        "apply.cmd": run(apply_script, "apply"),
        "remove.cmd": run(remove_script, "remove"),
        "apply.sh": apply_script,
        "remove.sh": remove_script,
        "existing-netplan.yaml": existing_netplan(server),
    }


def existing_netplan(server: LabServer) -> str:
    """The host's own netplan before avi-dsr: a static ethernet, nothing DSR about it (no MSS
    settings on its routes, so only the rendered nftables clamp can lower the MSS)."""
    import yaml

    ethernet = {
        "dhcp4": False,
        "dhcp6": False,
        "accept-ra": False,
        "addresses": [str(server.ipv4), str(server.ipv6)],
        "routes": [
            {"to": "default", "via": str(GATEWAY4)},
            {"to": "::/0", "via": str(GATEWAY6)},
        ],
    }
    document = {"network": {"version": 2, "ethernets": {TOPOLOGY.interface: ethernet}}}
    return yaml.safe_dump(document, sort_keys=False)


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
