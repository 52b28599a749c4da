"""The compact Avi object schema: validation and controller-style default filling.

The data is derived from Avi's published Swagger by ``tools/derive_avi_schema.py`` and committed
as ``schema/avi-<version>.json``, so nothing here needs the Swagger files at run time.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).with_name("schema")
_INDEX = re.compile(r"\[\d*\]")


@dataclass(frozen=True)
class Violation:
    """One problem with a body: where, what was there, what is wrong, what would be allowed."""

    path: str
    value: Any
    problem: str
    allowed: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}: {self.problem}"
        return f"{text} (allowed: {self.allowed})" if self.allowed else text


def load_schema(version: str = "22.1.4") -> Schema:
    """The schema for an Avi API version (cached). Unknown versions name the ones available."""
    return _load(version)


@cache
def _load(version: str) -> Schema:
    path = SCHEMA_DIR / f"avi-{version}.json"
    if not path.exists():
        known = sorted(p.stem.removeprefix("avi-") for p in SCHEMA_DIR.glob("avi-*.json"))
        raise FileNotFoundError(
            f"no Avi schema for version {version!r} ({path}); available: {', '.join(known)}"
        )
    return Schema(json.loads(path.read_text(encoding="utf-8")))


class Schema:
    """Field structure per object type: types, enums, ranges, defaults, required, ref targets."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.version: str = document["version"]
        self._objects: dict[str, str] = dict(document["objects"])
        self._defs: dict[str, dict[str, Any]] = document["definitions"]
        self.object_types: tuple[str, ...] = tuple(self._objects)

    def __repr__(self) -> str:
        return f"Schema(version={self.version!r}, object_types={self.object_types!r})"

    # ---- public API -----------------------------------------------------------------------

    def validate(self, obj_type: str, body: Mapping[str, Any]) -> list[Violation]:
        """Every violation in ``body``: required fields, types, enums, ranges, unknown fields."""
        found: list[Violation] = []
        self._check_object(self._root(obj_type), body, "", found)
        return found

    def with_defaults(self, obj_type: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """A deep copy with schema defaults filled in every sub-object present."""
        return self._fill(self._root(obj_type), copy.deepcopy(dict(body)))

    def strip_defaults(self, obj_type: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """The inverse view a controller gives for ``skip_default=true``: fields equal to their
        default are left out (recursively)."""
        return self._strip(self._root(obj_type), body)

    def ref_target(self, obj_type: str, path: str) -> str | None:
        """The object type a ref field points at: ("virtualservice", "pool_ref") -> "pool".

        ``path`` is dotted; list indexes (``services[0].x``) and a leading type name are allowed.
        """
        definition = self._root(obj_type)
        segments = [s for s in _INDEX.sub("", path).split(".") if s]
        if segments and segments[0] == obj_type and obj_type not in definition["fields"]:
            segments = segments[1:]
        spec: Mapping[str, Any] | None = None
        for i, segment in enumerate(segments):
            spec = definition["fields"].get(segment)
            if spec is None:
                return None
            spec = spec.get("items", spec)
            if i < len(segments) - 1:
                if "def" not in spec:
                    return None
                definition = self._defs[spec["def"]]
        return spec.get("ref") if spec else None

    # ---- internals ------------------------------------------------------------------------

    def _root(self, obj_type: str) -> dict[str, Any]:
        try:
            return self._defs[self._objects[obj_type]]
        except KeyError:
            raise ValueError(
                f"unknown Avi object type {obj_type!r}; known: {', '.join(self.object_types)}"
            ) from None

    def _check_object(
        self, definition: Mapping[str, Any], body: Any, path: str, found: list[Violation]
    ) -> None:
        if not isinstance(body, Mapping):
            found.append(Violation(path or "(body)", body, "must be an object"))
            return
        fields = definition["fields"]
        for name in definition.get("required", ()):
            if body.get(name) is None:
                found.append(Violation(_join(path, name), None, "is required"))
        for name, value in body.items():
            spec = fields.get(name)
            if spec is None:
                found.append(Violation(_join(path, name), value, _unknown(name, fields)))
            elif value is not None:
                self._check_value(spec, value, _join(path, name), found)

    def _check_value(
        self, spec: Mapping[str, Any], value: Any, path: str, found: list[Violation]
    ) -> None:
        if spec["type"] == "array":
            if not isinstance(value, list):
                found.append(Violation(path, value, "must be a list"))
                return
            self._check_length(spec, value, path, found)
            for i, item in enumerate(value):
                self._check_value(spec["items"], item, f"{path}[{i}]", found)
            return
        if spec["type"] == "object":
            self._check_object(self._defs[spec["def"]], value, path, found)
            return
        problem = _type_problem(spec["type"], value)
        if problem:
            found.append(Violation(path, value, problem))
        elif "enum" in spec and value not in spec["enum"]:
            found.append(
                Violation(path, value, "is not an allowed value", ", ".join(map(str, spec["enum"])))
            )
        elif "min" in spec and not _in_range(spec, value):
            found.append(
                Violation(
                    path, value, f"must be between {spec['min']} and {spec['max']}", _range(spec)
                )
            )

    @staticmethod
    def _check_length(
        spec: Mapping[str, Any], value: list[Any], path: str, found: list[Violation]
    ) -> None:
        if "min_items" in spec and len(value) < spec["min_items"]:
            found.append(Violation(path, value, f"must have at least {spec['min_items']} item(s)"))
        if "max_items" in spec and len(value) > spec["max_items"]:
            found.append(Violation(path, value, f"must have at most {spec['max_items']} item(s)"))

    def _fill(self, definition: Mapping[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        for name, spec in definition["fields"].items():
            value = body.get(name)
            if value is None and "default" in spec:
                body[name] = copy.deepcopy(spec["default"])
            elif spec["type"] == "object" and isinstance(value, dict):
                self._fill(self._defs[spec["def"]], value)
            elif spec["type"] == "array" and isinstance(value, list) and "def" in spec["items"]:
                item_def = self._defs[spec["items"]["def"]]
                for item in value:
                    if isinstance(item, dict):
                        self._fill(item_def, item)
        return body

    def _strip(self, definition: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in body.items():
            spec = definition["fields"].get(name, {})
            if "default" in spec and value == spec["default"] and name not in ("name", "uuid"):
                continue
            if spec.get("type") == "object" and isinstance(value, Mapping):
                value = self._strip(self._defs[spec["def"]], value)
            elif spec.get("type") == "array" and isinstance(value, list) and "def" in spec["items"]:
                item_def = self._defs[spec["items"]["def"]]
                value = [self._strip(item_def, v) if isinstance(v, Mapping) else v for v in value]
            out[name] = value
        return out


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _type_problem(expected: str, value: Any) -> str | None:
    ok = {
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
    }.get(expected, True)
    if ok:
        return None
    article = "an" if expected[0] in "aeiou" else "a"
    return f"must be {article} {expected}"


def _in_range(spec: Mapping[str, Any], value: float) -> bool:
    return spec["min"] <= value <= spec["max"] or value in spec.get("special", ())


def _range(spec: Mapping[str, Any]) -> str:
    text = f"{spec['min']}-{spec['max']}"
    special = spec.get("special")
    return f"{text} or {', '.join(map(str, special))}" if special else text


def _unknown(name: str, fields: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(name, list(fields), n=1)
    return f"is not a known field (did you mean {close[0]!r}?)" if close else "is not a known field"
