"""Parsing the reference forms clients send, and rendering the canonical forms back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from avisim.errors import ApiError

_API_PATH = re.compile(r"^/api/(?P<type>[a-z0-9-]+)/?(?P<uuid>[^/?#]*)/?$")


@dataclass(frozen=True)
class RefQuery:
    """What a reference points at: by uuid, or by name (optionally in another tenant/cloud)."""

    obj_type: str
    uuid: str | None = None
    name: str | None = None
    tenant: str | None = None
    cloud: str | None = None


def parse_ref(field: str, value: object) -> RefQuery:
    """Parse any reference form the controller accepts.

    ``https://host/api/pool/pool-1#web``, ``/api/pool/pool-1``, ``/api/pool?name=web`` and
    ``/api/pool/?name=web&tenant=t1&cloud=Default-Cloud`` all work.
    """
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"{field}: a reference must be a non-empty string, got {value!r}")
    parts = urlsplit(value)
    match = _API_PATH.match(parts.path)
    if not match:
        raise ApiError(
            400,
            f"{field}: '{value}' is not a reference; use /api/<type>/<uuid> or "
            "/api/<type>?name=<name>",
        )
    query = parse_qs(parts.query)
    uuid = match["uuid"] or None
    name = _single(query, "name")
    if uuid is None and name is None:
        raise ApiError(400, f"{field}: '{value}' names neither a uuid nor ?name=")
    return RefQuery(
        obj_type=match["type"],
        uuid=uuid,
        name=None if uuid else name,
        tenant=_single(query, "tenant"),
        cloud=_single(query, "cloud"),
    )


def canonical_ref(obj_type: str, uuid: str) -> str:
    """The host-less form the simulator stores: ``/api/<type>/<uuid>``."""
    return f"/api/{obj_type}/{uuid}"


def split_canonical(ref: str) -> tuple[str, str]:
    """``/api/pool/pool-1`` -> ("pool", "pool-1")."""
    _, _, obj_type, uuid = ref.split("/", 3)
    return obj_type, uuid


def _single(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None
