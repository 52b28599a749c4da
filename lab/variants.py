"""Negative-control render variants, derived from the renderer's real output.

The renderer (Contract 4) has no switch for broken configs, so each variant edits the rendered
bytes in the narrowest way that produces the fault. Each function fails loudly if the rendered
config no longer has what it edits: a silent no-op would turn a negative control into a pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml


class VariantError(ValueError):
    """The rendered config does not contain what a variant needs to edit."""


def _load_netplan(network_config: str) -> tuple[dict, dict]:
    """Returns (document, the mapping holding version/ethernets/tunnels)."""
    doc = yaml.safe_load(network_config) or {}
    inner = doc.get("network", doc) if isinstance(doc, dict) else None
    if not isinstance(inner, dict):
        raise VariantError("network_config: expected a netplan v2 mapping")
    return doc, inner


def _tunnels(inner: dict) -> dict:
    tunnels = inner.get("tunnels")
    if not tunnels:
        raise VariantError("network_config.tunnels: rendered config has no tunnels to edit")
    return tunnels


def strict_rp_filter(user_data: str, network_config: str) -> tuple[str, str]:
    """Every rp_filter key in the server's sysctl file becomes 1 (strict), as CIS would set."""
    edited, count = re.subn(r"(rp_filter\s*=\s*)\d", r"\g<1>1", user_data)
    if not count:
        raise VariantError("user_data: no rp_filter sysctl found to make strict")
    return edited, network_config


def no_vip(user_data: str, network_config: str) -> tuple[str, str]:
    """Tunnels stay, but carry no VIP address."""
    doc, inner = _load_netplan(network_config)
    for name, tunnel in _tunnels(inner).items():
        if not tunnel.get("addresses"):
            raise VariantError(f"network_config.tunnels.{name}.addresses: nothing to remove")
        del tunnel["addresses"]
    return user_data, yaml.safe_dump(doc, sort_keys=False)


def no_tunnel(user_data: str, network_config: str) -> tuple[str, str]:
    """The server is rendered without its tunnels (so without the VIPs they hold)."""
    doc, inner = _load_netplan(network_config)
    _tunnels(inner)
    del inner["tunnels"]
    return user_data, yaml.safe_dump(doc, sort_keys=False)


def no_mss(user_data: str, network_config: str) -> tuple[str, str]:
    """The default routes lose their MTU / advertised-MSS settings: full-size client segments
    no longer fit once the LB encapsulates them (the control for check 6)."""
    doc, inner = _load_netplan(network_config)
    removed = 0
    for name, ethernet in (inner.get("ethernets") or {}).items():
        for route in ethernet.get("routes") or []:
            for key in ("mtu", "advertised-mss"):
                removed += route.pop(key, None) is not None
        if not removed:
            raise VariantError(f"network_config.ethernets.{name}.routes: no mtu/advertised-mss")
    if not removed:
        raise VariantError("network_config.ethernets: no routes with mtu/advertised-mss")
    return user_data, yaml.safe_dump(doc, sort_keys=False)


def gre_vip_on_ipip(user_data: str, network_config: str) -> tuple[str, str]:
    """What avi-dsr rendered for a GRE service before GRE was carried through: the GRE VIP on
    the IP-in-IP tunnel dsr4, no GRE tunnel. The Service Engine's GRE packets then find no
    tunnel and are dropped (the silent blackhole of issue 9)."""
    doc, inner = _load_netplan(network_config)
    tunnels = _tunnels(inner)
    gre = tunnels.pop("dsr4gre", None)
    if not gre or not gre.get("addresses"):
        raise VariantError("network_config.tunnels.dsr4gre: no GRE tunnel with a VIP to move")
    ipip = tunnels.setdefault("dsr4", {**gre, "mode": "ipip", "addresses": []})
    ipip["addresses"] = [*ipip.get("addresses", []), *gre["addresses"]]
    return user_data, yaml.safe_dump(doc, sort_keys=False)


VARIANTS: dict[str, Callable[[str, str], tuple[str, str]]] = {
    "strict-rp-filter": strict_rp_filter,
    "no-vip": no_vip,
    "no-tunnel": no_tunnel,
    "no-mss": no_mss,
    "gre-vip-on-ipip": gre_vip_on_ipip,
}
