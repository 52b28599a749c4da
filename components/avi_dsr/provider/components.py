"""The component half of the plugin: `Construct` of the avi-dsr components for other languages.

The SDK's component host does the work (it analyses `avi_dsr.package`'s classes into a schema and
builds them on Construct); this module only creates it when first needed, so a run that never
constructs (every Python program) does not pay for importing the components' dependencies.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from avi_dsr.avi.tokens import PACKAGE

_LOCK = threading.Lock()


class Components:
    """Lazily made ComponentProvider + its Construct servicer, and its half of the schema."""

    def __init__(self, version: str, engine_address: str) -> None:
        self._version = version
        self._engine_address = engine_address
        self._provider: Any = None
        self._servicer: Any = None

    def _ensure(self) -> None:
        with _LOCK:
            if self._provider is not None:
                return
            from pulumi.provider.experimental.component import ComponentProvider
            from pulumi.provider.server import ProviderServicer

            from avi_dsr import package

            classes = [
                package.L3DsrService,
                package.DsrNetworkProfile,
                package.DsrPool,
                package.DsrVirtualService,
                package.ExistingDsrServer,
                package.VsphereDsrServer,
            ]
            self._provider = ComponentProvider(classes, PACKAGE, version=self._version)
            self._servicer = ProviderServicer(self._provider, [], self._engine_address)

    def schema(self) -> dict[str, Any]:
        self._ensure()
        return json.loads(self._provider.schema)

    async def Construct(self, request: Any, context: Any) -> Any:
        self._ensure()
        return await self._servicer.Construct(request, context)
