"""avi-dsr: L3 Direct Server Return on VMware Avi as Pulumi components.

Importing the package is cheap: the components (and Pulumi, vsphere, command SDKs) load on first
use of a name below, and nothing registers resources at import time.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ConfigError": "avi_dsr.config",
    "StackSpec": "avi_dsr.config",
    "ServiceSpec": "avi_dsr.config",
    "parse_stack": "avi_dsr.config",
    "DsrNetworkProfile": "avi_dsr.network_profile",
    "DsrNetworkProfileArgs": "avi_dsr.network_profile",
    "DsrPool": "avi_dsr.pool",
    "DsrPoolArgs": "avi_dsr.pool",
    "DsrVirtualService": "avi_dsr.virtual_service",
    "DsrVirtualServiceArgs": "avi_dsr.virtual_service",
    "VsphereDsrServer": "avi_dsr.servers",
    "VsphereDsrServerArgs": "avi_dsr.servers",
    "ExistingDsrServer": "avi_dsr.servers",
    "ExistingDsrServerArgs": "avi_dsr.servers",
    "L3DsrService": "avi_dsr.service",
    "L3DsrServiceArgs": "avi_dsr.service",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'avi_dsr' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
