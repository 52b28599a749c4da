"""Subset comparison and merge of Avi bodies (the semantics of Ansible's avi_obj_cmp).

The desired body must be *contained* in the observed object: keys the user did not set are the
controller's business, lists compare element-wise (by key where the spec says so), refs compare
equal in every form.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .refs import is_ref_field, refs_equal
from .specs import ObjectSpec
from .values import is_unknown


def differences(
    desired: Any,
    observed: Any,
    spec: ObjectSpec,
    names: Mapping[str, str],
    path: str = "",
    key: str = "",
) -> list[str]:
    """Paths where `desired` is not contained in `observed` (empty list = in sync)."""
    if is_unknown(desired):
        return [path or "<root>"]
    if isinstance(desired, Mapping):
        if not isinstance(observed, Mapping):
            return [path or "<root>"]
        found: list[str] = []
        for field, want in desired.items():
            if field in spec.skipped:
                continue
            sub = f"{path}.{field}" if path else field
            if field not in observed:
                if want is not None:
                    found.append(sub)
                continue
            found += differences(want, observed[field], spec, names, sub, field)
        return found
    if isinstance(desired, list):
        return _list_differences(desired, observed, spec, names, path, key)
    return [] if _scalars_equal(desired, observed, key, names) else [path]


def _list_differences(
    desired: list[Any],
    observed: Any,
    spec: ObjectSpec,
    names: Mapping[str, str],
    path: str,
    key: str,
) -> list[str]:
    if not isinstance(observed, list) or len(observed) != len(desired):
        return [path]
    key_path = spec.list_keys.get(key)
    if key_path is not None:
        by_key = {_dig(item, key_path): item for item in observed}
        pairs = [(want, by_key.get(_dig(want, key_path))) for want in desired]
    else:
        pairs = list(zip(desired, observed, strict=True))
    found: list[str] = []
    for index, (want, have) in enumerate(pairs):
        found += differences(want, have, spec, names, f"{path}[{index}]", key)
    return found


def _scalars_equal(want: Any, have: Any, key: str, names: Mapping[str, str]) -> bool:
    if isinstance(want, str) and isinstance(have, str) and is_ref_field(key):
        return refs_equal(want, have, names)
    if isinstance(want, bool) or isinstance(have, bool):
        return want is have or (want == have and type(want) is type(have))
    if isinstance(want, int | float) and isinstance(have, int | float):
        return want == have
    if isinstance(want, str) != isinstance(have, str) and None not in (want, have):
        return str(want) == str(have)  # Avi keeps some numbers as strings (vip_id "0")
    return want == have


def _dig(item: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(item, Mapping):
            return None
        item = item.get(part)
    return item


def merge(observed: Mapping[str, Any], desired: Mapping[str, Any], spec: ObjectSpec) -> dict:
    """Desired over observed: what to PUT so the controller keeps the fields it owns.

    Dicts merge recursively; keyed lists merge element by key (new elements go as given, elements
    the user dropped go away); other lists merge by position when lengths match, else are replaced.
    """
    merged = _merge_value(copy.deepcopy(dict(observed)), desired, spec, "")
    for field in spec.skipped - {"uuid"}:
        merged.pop(field, None)
    return merged


def _merge_value(have: Any, want: Any, spec: ObjectSpec, key: str) -> Any:
    if isinstance(want, Mapping) and isinstance(have, Mapping):
        out = dict(have)
        for field, value in want.items():
            out[field] = _merge_value(have.get(field), value, spec, field)
        return out
    if isinstance(want, list) and isinstance(have, list):
        key_path = spec.list_keys.get(key)
        if key_path is not None:
            by_key = {_dig(item, key_path): item for item in have}
            return [_merge_value(by_key.get(_dig(w, key_path)), w, spec, key) for w in want]
        if len(want) == len(have):
            return [_merge_value(h, w, spec, key) for h, w in zip(have, want, strict=True)]
    return copy.deepcopy(want)


def without_fields(body: Mapping[str, Any], fields: set[str]) -> dict[str, Any]:
    """Top-level copy without `fields` (fields the user removed revert to controller defaults)."""
    return {k: v for k, v in body.items() if k not in fields}
