"""The compact Avi object schema: validation, version and edition gating, default filling.

The data is derived from Avi's published Swagger by ``tools/derive_avi_schema.py`` and committed
as ``schema/avi-<release>.json`` (22.1.4 and 30.2.1), so nothing here needs the Swagger files at
run time. A schema is loaded for the API version a request declares (``X-Avi-Version``): a
controller refuses a field introduced after that version, and so does :meth:`Schema.validate`.
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

from ..versions import (
    KNOWN_API_VERSIONS,
    NEWEST_KNOWN_API_VERSION,
    available_in,
    is_older,
    is_version,
    schema_release_for,
)

SCHEMA_DIR = Path(__file__).with_name("schema")
_INDEX = re.compile(r"\[\d*\]")

# License tiers (ControllerLicense/SystemConfiguration/Cloud/ServiceEngineGroup `license_tier`
# enum) -> the edition names the Swagger prose limits fields by. ENTERPRISE_16/_18 are older
# Enterprise tiers.
EDITION_OF_TIER = {
    "ENTERPRISE": "ENTERPRISE",
    "ENTERPRISE_16": "ENTERPRISE",
    "ENTERPRISE_18": "ENTERPRISE",
    "ENTERPRISE_WITH_CLOUD_SERVICES": "ENTERPRISE_WITH_CLOUD_SERVICES",
    "ESSENTIALS": "ESSENTIALS",
    "BASIC": "BASIC",
}
EDITION_NAMES = {
    "ENTERPRISE": "Enterprise",
    "ENTERPRISE_WITH_CLOUD_SERVICES": "Enterprise with Cloud Services",
    "ESSENTIALS": "Essentials",
    "BASIC": "Basic",
}


class UnknownApiVersion(ValueError):
    """An API version the project has no schema for (malformed, or newer than it knows)."""


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
    """The schema for requests declaring API version ``version`` (cached).

    A known release (22.1.4, 30.2.1) uses its own file. Another version up to the newest known
    uses the oldest known release not older than it, with every field introduced after
    ``version`` refused. A newer or malformed version raises :class:`UnknownApiVersion`.
    """
    if not is_version(version):
        raise UnknownApiVersion(
            f"Avi API version {version!r} must look like '22.1.4'; "
            f"the project knows {', '.join(KNOWN_API_VERSIONS)}"
        )
    if is_older(NEWEST_KNOWN_API_VERSION, version):
        raise UnknownApiVersion(
            f"no Avi schema for API version {version}: the newest the project knows is "
            f"{NEWEST_KNOWN_API_VERSION} (known: {', '.join(KNOWN_API_VERSIONS)}); use "
            f"apiVersion {NEWEST_KNOWN_API_VERSION} or older, which a newer controller accepts"
        )
    return _load(version)


@cache
def _load(version: str) -> Schema:
    release = schema_release_for(version)
    path = SCHEMA_DIR / f"avi-{release}.json"
    if not path.exists():
        raise FileNotFoundError(f"the Avi schema file {path} for {release} is missing")
    return Schema(json.loads(path.read_text(encoding="utf-8")), api_version=version)


class Schema:
    """Field structure per object type: types, enums, ranges, defaults, required, ref targets,
    the releases each field was introduced in and each field's edition limits.

    ``version`` is the API version requests declare; ``release`` the Swagger release the data
    comes from (the same for 22.1.4 and 30.2.1).
    """

    def __init__(self, document: Mapping[str, Any], *, api_version: str | None = None) -> None:
        self.release: str = document["version"]
        self.version: str = api_version or self.release
        self._objects: dict[str, str] = dict(document["objects"])
        self._defs: dict[str, dict[str, Any]] = document["definitions"]
        self.object_types: tuple[str, ...] = tuple(self._objects)

    def __repr__(self) -> str:
        return (
            f"Schema(version={self.version!r}, release={self.release!r}, "
            f"object_types={self.object_types!r})"
        )

    # ---- public API -----------------------------------------------------------------------

    def validate(self, obj_type: str, body: Mapping[str, Any]) -> list[Violation]:
        """Every violation in ``body``: required fields, types, enums, ranges, unknown fields,
        and fields introduced after this schema's API version."""
        found: list[Violation] = []
        self._check_object(self._root(obj_type), body, "", found)
        return found

    def edition_violations(
        self, obj_type: str, body: Mapping[str, Any], edition: str
    ) -> list[Violation]:
        """Fields ``body`` sets that the license ``edition`` does not allow, or allows only with
        other values ("Allowed in Enterprise edition with any value, Essentials edition(Allowed
        values- false)"). ``edition`` is a license tier such as ``ESSENTIALS``."""
        tier = edition_of(edition)
        found: list[Violation] = []
        for spec, value, path in self._present(self._root(obj_type), body, ""):
            limits = spec.get("editions")
            if limits is None:
                continue
            name = EDITION_NAMES[tier]
            if tier not in limits:
                allowed = ", ".join(EDITION_NAMES[t] for t in limits)
                found.append(
                    Violation(path, value, f"is not available in the {name} edition", allowed)
                )
                continue
            values = limits[tier]
            items = value if spec["type"] == "array" and isinstance(value, list) else [value]
            if values is not None and any(item not in values for item in items):
                found.append(
                    Violation(
                        path,
                        value,
                        f"is not allowed in the {name} edition",
                        ", ".join(map(_text, values)),
                    )
                )
        return found

    def field(self, obj_type: str, path: str) -> Mapping[str, Any] | None:
        """The compact spec of one field (dotted path, list indexes allowed), or None."""
        definition = self._root(obj_type)
        spec: Mapping[str, Any] | None = None
        for segment in [s for s in _INDEX.sub("", path).split(".") if s]:
            if spec is not None:
                inner = spec.get("items", spec)
                if "def" not in inner:
                    return None
                definition = self._defs[inner["def"]]
            spec = definition["fields"].get(segment)
            if spec is None:
                return None
        return spec

    def with_defaults(self, obj_type: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """A deep copy with schema defaults filled in every sub-object present."""
        return self._fill(self._root(obj_type), copy.deepcopy(dict(body)))

    def is_default(self, obj_type: str, name: str, value: Any) -> bool:
        """Whether a top-level field holds its schema default (same type: True is not 1)."""
        spec = self._root(obj_type)["fields"].get(name, {})
        return (
            "default" in spec
            and type(value) is type(spec["default"])
            and (value == spec["default"])
        )

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
            elif value is not None and not self._available(spec):
                found.append(Violation(_join(path, name), value, self._too_new(spec)))
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

    def _available(self, spec: Mapping[str, Any]) -> bool:
        return available_in(spec.get("introduced", ()), self.version)

    def _too_new(self, spec: Mapping[str, Any]) -> str:
        return (
            f"is not in Avi API version {self.version} (introduced in "
            f"{', '.join(spec['introduced'])}); raise apiVersion or remove the field"
        )

    def _present(
        self, definition: Mapping[str, Any], body: Any, path: str
    ) -> Iterator[tuple[Mapping[str, Any], Any, str]]:
        """(spec, value, path) of every known field set in ``body``, depth first."""
        if not isinstance(body, Mapping):
            return
        for name, value in body.items():
            spec = definition["fields"].get(name)
            if spec is None or value is None:
                continue
            where = _join(path, name)
            yield spec, value, where
            inner = spec.get("items", spec)
            if "def" not in inner:
                continue
            if spec["type"] == "array" and isinstance(value, list):
                for i, item in enumerate(value):
                    yield from self._present(self._defs[inner["def"]], item, f"{where}[{i}]")
            else:
                yield from self._present(self._defs[inner["def"]], value, where)

    def _fill(self, definition: Mapping[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        for name, spec in definition["fields"].items():
            if not self._available(spec):
                continue
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


def edition_of(tier: str) -> str:
    """``ENTERPRISE_18`` -> ``ENTERPRISE``; unknown tiers name the known ones."""
    try:
        return EDITION_OF_TIER[tier]
    except KeyError:
        raise ValueError(
            f"unknown Avi license tier {tier!r}; known: {', '.join(EDITION_OF_TIER)}"
        ) from None


def _text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


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
