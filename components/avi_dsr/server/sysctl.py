"""The sysctl drop-in that makes a Linux host accept decapsulated DSR traffic and stay quiet on ARP.

netplan cannot set sysctls, so this goes to /etc/sysctl.d. Only `all`/`default` keys: per-device
keys for tunnels that do not exist yet make `sysctl -p` fail ("cannot stat"), and the kernel takes
the max of `all` and the device value for all three settings anyway.
"""

from avi_dsr.server.spec import ServerSpec

_SETTINGS = (
    # loose reverse-path filter: the inner packet arrives on the tunnel, the route back to the
    # client leaves via the ethernet; strict mode (1) would drop it. Never lower than loose.
    ("net.ipv4.conf.all.rp_filter", 2),
    ("net.ipv4.conf.default.rp_filter", 2),
    # answer ARP only for addresses on the receiving interface: never for a VIP on dsr4.
    ("net.ipv4.conf.all.arp_ignore", 1),
    # never use a VIP as the ARP sender address when replies leave with source = VIP.
    ("net.ipv4.conf.all.arp_announce", 2),
)


def render_sysctl(spec: ServerSpec) -> str:
    """Return the content of /etc/sysctl.d/99-zz-avi-dsr.conf for `spec` (same for every server)."""
    del spec  # the settings are host-wide and independent of the addresses
    lines = [
        "# avi-dsr: L3 DSR real server settings (generated; do not edit).",
        "# Named 99-zz so it is applied after distribution and hardening files.",
    ]
    lines += [f"{key} = {value}" for key, value in _SETTINGS]
    return "\n".join(lines) + "\n"


def sysctl_settings() -> dict[str, int]:
    """The keys and values the sysctl file sets, for checks and status output."""
    return dict(_SETTINGS)
