"""Pure renderers for DSR-ready Ubuntu servers (Contract 4 of docs/design.md).

Everything here is a deterministic function of a `ServerSpec`: no I/O, no clock, no randomness.
"""

from avi_dsr.server.cloud_init import CloudInit, guestinfo_extra_config, render_cloud_init
from avi_dsr.server.digest import config_digest
from avi_dsr.server.files import server_files
from avi_dsr.server.modules import render_modules_load
from avi_dsr.server.mss import render_mss_ruleset, render_mss_unit
from avi_dsr.server.netplan import render_netplan
from avi_dsr.server.paths import (
    MODULES_LOAD_PATH,
    MSS_RULESET_PATH,
    MSS_UNIT_PATH,
    NETPLAN_PATH,
    SYSCTL_PATH,
)
from avi_dsr.server.scripts import render_apply_script, render_remove_script
from avi_dsr.server.spec import FieldError, ServerSpec, ServerSpecError
from avi_dsr.server.sysctl import render_sysctl

__all__ = [
    "MODULES_LOAD_PATH",
    "MSS_RULESET_PATH",
    "MSS_UNIT_PATH",
    "NETPLAN_PATH",
    "SYSCTL_PATH",
    "CloudInit",
    "FieldError",
    "ServerSpec",
    "ServerSpecError",
    "config_digest",
    "guestinfo_extra_config",
    "render_apply_script",
    "render_cloud_init",
    "render_modules_load",
    "render_mss_ruleset",
    "render_mss_unit",
    "render_netplan",
    "render_remove_script",
    "render_sysctl",
    "server_files",
]
