"""Derive the compact Avi schemas committed at components/avi_dsr/avi/schema/avi-<version>.json.

Avi publishes Swagger 2.0 per object type, but enums, ranges, reference targets, the release a
field appeared in and edition limits live only in the prose of each field's description. This
tool parses those phrases ("Enum options - A, B.", "Allowed values are 1-65535.", "Special values
are 0- ...", "It is a reference to an object of type Pool", "Minimum of 1 items required.",
"Maximum of 50 items allowed.", "Field introduced in 21.1.4, 22.1.3.", "Field deprecated in
22.1.1.", "Allowed in Enterprise edition with any value, Essentials edition(Allowed values-
false), ...") and keeps only what validation, version gating, edition checks and default-filling
need, for the object types avi-dsr touches.

SOURCE is either one release's folder of ``<Object>.json`` files (its version is read from the
files' ``info.version``) or a folder of such release folders (every release in it is derived):

    python tools/derive_avi_schema.py SOURCE [--version V] [--out-dir DIR] [--check]
    python tools/derive_avi_schema.py ../shared/avi-swagger            # both 22.1.4 and 30.2.1
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO / "components" / "avi_dsr" / "avi" / "schema"

# API object type -> the Swagger file / definition that describes it.
OBJECT_TYPES: dict[str, str] = {
    "networkprofile": "NetworkProfile",
    "healthmonitor": "HealthMonitor",
    "pool": "Pool",
    "vsvip": "VsVip",
    "virtualservice": "VirtualService",
    "applicationprofile": "ApplicationProfile",
    "cloud": "Cloud",
    "serviceenginegroup": "ServiceEngineGroup",
    "tenant": "Tenant",
    "vrfcontext": "VrfContext",
}

# Required in Swagger, but a controller fills them when omitted (recorded controller output).
CONTROLLER_FILLED: frozenset[tuple[str, str]] = frozenset({("Vip", "vip_id")})

_ENUM = re.compile(r"Enum options - (.*?)\.(?:\s|$)")
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_RANGE = re.compile(rf"Allowed values are ({_NUMBER})\s*-\s*({_NUMBER})\.")
_DISCRETE = re.compile(r"Allowed values are (\d+(?:,\d+)+)\.")
_SPECIAL = re.compile(rf"Special values are ((?:{_NUMBER}\s*-[^.]*?(?:,\s*|\.))+)")
_SPECIAL_VALUE = re.compile(rf"({_NUMBER})\s*-")
_REF = re.compile(r"reference to an object of type (\w+)")
_MIN_ITEMS = re.compile(r"Minimum of (\d+) items required")
_MAX_ITEMS = re.compile(r"Maximum of (\d+) items allowed")
_VERSION = r"\d+\.\d+\.\d+"
_INTRODUCED = re.compile(rf"Field introduced in ({_VERSION}(?:\s*,\s*{_VERSION})*)\.")
_DEPRECATED = re.compile(rf"Field deprecated in ({_VERSION})\.")
_ALLOWED_IN = re.compile(r"Allowed in (.*?edition)\.")
_EDITION_ITEM = re.compile(
    r"^(?P<name>Enterprise with Cloud Services|Enterprise|Essentials|Basic)"
    r"(?: edition)?(?:\s*\(Allowed values- (?P<values>[^)]*)\)| with any value)?$"
)
# Edition names in the prose -> the license tier names the API uses (ControllerLicense.json).
EDITIONS = {
    "Enterprise": "ENTERPRISE",
    "Enterprise with Cloud Services": "ENTERPRISE_WITH_CLOUD_SERVICES",
    "Essentials": "ESSENTIALS",
    "Basic": "BASIC",
}


def releases(source: Path) -> dict[str, Path]:
    """Release version -> folder of its ``<Object>.json`` files, found under ``source``.

    The version comes from the ``info.version`` of the files this tool reads (other files in a
    release folder may carry a stale one: Avi's ControllerLicense.json says 20.1.2 everywhere).
    """
    folders = [source] if any(source.glob("*.json")) else sorted(source.iterdir())
    found: dict[str, Path] = {}
    for folder in folders:
        files = _object_files(folder) if folder.is_dir() else []
        if not files:
            continue
        versions = {json.loads(f.read_text(encoding="utf-8"))["info"]["version"] for f in files}
        if len(versions) != 1:
            raise SystemExit(f"{folder}: files of several releases: {', '.join(sorted(versions))}")
        found[versions.pop()] = folder
    if not found:
        raise SystemExit(f"{source}: no Swagger <Object>.json files (nor folders of them)")
    return found


def _object_files(folder: Path) -> list[Path]:
    """The Swagger files of the object types this tool derives (those present)."""
    return [p for p in (folder / f"{d}.json" for d in OBJECT_TYPES.values()) if p.exists()]


def derive(swagger_dir: Path, version: str) -> dict[str, Any]:
    """Read every ``<Object>.json`` of a version; return the compact schema document."""
    definitions = _load_definitions(swagger_dir)
    missing = [d for d in OBJECT_TYPES.values() if d not in definitions]
    if missing:
        raise SystemExit(f"{swagger_dir}: no Swagger definition for {', '.join(missing)}")
    compact: dict[str, Any] = {}
    for name in _reachable(definitions, OBJECT_TYPES.values()):
        compact[name] = _definition(name, definitions[name])
    return {
        "version": version,
        "source": f"vmware/alb-sdk swagger {version}, derived by tools/derive_avi_schema.py",
        "objects": dict(sorted(OBJECT_TYPES.items())),
        "definitions": dict(sorted(compact.items())),
    }


def render(document: Mapping[str, Any]) -> str:
    """Stable JSON text: one definition per line so diffs stay readable."""
    head = {k: v for k, v in document.items() if k != "definitions"}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f" {json.dumps(key)}: {json.dumps(value, sort_keys=True)},")
    lines.append(' "definitions": {')
    defs = list(document["definitions"].items())
    for i, (name, body) in enumerate(defs):
        comma = "," if i < len(defs) - 1 else ""
        text = json.dumps(body, sort_keys=True, separators=(",", ":"))
        lines.append(f"  {json.dumps(name)}: {text}{comma}")
    lines.append(" }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _load_definitions(swagger_dir: Path) -> dict[str, dict[str, Any]]:
    definitions: dict[str, dict[str, Any]] = {}
    files = _object_files(swagger_dir)
    if not files:
        wanted = ", ".join(f"{d}.json" for d in OBJECT_TYPES.values())
        raise SystemExit(f"{swagger_dir}: none of the Swagger files {wanted}")
    for path in files:
        for name, body in json.loads(path.read_text(encoding="utf-8"))["definitions"].items():
            if name in definitions and definitions[name] != body:
                raise SystemExit(f"{path.name}: definition {name} differs from an earlier file")
            definitions[name] = body
    return definitions


def _reachable(definitions: Mapping[str, Any], roots: Iterable[str]) -> list[str]:
    seen: list[str] = []
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.append(name)
        for prop in definitions[name].get("properties", {}).values():
            target = prop.get("$ref") or prop.get("items", {}).get("$ref")
            if target:
                todo.append(target.rsplit("/", 1)[1])
    return seen


def _definition(name: str, body: Mapping[str, Any]) -> dict[str, Any]:
    fields = {key: _field(prop) for key, prop in body.get("properties", {}).items()}
    required = [r for r in body.get("required", []) if (name, r) not in CONTROLLER_FILLED]
    out: dict[str, Any] = {"fields": fields}
    if required:
        out["required"] = sorted(required)
    return out


def _field(prop: Mapping[str, Any]) -> dict[str, Any]:
    desc = prop.get("description", "")
    out: dict[str, Any] = {}
    if prop.get("type") == "array":
        out["type"] = "array"
        out["items"] = _scalar_or_object(prop.get("items", {}), desc)
        if m := _MIN_ITEMS.search(desc):
            out["min_items"] = int(m[1])
        if m := _MAX_ITEMS.search(desc):
            out["max_items"] = int(m[1])
    else:
        out.update(_scalar_or_object(prop, desc))
        if "default" in prop:
            out["default"] = prop["default"]
    if prop.get("readOnly"):
        out["readonly"] = True
    if m := _INTRODUCED.search(desc):
        out["introduced"] = [v.strip() for v in m[1].split(",")]
    if m := _DEPRECATED.search(desc):
        out["deprecated"] = m[1]
    editions = _editions(desc, prop.get("items", prop).get("type", "string"))
    if editions is not None:
        out["editions"] = editions
    return out


def _editions(desc: str, value_type: str) -> dict[str, list[Any] | None] | None:
    """Edition limits: license tier -> allowed values (None = any value); absent = no limit.

    "Allowed in Enterprise edition with any value, Essentials edition(Allowed values- false),
    Enterprise with Cloud Services edition." -> Basic may not set the field at all, Essentials
    only to false. Only restrictive limits are kept, to keep the compact schema small.
    """
    m = _ALLOWED_IN.search(desc)
    if m is None:
        return None
    limits: dict[str, list[Any] | None] = {}
    for item in re.split(r",\s+(?=Enterprise|Essentials|Basic)", m[1]):
        parsed = _EDITION_ITEM.match(item.strip())
        if parsed is None:
            raise SystemExit(f"cannot read the edition phrase {item!r} in: {desc}")
        values = parsed["values"]
        limits[EDITIONS[parsed["name"]]] = (
            None if values is None else [_typed(v.strip(), value_type) for v in values.split(",")]
        )
    if set(limits) == set(EDITIONS.values()) and all(v is None for v in limits.values()):
        return None
    return dict(sorted(limits.items()))


def _typed(text: str, value_type: str) -> Any:
    if value_type == "boolean":
        return text.lower() == "true"
    if value_type == "integer":
        return int(text)
    if value_type == "number":
        return float(text)
    return text


def _scalar_or_object(prop: Mapping[str, Any], desc: str) -> dict[str, Any]:
    """Type plus the constraints the description states (they apply to array items too)."""
    if "$ref" in prop:
        return {"type": "object", "def": prop["$ref"].rsplit("/", 1)[1]}
    out: dict[str, Any] = {"type": prop.get("type", "string")}
    if m := _ENUM.search(desc):
        out["enum"] = [v.strip() for v in m[1].split(",") if v.strip()]
    if m := _REF.search(desc):
        out["ref"] = m[1].lower()
    if out["type"] in ("integer", "number"):
        out.update(_numeric_limits(desc, integer=out["type"] == "integer"))
    return out


def _numeric_limits(desc: str, *, integer: bool) -> dict[str, Any]:
    cast = int if integer else float
    out: dict[str, Any] = {}
    if m := _RANGE.search(desc):
        out["min"], out["max"] = cast(float(m[1])), cast(float(m[2]))
    elif m := _DISCRETE.search(desc):
        out["enum"] = [int(v) for v in m[1].split(",")]
    if m := _SPECIAL.search(desc):
        out["special"] = [cast(float(v)) for v in _SPECIAL_VALUE.findall(m[1])]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "source", type=Path, help="a release folder of <Object>.json, or a folder of them"
    )
    parser.add_argument("--version", action="append", help="only this release (repeatable)")
    parser.add_argument(
        "--out-dir", type=Path, default=SCHEMA_DIR, help="default: the committed schemas"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if an output is stale")
    args = parser.parse_args(argv)
    found = releases(args.source)
    wanted = args.version or sorted(found)
    missing = [v for v in wanted if v not in found]
    if missing:
        raise SystemExit(f"{args.source}: no release {', '.join(missing)} (has {', '.join(found)})")
    stale = 0
    for version in wanted:
        document = derive(found[version], version)
        text = render(document)
        out = args.out_dir / f"avi-{version}.json"
        if args.check:
            if not out.exists() or out.read_text(encoding="utf-8") != text:
                print(f"{out} is stale: run tools/derive_avi_schema.py SOURCE", file=sys.stderr)
                stale = 1
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out} ({len(text)} bytes, {len(document['definitions'])} definitions)")
    return stale


if __name__ == "__main__":
    sys.exit(main())
