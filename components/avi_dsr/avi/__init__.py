"""Avi objects as Pulumi dynamic resources on avisdk (Contract 3 of docs/design.md)."""

from .connection import AviConnectionArgs
from .errors import AviProviderError
from .provider import AviObjectProvider
from .resources import (
    AviResource,
    HealthMonitor,
    NetworkProfile,
    Pool,
    VirtualService,
    VsVip,
)
from .specs import SPECS, ObjectSpec

__all__ = [
    "SPECS",
    "AviConnectionArgs",
    "AviObjectProvider",
    "AviProviderError",
    "AviResource",
    "HealthMonitor",
    "NetworkProfile",
    "ObjectSpec",
    "Pool",
    "VirtualService",
    "VsVip",
]
