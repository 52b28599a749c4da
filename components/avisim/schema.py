"""The simulator's reading of Avi's Swagger: what a body may hold, at which API version, in which
edition, and which defaults the controller fills.

The data is ``schemas/avi-<release>.json``, derived by ``python -m avisim.derive_schema`` from
Avi's Swagger files (see that module for the phrases it reads). Every rule here comes from a
field spec of that data: ``type``/``enum``/``min``-``max``/``required`` (Swagger types and prose),
``since`` ("Field introduced in X"), ``essentials`` / ``essentials_default`` (the edition prose).
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from avisim.versions import Version, available

SCHEMA_DIR = Path(__file__).with_name("schemas")
ENTERPRISE = "enterprise"
ESSENTIALS = "essentials"
EDITIONS = (ENTERPRISE, ESSENTIALS)
_INDEX = re.compile(r"\[\d*\]")

Spec = Mapping[str, Any]


def known_versions() -> list[str]:
    """Releases with a derived schema, oldest first."""
    names = (p.stem.removeprefix("avi-") for p in SCHEMA_DIR.glob("avi-*.json"))
    return sorted(names, key=lambda v: tuple(int(x) for x in v.split(".")))


def load_schema(release: str) -> Schema:
    """The schema of one release (cached); an unknown release names the known ones."""
    if release not in known_versions():
        raise ValueError(
            f"no Avi schema for controller version {release!r}; "
            f"known: {', '.join(known_versions())}"
        )
    return _load(release)


@cache
def _load(release: str) -> Schema:
    path = SCHEMA_DIR / f"avi-{release}.json"
    return Schema(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class FieldUse:
    """One field present in a body: where, its name, its spec, its value."""

    path: str
    name: str
    spec: Spec
    value: Any


class Schema:
    """Field structure per object type of one Avi release."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.version: str = document["version"]
        self._objects: dict[str, str] = dict(document["objects"])
        self._defs: dict[str, dict[str, Any]] = document["definitions"]
        self.object_types: tuple[str, ...] = tuple(self._objects)

    def __repr__(self) -> str:
        return f"Schema(version={self.version!r})"

    # ---- checks on what a client sent ------------------------------------------------------

    def violations(self, obj_type: str, body: Mapping[str, Any]) -> list[str]:
        """Types, enums, ranges, list lengths, required and unknown fields (Swagger types and
        the "Enum options"/"Allowed values"/"Minimum of"/"Maximum of" prose)."""
        found: list[str] = []
        self._check_object(self._root(obj_type), body, "", found)
        return found

    def newer_field(
        self, obj_type: str, body: Mapping[str, Any], request: Version
    ) -> FieldUse | None:
        """The first field the request's API version does not have yet ("Field introduced in")."""
        for use in self.fields_in(obj_type, body):
            if not available(use.spec.get("since"), request):
                return use
        return None

    def essentials_problems(self, obj_type: str, body: Mapping[str, Any]) -> list[str]:
        """What the Essentials edition refuses ("Allowed in Enterprise edition with any value,
        Essentials edition(Allowed values- false), ..."); a field whose clause omits Essentials
        is refused unless it holds its default."""
        problems = []
        for use in self.fields_in(obj_type, body):
            rule = use.spec.get("essentials")
            if rule is None:
                continue
            if rule is False:
                if use.value != use.spec.get("default"):
                    problems.append(f"{use.path} is not allowed in the Essentials edition")
                continue
            values = use.value if isinstance(use.value, list) else [use.value]
            wrong = [v for v in values if not isinstance(v, Mapping) and v not in rule]
            if wrong:
                allowed = ", ".join(map(_text, rule))
                problems.append(
                    f"{use.path}: {_text(wrong[0])} is not allowed in the Essentials edition "
                    f"(allowed: {allowed})"
                )
        return problems

    def fields_in(self, obj_type: str, body: Mapping[str, Any]) -> Iterator[FieldUse]:
        """Every known field present in ``body``, depth first, with its spec."""
        yield from self._walk(self._root(obj_type), body, "")

    # ---- what the controller does to a body --------------------------------------------------

    def with_defaults(
        self, obj_type: str, body: Mapping[str, Any], edition: str = ENTERPRISE
    ) -> dict[str, Any]:
        """A deep copy with defaults filled in every sub-object present. Essentials gets its
        "Special default for Essentials edition" and never a field it may not set."""
        return self._fill(self._root(obj_type), copy.deepcopy(dict(body)), edition)

    def strip_defaults(self, obj_type: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """What ``skip_default=true`` returns: fields equal to their default left out."""
        return self._strip(self._root(obj_type), body)

    def for_version(self, obj_type: str, body: Mapping[str, Any], request: Version) -> Any:
        """The body as a client of an older API version sees it: fields introduced after its
        version dropped (Avi API versioning: responses are "passed through a series of reverse
        migration routines to make it compatible with the object model expected by the caller",
        avinetworks.com/docs/latest/api-versioning/)."""
        return self._older(self._root(obj_type), body, request)

    def essentials_default(self, obj_type: str, field: str) -> Any:
        """The "Special default for Essentials edition" of a top-level field, or None."""
        return self._root(obj_type)["fields"].get(field, {}).get("essentials_default")

    def ref_target(self, obj_type: str, path: str) -> str | None:
        """The object type a ref field points at: ("virtualservice", "pool_ref") -> "pool".
        ``path`` is dotted; list indexes (``vip[0].network_ref``) are ignored."""
        definition = self._root(obj_type)
        segments = [s for s in _INDEX.sub("", path).split(".") if s]
        spec: Spec | None = None
        for position, segment in enumerate(segments):
            spec = definition["fields"].get(segment)
            if spec is None:
                return None
            spec = spec.get("items", spec)
            if position < len(segments) - 1:
                if "def" not in spec:
                    return None
                definition = self._defs[spec["def"]]
        return spec.get("ref") if spec else None

    # ---- internals --------------------------------------------------------------------------

    def _root(self, obj_type: str) -> dict[str, Any]:
        try:
            return self._defs[self._objects[obj_type]]
        except KeyError:
            raise ValueError(f"no schema for object type {obj_type!r}") from None

    def _walk(self, definition: Spec, body: Any, path: str) -> Iterator[FieldUse]:
        if not isinstance(body, Mapping):
            return
        for name, value in body.items():
            spec = definition["fields"].get(name)
            if spec is None or value is None:
                continue
            here = _join(path, name)
            yield FieldUse(here, name, spec, value)
            inner = spec.get("items", spec)
            if "def" not in inner:
                continue
            children = value if spec["type"] == "array" and isinstance(value, list) else [value]
            for index, child in enumerate(children):
                where = f"{here}[{index}]" if spec["type"] == "array" else here
                yield from self._walk(self._defs[inner["def"]], child, where)

    def _check_object(self, definition: Spec, body: Any, path: str, found: list[str]) -> None:
        if not isinstance(body, Mapping):
            found.append(f"{path or '(body)'}: {_text(body)} must be an object")
            return
        fields = definition["fields"]
        for name in definition.get("required", ()):
            if body.get(name) is None:
                found.append(f"{_join(path, name)} is required")
        for name, value in body.items():
            spec = fields.get(name)
            if spec is None:
                found.append(f"{_join(path, name)}: {_text(value)} {_unknown(name, fields)}")
            elif value is not None:
                self._check_value(spec, value, _join(path, name), found)

    def _check_value(self, spec: Spec, value: Any, path: str, found: list[str]) -> None:
        if spec["type"] == "array":
            if not isinstance(value, list):
                found.append(f"{path}: {_text(value)} must be a list")
                return
            if len(value) < spec.get("min_items", 0):
                found.append(f"{path}: must have at least {spec['min_items']} item(s)")
            if "max_items" in spec and len(value) > spec["max_items"]:
                found.append(f"{path}: must have at most {spec['max_items']} item(s)")
            for index, item in enumerate(value):
                self._check_value(spec["items"], item, f"{path}[{index}]", found)
            return
        if spec["type"] == "object":
            self._check_object(self._defs[spec["def"]], value, path, found)
            return
        problem = _type_problem(spec["type"], value)
        if problem:
            found.append(f"{path}: {_text(value)} {problem}")
        elif "enum" in spec and value not in spec["enum"]:
            allowed = ", ".join(map(str, spec["enum"]))
            found.append(f"{path}: {_text(value)} is not an allowed value (allowed: {allowed})")
        elif "min" in spec and not _in_range(spec, value):
            found.append(
                f"{path}: {_text(value)} must be between {spec['min']} and {spec['max']}"
                + (f" or one of {spec['special']}" if spec.get("special") else "")
            )

    def _fill(self, definition: Spec, body: dict[str, Any], edition: str) -> dict[str, Any]:
        for name, spec in definition["fields"].items():
            value = body.get(name)
            if value is None:
                default = _default_for(spec, edition)
                if default is not _NO_DEFAULT:
                    body[name] = copy.deepcopy(default)
                continue
            inner = spec.get("items", spec)
            if "def" not in inner:
                continue
            children = value if spec["type"] == "array" and isinstance(value, list) else [value]
            for child in children:
                if isinstance(child, dict):
                    self._fill(self._defs[inner["def"]], child, edition)
        return body

    def _strip(self, definition: Spec, body: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in body.items():
            spec = definition["fields"].get(name, {})
            if "default" in spec and value == spec["default"] and name not in ("name", "uuid"):
                continue
            inner = spec.get("items", spec)
            if "def" in inner:
                value = self._map_children(spec, value, lambda d, v: self._strip(d, v))
            out[name] = value
        return out

    def _older(self, definition: Spec, body: Any, request: Version) -> Any:
        if not isinstance(body, Mapping):
            return body
        out: dict[str, Any] = {}
        for name, value in body.items():
            spec = definition["fields"].get(name)
            if spec is None:
                out[name] = value  # controller-owned extras (url, uuid, _last_modified, ...)
                continue
            if not available(spec.get("since"), request):
                continue
            inner = spec.get("items", spec)
            if "def" in inner:
                value = self._map_children(spec, value, lambda d, v: self._older(d, v, request))
            out[name] = value
        return out

    def _map_children(self, spec: Spec, value: Any, apply: Any) -> Any:
        inner = self._defs[spec.get("items", spec)["def"]]
        if spec["type"] == "array" and isinstance(value, list):
            return [apply(inner, v) if isinstance(v, Mapping) else v for v in value]
        return apply(inner, value) if isinstance(value, Mapping) else value


_NO_DEFAULT = object()


def _default_for(spec: Spec, edition: str) -> Any:
    """The default a controller of ``edition`` fills, or _NO_DEFAULT. Ref defaults (by name) are
    the store's business, not a plain value to copy."""
    if spec.get("ref"):
        return _NO_DEFAULT
    if edition == ESSENTIALS:
        if "essentials_default" in spec:
            return spec["essentials_default"]
        rule = spec.get("essentials")
        if rule is False:
            return _NO_DEFAULT
        if isinstance(rule, list) and "default" in spec and spec["default"] not in rule:
            return rule[0]
    return spec.get("default", _NO_DEFAULT)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _text(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else repr(value)


def _type_problem(expected: str, value: Any) -> str | None:
    ok = {
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
    }.get(expected, True)
    if ok:
        return None
    return f"must be {'an' if expected[0] in 'aeiou' else 'a'} {expected}"


def _in_range(spec: Spec, value: float) -> bool:
    return spec["min"] <= value <= spec["max"] or value in spec.get("special", ())


def _unknown(name: str, fields: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(name, list(fields), n=1)
    return f"is not a known field (did you mean {close[0]!r}?)" if close else "is not a known field"
