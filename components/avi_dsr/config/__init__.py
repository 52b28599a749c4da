"""Stack config (``avi-dsr:*`` keys, docs/design.md Contract 5) -> validated ``StackSpec``.

:func:`parse_stack` serves both ``pulumi up`` (``__main__.py``) and ``avi-dsr render``: it reads
everything, then raises one :class:`ConfigError` listing every problem with its key and fix,
before any resource is registered. Values come from :mod:`avi_dsr.config.sources`.
"""

from avi_dsr.config.parse import parse_stack
from avi_dsr.config.specs import (
    DNS_RECORD_TYPES,
    HTTP_CODES,
    KNOWN_KEYS,
    MIN_DSR_VERSION,
    MIN_GRE_VERSION,
    MIN_IPV6_DSR_VERSION,
    NAMESPACE,
    NEWEST_KNOWN_API_VERSION,
    PLAIN_KEYS,
    SECRET_KEYS,
    ConfigError,
    ControllerConfig,
    HealthMonitorConfig,
    MemberConfig,
    NetworkProfileConfig,
    PlacementConfig,
    PortRange,
    ServerConfig,
    ServerNetwork,
    ServiceSpec,
    SshConfig,
    StackSpec,
    VcenterConfig,
    VsphereOverrides,
)
from avi_dsr.server.spec import UBUNTU_RELEASES

__all__ = [
    "DNS_RECORD_TYPES",
    "HTTP_CODES",
    "KNOWN_KEYS",
    "MIN_DSR_VERSION",
    "MIN_GRE_VERSION",
    "MIN_IPV6_DSR_VERSION",
    "NAMESPACE",
    "NEWEST_KNOWN_API_VERSION",
    "PLAIN_KEYS",
    "SECRET_KEYS",
    "UBUNTU_RELEASES",
    "ConfigError",
    "ControllerConfig",
    "HealthMonitorConfig",
    "MemberConfig",
    "NetworkProfileConfig",
    "PlacementConfig",
    "PortRange",
    "ServerConfig",
    "ServerNetwork",
    "ServiceSpec",
    "SshConfig",
    "StackSpec",
    "VcenterConfig",
    "VsphereOverrides",
    "parse_stack",
]
