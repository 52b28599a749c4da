"""The file set an existing server gets over SSH: path -> (mode, content)."""

from __future__ import annotations

from avi_dsr.server.modules import render_modules_load
from avi_dsr.server.mss import mss_files
from avi_dsr.server.netplan import render_netplan
from avi_dsr.server.paths import MODULES_LOAD_PATH, NETPLAN_PATH, SYSCTL_PATH
from avi_dsr.server.spec import ServerSpec
from avi_dsr.server.sysctl import render_sysctl


def server_files(spec: ServerSpec, *, tunnels_only: bool = True) -> dict[str, tuple[str, str]]:
    """path -> (mode, content) for a server configured over SSH.

    With `tunnels_only` (the default) the netplan file holds just the tunnels, so the server's
    existing ethernet config stays in charge; since its routes then set no MSS, the nftables MSS
    clamp and its unit (`mss.py`) come along when the server holds VIPs. A full render sets the
    MSS on its routes and gets no clamp: one mechanism per path. netplan files are 0600: netplan
    >= 0.106 warns about group/other-readable YAML.
    """
    files = {
        NETPLAN_PATH: ("0600", render_netplan(spec, tunnels_only=tunnels_only)),
        SYSCTL_PATH: ("0644", render_sysctl(spec)),
        MODULES_LOAD_PATH: ("0644", render_modules_load(spec)),
    }
    if tunnels_only:
        files.update(mss_files(spec))
    return files
