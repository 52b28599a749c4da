"""Avi objects through the avi-dsr provider plugin (Contract 3 of docs/design.md)."""

from .connection import AviConnectionArgs
from .errors import AviProviderError
from .objects import AviObjects
from .resources import (
    AviResource,
    HealthMonitor,
    NetworkProfile,
    Pool,
    Provider,
    VirtualService,
    VsVip,
)
from .specs import SPECS, ObjectSpec

__all__ = [
    "SPECS",
    "AviConnectionArgs",
    "AviObjects",
    "AviProviderError",
    "AviResource",
    "HealthMonitor",
    "NetworkProfile",
    "ObjectSpec",
    "Pool",
    "Provider",
    "VirtualService",
    "VsVip",
]
