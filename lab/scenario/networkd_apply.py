"""Applies systemd-networkd files (as produced by `netplan generate --root-dir`) to a network
namespace with iproute2. The root-namespace server gets the real networkd; namespace servers get
the same rendered semantics through this translator, so several servers can share one guest.

Every key the translator does not understand is reported, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

HANDLED = {
    ("NetDev", "Name"),
    ("NetDev", "Kind"),
    ("Tunnel", "Local"),
    ("Tunnel", "Remote"),
    ("Tunnel", "Mode"),
    ("Tunnel", "Independent"),
    ("Match", "Name"),
    ("Network", "Address"),
    ("Route", "Destination"),
    ("Route", "Gateway"),
    ("Route", "MTUBytes"),
    ("Link", "MTUBytes"),
    ("Route", "TCPAdvertisedMaximumSegmentSize"),
}
# keys that are meaningful for networkd but need no command in a static namespace
NO_OP = {
    ("Network", "LinkLocalAddressing"),
    ("Network", "ConfigureWithoutCarrier"),
    ("Network", "IPv6AcceptRA"),
    ("Network", "DHCP"),
    ("Network", "DNS"),
    ("Network", "Domains"),
    ("Network", "Bridge"),
    ("Match", "PermanentMACAddress"),
    ("Route", "GatewayOnLink"),
}


@dataclass
class UnitFile:
    sections: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)

    def values(self, section: str, key: str) -> list[str]:
        return [v for name, items in self.sections if name == section for k, v in items if k == key]

    def first(self, section: str, key: str, default: str = "") -> str:
        found = self.values(section, key)
        return found[0] if found else default


def parse_unit(text: str) -> UnitFile:
    """systemd unit syntax; repeated keys and repeated sections (several [Route]) are kept."""
    unit = UnitFile()
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            unit.sections.append((line[1:-1], []))
        elif "=" in line and unit.sections:
            key, value = line.split("=", 1)
            unit.sections[-1][1].append((key.strip(), value.strip()))
    return unit


def _unknown_keys(unit: UnitFile, source: str) -> list[str]:
    return [
        f"{source}: [{s}] {k}={v}"
        for s, items in unit.sections
        for k, v in items
        if (s, k) not in HANDLED and (s, k) not in NO_OP
    ]


def netdev_commands(unit: UnitFile) -> list[list[str]]:
    name, kind = unit.first("NetDev", "Name"), unit.first("NetDev", "Kind")
    local = unit.first("Tunnel", "Local", "any")
    remote = unit.first("Tunnel", "Remote", "any")
    if kind in ("ipip", "gre"):
        return [["ip", "link", "add", name, "type", kind, "local", local, "remote", remote]]
    if kind == "ip6tnl":
        mode = unit.first("Tunnel", "Mode", "ip6ip6")
        return [
            [
                "ip",
                "link",
                "add",
                name,
                "type",
                "ip6tnl",
                "mode",
                mode,
                "local",
                local,
                "remote",
                remote,
            ]
        ]
    raise ValueError(f"netdev {name}: Kind={kind} is not supported by the lab translator")


def network_commands(unit: UnitFile) -> list[list[str]]:
    dev = unit.first("Match", "Name")
    cmds: list[list[str]] = []
    mtu = unit.first("Link", "MTUBytes")
    if mtu:
        cmds.append(["ip", "link", "set", dev, "mtu", mtu])
    cmds.append(["ip", "link", "set", dev, "up"])
    for address in unit.values("Network", "Address"):
        extra = ["nodad"] if ":" in address else []  # the lab has no duplicates; skip the DAD wait
        cmds.append(["ip", "addr", "add", address, "dev", dev, *extra])
    for section, items in unit.sections:
        if section != "Route":
            continue
        route = dict(items)
        gateway = route.get("Gateway", "")
        family6 = ":" in gateway or ":" in route.get("Destination", "")
        dest = route.get("Destination") or ("::/0" if family6 else "0.0.0.0/0")
        cmd = ["ip", "-6" if family6 else "-4", "route", "add", dest]
        if gateway:
            cmd += ["via", gateway]
        cmd += ["dev", dev]
        if route.get("MTUBytes"):
            cmd += ["mtu", route["MTUBytes"]]
        if route.get("TCPAdvertisedMaximumSegmentSize"):
            cmd += ["advmss", route["TCPAdvertisedMaximumSegmentSize"]]
        cmds.append(cmd)
    return cmds


def plan(networkd_dir: Path) -> tuple[list[list[str]], list[str]]:
    """(commands: netdevs, then networks with tunnels after their underlay), unknown keys."""
    netdevs, networks, unknown = [], [], []
    for path in sorted(networkd_dir.glob("*.netdev")):
        unit = parse_unit(path.read_text())
        netdevs += netdev_commands(unit)
        unknown += _unknown_keys(unit, path.name)
    tunnel_names = {cmd[3] for cmd in netdevs}
    ordered = sorted(
        networkd_dir.glob("*.network"),
        key=lambda p: parse_unit(p.read_text()).first("Match", "Name") in tunnel_names,
    )
    for path in ordered:
        unit = parse_unit(path.read_text())
        networks += network_commands(unit)
        unknown += _unknown_keys(unit, path.name)
    return netdevs + networks, unknown
