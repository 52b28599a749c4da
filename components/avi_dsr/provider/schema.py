"""The avi-dsr Pulumi package schema, generated from the derived Avi schema.

Every field of the managed Avi objects is typed (nested objects as types, enum options as enum
types, ranges, defaults and refs in the descriptions), so each language gets a typed SDK. Property
names are Avi's own (snake_case), as in Avi's API docs, Terraform provider and Ansible modules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from avi_dsr.avi.schema import SCHEMA_DIR
from avi_dsr.avi.specs import SPECS
from avi_dsr.avi.tokens import PACKAGE, resource_token, type_token
from avi_dsr.versions import NEWEST_KNOWN_API_VERSION, version_tuple

_PRIMITIVES = {"string", "boolean", "integer", "number"}


PROVIDER_PROPERTIES: dict[str, dict[str, Any]] = {
    "controller": {
        "type": "string",
        "description": "Controller address: `host`, `host:port` or `https://host[:port]` "
        "(env AVI_CONTROLLER).",
    },
    "username": {"type": "string", "description": "User name (default `admin`; env AVI_USERNAME)."},
    "password": {
        "type": "string",
        "secret": True,
        "description": "Password (a secret; env AVI_PASSWORD).",
    },
    "tenant": {
        "type": "string",
        "description": "Default tenant of every object (default `admin`; env AVI_TENANT); a "
        "resource's `tenant` overrides it.",
    },
    "apiVersion": {
        "type": "string",
        "description": "X-Avi-Version to send, e.g. `22.1.4` (env AVI_VERSION). Unset: the "
        f"controller's version, capped at {NEWEST_KNOWN_API_VERSION}, the newest this provider "
        "knows.",
    },
    "verifyTls": {
        "type": "boolean",
        "description": "Verify the controller's TLS certificate (default true).",
    },
    "caBundle": {
        "type": "string",
        "description": "Path of a PEM file with the CA that signed the controller's certificate.",
    },
    "connectTimeout": {
        "type": "number",
        "description": "Seconds to wait for a TCP/TLS connection (default 10).",
    },
    "readTimeout": {
        "type": "number",
        "description": "Seconds to wait for an answer to one request (default 60).",
    },
}

EXTRA_INPUTS: dict[str, dict[str, Any]] = {
    "adopt": {
        "type": "string",
        "description": "Take over an existing object by name or uuid instead of creating one. "
        "Objects whose ownership markers name another stack are never taken.",
    },
    "tenant": {
        "type": "string",
        "description": "Tenant of this object (default: the provider's). Changing it replaces "
        "the object.",
    },
    "preflight": {
        "$ref": f"#/types/{type_token('PreflightFacts')}",
        "description": "Facts the provider checks against the controller before the first write "
        "of a run (the avi-dsr components set them).",
    },
}
WAIT_INPUT = {
    "wait_for_up_seconds": {
        "type": "integer",
        "description": "After a create or change, wait up to this many seconds for OPER_UP with a "
        "Service Engine assigned, else fail with the controller's reason (0: do not wait).",
    }
}
EXTRA_OUTPUTS: dict[str, dict[str, Any]] = {
    "ref": {
        "type": "string",
        "description": "`/api/<type>/<uuid>`: what other objects' `*_ref` fields take.",
    },
    "managed_fields": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Top-level fields this resource sets; one dropped from the inputs reverts "
        "to the controller's default.",
    },
}
OPER_OUTPUTS = {
    "oper_status": {"type": "string", "description": "OPER_UP, OPER_DOWN, ... (when waited for)."},
    "oper_reason": {"type": "string", "description": "The controller's reason for oper_status."},
}
PREFLIGHT_TYPE = {
    "type": "object",
    "description": "What a DSR service needs from the controller.",
    "properties": {
        "cloud": {
            "type": "string",
            "description": "Cloud name (must exist; its type must allow DSR).",
        },
        "se_group": {"type": "string", "description": "SE group name (must exist)."},
        "vrf": {"type": "string", "description": "VRF context name (must exist)."},
        "dsr_type": {"type": "string", "description": "`L3` or `L2` (unset: not DSR)."},
        "encap": {"type": "string", "description": "`IPINIP` or `GRE`."},
        "ipv6": {"type": "boolean", "description": "The service has an IPv6 VIP."},
    },
}


def newest_shipped() -> str:
    shipped = [p.stem.removeprefix("avi-") for p in SCHEMA_DIR.glob("avi-*.json")]
    return max(shipped, key=version_tuple)


@cache
def _document(version: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / f"avi-{version}.json").read_text(encoding="utf-8"))


def package_schema(version: str, avi_version: str | None = None) -> dict[str, Any]:
    """The whole package schema (resources, types, provider config, language settings), typed
    from the newest shipped Avi schema (bodies are still checked against the version in use)."""
    builder = _Builder(_document(avi_version or newest_shipped()))
    resources = {}
    for obj_type, spec in SPECS.items():
        resources[resource_token(spec.class_name)] = builder.resource(obj_type)
    types = {**builder.types, type_token("PreflightFacts"): PREFLIGHT_TYPE}
    return {
        "name": PACKAGE,
        "displayName": "avi-dsr",
        "version": version,
        "description": "L3 Direct Server Return on VMware Avi: Avi objects as typed resources.",
        "keywords": ["avi", "nsx-alb", "load-balancer", "dsr", "category/network"],
        "license": "Apache-2.0",
        "config": {"variables": PROVIDER_PROPERTIES},
        "provider": {"inputProperties": PROVIDER_PROPERTIES},
        "resources": resources,
        "types": dict(sorted(types.items())),
        "language": {
            "python": {"packageName": "pulumi_avi_dsr"},
            # 3.270 is the oldest Node SDK with what pkg/v3 3.274's generator emits (existsResource)
            "nodejs": {
                "packageName": "@avi-dsr/pulumi",
                "dependencies": {"@pulumi/pulumi": "^3.270.0"},
            },
            "go": {"importBasePath": "example.com/avi-dsr/sdk/go/avidsr"},
        },
    }


class _Builder:
    """Walks the compact schema from the resources down, emitting each type once."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.objects: Mapping[str, str] = document["objects"]
        self.defs: Mapping[str, Any] = document["definitions"]
        self.version: str = document["version"]
        self.types: dict[str, Any] = {}

    def resource(self, obj_type: str) -> dict[str, Any]:
        root = self.objects[obj_type]
        definition = self.defs[root]
        fields = {
            name: self.property(root, name, spec)
            for name, spec in sorted(definition["fields"].items())
            if not spec.get("readonly")
        }
        outputs = {
            name: self.property(root, name, spec)
            for name, spec in sorted(definition["fields"].items())
        }
        inputs = {**fields, **EXTRA_INPUTS}
        if obj_type == "virtualservice":
            inputs.update(WAIT_INPUT)
            outputs.update(OPER_OUTPUTS)
        outputs.update(EXTRA_OUTPUTS)
        return {
            "description": f"An Avi {root} (`/api/{obj_type}`), schema of Avi {self.version}.",
            "inputProperties": inputs,
            "requiredInputs": sorted({"name", *definition.get("required", ())}),
            "properties": outputs,
            "required": ["name", "ref", "uuid"],
        }

    def property(self, owner: str, name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
        prop = self.type_of(owner, name, spec)
        prop["description"] = _describe(spec)
        return prop

    def type_of(self, owner: str, name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
        kind = spec["type"]
        if kind == "array":
            return {"type": "array", "items": self.type_of(owner, name, spec["items"])}
        if kind == "object":
            self.object_type(spec["def"])
            return {"$ref": f"#/types/{type_token(spec['def'])}"}
        if "enum" in spec and kind == "string":
            return {"$ref": f"#/types/{self.enum_type(owner, name, spec['enum'])}"}
        return {"type": kind if kind in _PRIMITIVES else "string"}

    def object_type(self, def_name: str) -> None:
        token = type_token(def_name)
        if token in self.types:
            return
        self.types[token] = {}  # placeholder: recursive definitions end here
        definition = self.defs[def_name]
        self.types[token] = {
            "type": "object",
            "description": f"Avi {def_name}.",
            "properties": {
                name: self.property(def_name, name, spec)
                for name, spec in sorted(definition["fields"].items())
            },
            "required": sorted(definition.get("required", ())),
        }

    def enum_type(self, owner: str, field: str, options: list[Any]) -> str:
        token = type_token(owner + "".join(p.capitalize() for p in field.split("_")))
        self.types[token] = {
            "type": "string",
            "description": f"Options of {owner}.{field}.",
            "enum": _enum_members([str(v) for v in options]),
        }
        return token


def merge_component_schema(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """The Avi resources' schema plus the components' (resources with isComponent, their types)."""
    return {
        **schema,
        "resources": {**schema["resources"], **components.get("resources", {})},
        "types": dict(sorted({**schema["types"], **components.get("types", {})}.items())),
    }


def _describe(spec: Mapping[str, Any]) -> str:
    parts = []
    if spec.get("doc"):
        parts.append(str(spec["doc"]))
    target = spec.get("ref") or (spec.get("items") or {}).get("ref")
    if target:
        parts.append(
            f"Reference to a {target}: `/api/{target}/<uuid>` or `/api/{target}?name=<name>`."
        )
    if "min" in spec:
        parts.append(f"Allowed values: {spec['min']}-{spec['max']}.")
    if "default" in spec:
        parts.append(f"Default: `{json.dumps(spec['default'])}`.")
    if spec.get("since"):
        parts.append(f"Field introduced in {spec['since']}.")
    if spec.get("readonly"):
        parts.append("Set by the controller.")
    return " ".join(parts)


def _enum_members(values: list[str]) -> list[dict[str, str]]:
    """Each option with a PascalCase member name, which every code generator turns into its
    language's style (Python ``HEALTH_MONITOR_TCP``, TypeScript ``HealthMonitorTcp``); given Avi's
    own upper-case option, Python's generator splits it at odd places. Names stay unique."""
    members, seen = [], set()
    for value in values:
        name = _enum_name(value)
        while name in seen:
            name += "_"
        seen.add(name)
        members.append({"value": value, "name": name})
    return members


def _enum_name(value: str) -> str:
    """``HEALTH_MONITOR_TCP`` -> ``HealthMonitorTcp``; ``SSL_VERSION_TLS1_1`` ->
    ``SslVersionTls1_1`` (a part starting with a digit keeps its underscore); ``4K`` -> ``V4k``."""
    parts = [p for p in "".join(ch if ch.isalnum() else "_" for ch in value).split("_") if p]
    name = ""
    for part in parts:
        joiner = "_" if name and part[0].isdigit() else ""
        name += joiner + part[0].upper() + part[1:].lower()
    return name if name and not name[0].isdigit() else f"V{name}"
