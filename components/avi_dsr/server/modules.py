"""modules-load.d file: load the tunnel drivers at boot, before networkd creates the tunnels."""

from avi_dsr.server.spec import ServerSpec


def required_modules(spec: ServerSpec) -> tuple[str, ...]:
    """Kernel modules the spec's tunnels need: `ipip` for dsr4, `ip6_tunnel` for dsr6,
    `ip_gre` for dsr4gre."""
    modules: list[str] = []
    if spec.needs_ipip:
        modules.append("ipip")
    if spec.needs_ip6ip6:
        modules.append("ip6_tunnel")
    if spec.needs_gre:
        modules.append("ip_gre")
    return tuple(modules)


def render_modules_load(spec: ServerSpec) -> str:
    """Return the content of /etc/modules-load.d/avi-dsr.conf: one module per line."""
    lines = ["# avi-dsr: tunnel drivers for L3 DSR (generated; do not edit)."]
    lines += list(required_modules(spec))
    return "\n".join(lines) + "\n"
