"""Derive the simulator's own Avi schemas from Avi's published Swagger 2.0 files.

    python -m avisim.derive_schema SOURCE [--out DIR] [--check]

SOURCE is a folder holding one sub-folder per release (``22.1.4/``, ``30.2.1/``), each with Avi's
``<Object>.json`` files (vmware/alb-sdk, ``swagger/`` of that release). The output, one
``avi-<release>.json`` per release, is committed under ``avisim/schemas/`` so the simulator never
needs the Swagger files at run time.

Avi writes most rules as prose inside each field's ``description``; this reads these phrases:
  "Enum options - A, B."                      -> enum
  "Allowed values are 1-65535." / "... are 1,2,4." / "Special values are 0 - infinite."
  "It is a reference to an object of type Pool." -> ref target
  "Minimum of 1 items required." / "Maximum of 50 items allowed."
  "Field introduced in 18.2.3." (or "17.2.12, 18.1.2")          -> since
  "Allowed in Enterprise edition with any value, Essentials edition(Allowed values- false), ..."
                                                               -> what Essentials may send
  "Special default for Essentials edition is System-TCP-Fast-Path." -> Essentials default
``required`` and ``default`` are machine-readable in the Swagger and are kept as they are.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).with_name("schemas")

# API path segment -> Swagger definition, for every object type the simulator validates.
OBJECT_TYPES: dict[str, str] = {
    "applicationprofile": "ApplicationProfile",
    "cloud": "Cloud",
    "healthmonitor": "HealthMonitor",
    "ipamdnsproviderprofile": "IpamDnsProviderProfile",
    "network": "Network",
    "networkprofile": "NetworkProfile",
    "pool": "Pool",
    "serviceenginegroup": "ServiceEngineGroup",
    "tenant": "Tenant",
    "virtualservice": "VirtualService",
    "vrfcontext": "VrfContext",
    "vsvip": "VsVip",
}

_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_ENUM = re.compile(r"Enum options - (.*?)\.(?:\s|$)")
_RANGE = re.compile(rf"Allowed values are ({_NUMBER})\s*-\s*({_NUMBER})\.")
_DISCRETE = re.compile(r"Allowed values are (\d+(?:\s*,\s*\d+)+)\.")
_SPECIAL = re.compile(rf"Special values are ((?:{_NUMBER}\s*-[^.]*?(?:,\s*|\.))+)")
_SPECIAL_VALUE = re.compile(rf"({_NUMBER})\s*-")
_REF = re.compile(r"reference to an object of type (\w+)")
_MIN_ITEMS = re.compile(r"Minimum of (\d+) items required")
_MAX_ITEMS = re.compile(r"Maximum of (\d+) items allowed")
_SINCE = re.compile(r"Field introduced in ([\d.,\s]+?)\.(?:\s|$)")
_EDITIONS = re.compile(r"Allowed in (.+?edition)\.(?:\s|$)")
_ESSENTIALS_VALUES = re.compile(r"^Essentials edition\s*\(Allowed values-\s*(.*)\)$")
_ESSENTIALS_DEFAULT = re.compile(
    r"Special default for Essentials edition is (.+?)"
    r"(?:, Basic edition is|, Enterprise is|\.(?:\s|$))"
)


def derive(release_dir: Path, release: str) -> dict[str, Any]:
    """Read every ``<Object>.json`` of one release; return the simulator's schema document."""
    definitions = _load_definitions(release_dir)
    missing = sorted(d for d in OBJECT_TYPES.values() if d not in definitions)
    if missing:
        raise SystemExit(f"{release_dir}: no Swagger definition for {', '.join(missing)}")
    wanted = _reachable(definitions, OBJECT_TYPES.values())
    return {
        "version": release,
        "source": f"Avi Swagger 2.0 of release {release} (vmware/alb-sdk swagger/), "
        "derived by python -m avisim.derive_schema",
        "objects": dict(sorted(OBJECT_TYPES.items())),
        "definitions": {name: _definition(definitions[name]) for name in sorted(wanted)},
    }


def render(document: Mapping[str, Any]) -> str:
    """Stable JSON text, one definition per line, so a re-derivation diffs readably."""
    lines = ["{"]
    for key, value in document.items():
        if key != "definitions":
            lines.append(f" {json.dumps(key)}: {json.dumps(value, sort_keys=True)},")
    lines.append(' "definitions": {')
    items = list(document["definitions"].items())
    for index, (name, body) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        text = json.dumps(body, sort_keys=True, separators=(",", ":"))
        lines.append(f"  {json.dumps(name)}: {text}{comma}")
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def field_spec(prop: Mapping[str, Any]) -> dict[str, Any]:
    """One Swagger property -> the simulator's field spec (see the module docstring)."""
    desc = prop.get("description", "")
    spec: dict[str, Any] = {}
    if prop.get("type") == "array":
        spec["type"] = "array"
        spec["items"] = _value_spec(prop.get("items", {}), desc)
        if m := _MIN_ITEMS.search(desc):
            spec["min_items"] = int(m[1])
        if m := _MAX_ITEMS.search(desc):
            spec["max_items"] = int(m[1])
        value_type = spec["items"]["type"]
    else:
        spec.update(_value_spec(prop, desc))
        if "default" in prop:
            spec["default"] = prop["default"]
        value_type = spec["type"]
    if m := _SINCE.search(desc):
        versions = [v.strip() for v in m[1].split(",") if v.strip()]
        spec["since"] = versions[0] if len(versions) == 1 else versions
    essentials = essentials_rule(desc, value_type)
    if essentials is not None:
        spec["essentials"] = essentials
    if m := _ESSENTIALS_DEFAULT.search(desc):
        spec["essentials_default"] = _typed(m[1].strip(), value_type)
    return spec


def essentials_rule(desc: str, value_type: str) -> bool | list[Any] | None:
    """What the Essentials edition may send: None = anything, False = nothing, or a value list.

    A description without an edition clause says nothing (None)."""
    clause = _EDITIONS.search(desc)
    if not clause:
        return None
    for part in _split_top_level(clause[1]):
        part = part.strip()
        if not part.startswith("Essentials"):
            continue
        if m := _ESSENTIALS_VALUES.match(part):
            return [_typed(v.strip(), value_type) for v in m[1].split(",") if v.strip()]
        return None
    return False


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses ("Essentials edition(Allowed values- a,b), Basic")."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _typed(text: str, value_type: str) -> Any:
    if value_type == "boolean":
        return text.lower() == "true"
    if value_type == "integer":
        return int(text)
    if value_type == "number":
        return float(text)
    return text


def _value_spec(prop: Mapping[str, Any], desc: str) -> dict[str, Any]:
    """Type plus the constraints the description states (they apply to array items too)."""
    if "$ref" in prop:
        return {"type": "object", "def": prop["$ref"].rsplit("/", 1)[1]}
    spec: dict[str, Any] = {"type": prop.get("type", "string")}
    if m := _ENUM.search(desc):
        spec["enum"] = [v.strip() for v in m[1].split(",") if v.strip()]
    if m := _REF.search(desc):
        spec["ref"] = m[1].lower()
    if spec["type"] in ("integer", "number"):
        cast = int if spec["type"] == "integer" else float
        if m := _RANGE.search(desc):
            spec["min"], spec["max"] = cast(float(m[1])), cast(float(m[2]))
        elif m := _DISCRETE.search(desc):
            spec["enum"] = [int(v) for v in m[1].split(",")]
        if m := _SPECIAL.search(desc):
            spec["special"] = [cast(float(v)) for v in _SPECIAL_VALUE.findall(m[1])]
    return spec


def _definition(body: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "fields": {key: field_spec(prop) for key, prop in body.get("properties", {}).items()}
    }
    if body.get("required"):
        out["required"] = sorted(body["required"])
    return out


def _load_definitions(release_dir: Path) -> dict[str, dict[str, Any]]:
    files = sorted(release_dir.glob("*.json"))
    if not files:
        raise SystemExit(f"{release_dir}: no Swagger <Object>.json files")
    definitions: dict[str, dict[str, Any]] = {}
    for path in files:
        for name, body in json.loads(path.read_text(encoding="utf-8"))["definitions"].items():
            if name in definitions and definitions[name] != body:
                raise SystemExit(f"{path.name}: definition {name} differs from an earlier file")
            definitions[name] = body
    return definitions


def _reachable(definitions: Mapping[str, Any], roots: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for prop in definitions[name].get("properties", {}).values():
            target = prop.get("$ref") or prop.get("items", {}).get("$ref")
            if target:
                todo.append(target.rsplit("/", 1)[1])
    return seen


def releases(source: Path) -> list[Path]:
    """The release folders of SOURCE (names like 22.1.4)."""
    found = sorted(
        p for p in source.iterdir() if p.is_dir() and re.fullmatch(r"\d+\.\d+\.\d+", p.name)
    )
    if not found:
        raise SystemExit(f"{source}: no release folders such as 22.1.4/")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m avisim.derive_schema", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "source", type=Path, help="folder with one sub-folder of Swagger per release"
    )
    parser.add_argument("--out", type=Path, default=SCHEMA_DIR, help="where avi-<release>.json go")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a committed file is stale"
    )
    args = parser.parse_args(argv)
    stale = []
    for release_dir in releases(args.source):
        text = render(derive(release_dir, release_dir.name))
        target = args.out / f"avi-{release_dir.name}.json"
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(target.name)
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.name} ({len(text)} bytes)")
    if stale:
        print(
            f"stale: {', '.join(stale)}; run python -m avisim.derive_schema SOURCE", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
