"""Turning stored objects into their wire form: absolute refs, ``#name``, ``fields=``, paging."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from avisim.objtypes import is_ref_field

NameOf = Callable[[str], str | None]
ALWAYS_RETURNED = ("name", "url", "uuid")


def render_object(
    obj_type: str, obj: Mapping[str, Any], base_url: str, name_of: NameOf, *, with_names: bool
) -> dict[str, Any]:
    """Canonical ``/api/x/uuid`` refs become ``<base>/api/x/uuid`` (+ ``#name``); adds ``url``."""
    out = _render_node(obj, base_url, name_of, with_names)
    self_ref = f"/api/{obj_type}/{obj['uuid']}"
    out["url"] = _absolute(self_ref, base_url, obj.get("name") if with_names else None)
    return out


def select_fields(obj: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """``fields=a,b``: only those keys, plus name/url/uuid which the controller always returns."""
    if not fields:
        return obj
    wanted = {f.strip() for f in fields.split(",") if f.strip()} | set(ALWAYS_RETURNED)
    return {k: v for k, v in obj.items() if k in wanted}


def next_page_url(base_url: str, obj_type: str, params: Mapping[str, str], page: int) -> str:
    query = dict(params)
    query["page"] = str(page)
    return f"{base_url}/api/{obj_type}?{urlencode(query)}"


def _render_node(node: Any, base_url: str, name_of: NameOf, with_names: bool) -> Any:
    if isinstance(node, Mapping):
        out = {}
        for key, value in node.items():
            if is_ref_field(key) and isinstance(value, str):
                out[key] = _ref(value, base_url, name_of, with_names)
            elif is_ref_field(key) and isinstance(value, list):
                out[key] = [_ref(v, base_url, name_of, with_names) for v in value]
            else:
                out[key] = _render_node(value, base_url, name_of, with_names)
        return out
    if isinstance(node, list):
        return [_render_node(v, base_url, name_of, with_names) for v in node]
    return node


def _ref(ref: Any, base_url: str, name_of: NameOf, with_names: bool) -> Any:
    if not isinstance(ref, str) or not ref.startswith("/api/"):
        return ref
    return _absolute(ref, base_url, name_of(ref) if with_names else None)


def _absolute(ref: str, base_url: str, name: str | None) -> str:
    return f"{base_url}{ref}#{name}" if name else f"{base_url}{ref}"
