"""Avi object references in every form the controller accepts, reduced to comparable parts.

Forms: `/api/pool?name=x[&tenant=t&cloud=c]`, `/api/pool/?name=x`, `https://host/api/pool/pool-uuid#x`,
`/api/pool/pool-uuid`, and a bare uuid. Responses render refs absolute and (on writes) with `#name`;
users write them by name. Comparing needs both the uuid and, where known, the name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

_UUID_RE = re.compile(
    r"[a-z][a-z0-9]*-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
_API_PATH_RE = re.compile(r"/api/(?P<type>[a-z0-9_-]+)/?(?P<uuid>[^/?#\s]*)\Z")


@dataclass(frozen=True)
class ParsedRef:
    """What a reference points at; uuid or name (or both) may be missing."""

    obj_type: str | None
    uuid: str | None
    name: str | None


def looks_like_uuid(value: str) -> bool:
    """Avi uuids are `<type>-<uuid4>` (the admin tenant's uuid `admin` is the one exception)."""
    return bool(_UUID_RE.fullmatch(value))


def parse_ref(value: str) -> ParsedRef | None:
    """Split a ref into type/uuid/name, or None when the string is not a ref at all."""
    if looks_like_uuid(value):
        return ParsedRef(value.split("-", 1)[0], value, None)
    if "/api/" not in value:
        return None
    parts = urlsplit(value)
    match = _API_PATH_RE.search(parts.path)
    if not match:
        return None
    query = parse_qs(parts.query)
    name = query.get("name", [None])[0] or (parts.fragment or None)
    return ParsedRef(match["type"], match["uuid"] or None, name)


def canonical_ref(value: str) -> str:
    """`https://h/api/pool/pool-1#x` -> `/api/pool/pool-1#x`: host dropped, the name kept (a
    by-name ref in a body compares with it); by-name refs and non-refs unchanged."""
    parsed = parse_ref(value)
    if parsed is None or parsed.uuid is None or parsed.obj_type is None:
        return value
    name = f"#{parsed.name}" if parsed.name else ""
    return f"/api/{parsed.obj_type}/{parsed.uuid}{name}"


def is_ref_field(key: str) -> bool:
    """Avi names every reference field `*_ref` or `*_refs`."""
    return key.endswith("_ref") or key.endswith("_refs")


def canonicalize_refs(obj: object, key: str = "") -> object:
    """Deep copy with every ref rewritten to `/api/<type>/<uuid>` so create and read agree."""
    if isinstance(obj, Mapping):
        return {k: canonicalize_refs(v, k) for k, v in obj.items()}
    if isinstance(obj, list):
        return [canonicalize_refs(v, key) for v in obj]
    if isinstance(obj, str) and (is_ref_field(key) or key == "url"):
        return canonical_ref(obj)
    return obj


def harvest_names(obj: object, found: dict[str, str] | None = None) -> dict[str, str]:
    """uuid -> name for every `...#name` ref in a (write) response."""
    found = {} if found is None else found
    if isinstance(obj, Mapping):
        for value in obj.values():
            harvest_names(value, found)
    elif isinstance(obj, list):
        for value in obj:
            harvest_names(value, found)
    elif isinstance(obj, str) and "#" in obj:
        parsed = parse_ref(obj)
        if parsed and parsed.uuid and parsed.name:
            found[parsed.uuid] = parsed.name
    return found


def refs_equal(desired: str, observed: str, names: Mapping[str, str]) -> bool:
    """True when both strings point at the same object, by uuid or, failing that, by name."""
    want, have = parse_ref(desired), parse_ref(observed)
    if want is None or have is None:
        return desired == observed
    if want.obj_type and have.obj_type and want.obj_type != have.obj_type:
        return False
    if want.uuid and have.uuid:
        return want.uuid == have.uuid
    have_name = have.name or (names.get(have.uuid) if have.uuid else None)
    want_name = want.name or (names.get(want.uuid) if want.uuid else None)
    return want_name is not None and want_name == have_name
