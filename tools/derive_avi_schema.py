"""Derive the compact Avi schema committed at components/avi_dsr/avi/schema/avi-<version>.json.

Avi publishes Swagger 2.0 per object type, but enums, ranges and reference targets live only in
the prose of each field's description. This tool parses those phrases ("Enum options - A, B.",
"Allowed values are 1-65535.", "Special values are 0- ...", "It is a reference to an object of
type Pool", "Minimum of 1 items required.", "Maximum of 50 items allowed.") and keeps only what
validation and default-filling need, for the object types avi-dsr touches.

    python tools/derive_avi_schema.py [--swagger DIR] [--out FILE] [--check]
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
DEFAULT_VERSION = "22.1.4"
DEFAULT_SWAGGER = Path("/work/shared/avi-swagger")
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
    files = sorted(swagger_dir.glob("*.json"))
    if not files:
        raise SystemExit(f"{swagger_dir}: no Swagger *.json files; pass --swagger DIR")
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
    return out


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
    parser.add_argument("--version", default=DEFAULT_VERSION)
    parser.add_argument("--swagger", type=Path, help="directory of <Object>.json files")
    parser.add_argument("--out", type=Path, help="output file (default: the committed schema)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the output is stale")
    args = parser.parse_args(argv)
    swagger = args.swagger or DEFAULT_SWAGGER / args.version
    out = args.out or SCHEMA_DIR / f"avi-{args.version}.json"
    document = derive(swagger, args.version)
    text = render(document)
    if args.check:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != text:
            print(f"{out} is stale: run python tools/derive_avi_schema.py", file=sys.stderr)
            return 1
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out} ({len(text)} bytes, {len(document['definitions'])} definitions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
