"""Per-request facts the controller needs: who is asking, in which tenant, at which API version."""

from __future__ import annotations

from dataclasses import dataclass

from avisim.versions import Version


@dataclass(frozen=True)
class RequestContext:
    """``tenant`` is a tenant uuid; ``base_url`` prefixes refs in responses; ``api_version`` is
    the request's X-Avi-Version (16.4.1 when absent)."""

    tenant: str
    api_version: Version
    base_url: str
