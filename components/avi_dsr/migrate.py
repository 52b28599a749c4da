"""Move a stack made by the dynamic-provider version (0.1) to the avi-dsr provider plugin.

Why state surgery: the engine treats a resource whose provider changes package as a different
resource, so aliases alone would delete and re-create every Avi object (a traffic outage). The
objects have not changed, only the way Pulumi reaches them, so the state is rewritten to say so:
each `pulumi-python:dynamic/avi:<Type>` resource becomes `avi-dsr:avi:<Type>` (same name, same
parent, same uuid), its controller object becomes its state, and one `pulumi:providers:avi-dsr`
resource per controller takes the connection and the (still encrypted) password. The next
`pulumi up` then finds every object in place; objects made before ownership markers existed get
theirs at their next real change.

    avi-dsr migrate --stack <name>      # pulumi stack export -> rewrite -> pulumi stack import
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from avi_dsr.avi.providers import provider_name
from avi_dsr.avi.refs import canonicalize_refs, parse_ref
from avi_dsr.avi.specs import spec_for
from avi_dsr.avi.tokens import PACKAGE, resource_token
from avi_dsr.provider import VERSION

DYNAMIC_PREFIX = "pulumi-python:dynamic/avi:"
DYNAMIC_PROVIDER = "pulumi:providers:pulumi-python"
PROVIDER_TYPE = f"pulumi:providers:{PACKAGE}"


@dataclass(frozen=True)
class Migration:
    """The rewritten deployment and what changed, one line each (for the user)."""

    deployment: dict[str, Any]
    changes: list[str]


def migrate_deployment(document: Mapping[str, Any]) -> Migration:
    """The `pulumi stack export` document, rewritten for the provider plugin (pure)."""
    doc = copy.deepcopy(dict(document))
    resources: list[dict[str, Any]] = doc["deployment"].get("resources") or []
    dynamic = [r for r in resources if r["type"].startswith(DYNAMIC_PREFIX)]
    if not dynamic:
        return Migration(doc, ["nothing to migrate: no dynamic-provider Avi resources"])
    stack, project = _stack_and_project(dynamic[0]["urn"])
    stack_urn = next(r["urn"] for r in resources if r["type"] == "pulumi:pulumi:Stack")
    providers: dict[str, dict[str, Any]] = {}
    renamed: dict[str, str] = {}
    changes: list[str] = []
    for resource in dynamic:
        connection = (resource.get("outputs") or {}).get("connection") or {}
        provider = providers.get(connection.get("controller"))
        if provider is None:
            provider = _provider(resource, stack, project, stack_urn)
            providers[connection.get("controller")] = provider
            changes.append(f"+ {provider['urn']} (controller {connection.get('controller')})")
        old_urn = resource["urn"]
        _rewrite(resource, f"{provider['urn']}::{provider['id']}")
        renamed[old_urn] = resource["urn"]
        changes.append(f"~ {old_urn.split('::')[-1]}: {class_of(old_urn)} -> {resource['type']}")
    for resource in resources:
        _rename_references(resource, renamed)
    kept = [r for r in resources if r["type"] != DYNAMIC_PROVIDER]
    first = next(i for i, r in enumerate(kept) if r["type"].startswith(f"{PACKAGE}:avi:"))
    kept[first:first] = list(providers.values())  # providers come before their resources
    doc["deployment"]["resources"] = kept
    doc["deployment"].pop("pending_operations", None)
    return Migration(doc, changes)


def class_of(urn: str) -> str:
    return urn.split("::")[-2].split("$")[-1]


def _stack_and_project(urn: str) -> tuple[str, str]:
    parts = urn.split("::")
    return parts[0].split(":")[2], parts[1]


def _provider(resource: Mapping[str, Any], stack: str, project: str, parent: str) -> dict[str, Any]:
    """The provider resource the program registers for this controller (same name and inputs
    as `avi_dsr.avi.providers.provider_for`), holding the old state's encrypted password."""
    outputs = resource.get("outputs") or {}
    connection = outputs.get("connection") or {}
    name = provider_name(connection["controller"])
    inputs: dict[str, Any] = {
        "controller": connection["controller"],
        "username": connection.get("username") or "admin",
        "password": (resource.get("inputs") or {}).get("password") or outputs.get("password"),
        "tenant": connection.get("tenant") or "admin",
        "apiVersion": connection.get("api_version"),
        "verifyTls": connection.get("verify_tls", True),
        "caBundle": connection.get("ca_bundle"),
        "version": VERSION,
    }
    inputs = {k: v for k, v in inputs.items() if v is not None}
    return {
        "urn": f"urn:pulumi:{stack}::{project}::{PROVIDER_TYPE}::{name}",
        "custom": True,
        "id": str(uuid.uuid4()),
        "type": PROVIDER_TYPE,
        "inputs": inputs,
        "outputs": copy.deepcopy(inputs),
        "parent": parent,
    }


def _rewrite(resource: dict[str, Any], provider_ref: str) -> None:
    """One dynamic Avi resource as the provider plugin keeps it (Contract 3)."""
    class_name = resource["type"].removeprefix(DYNAMIC_PREFIX)
    new_type = resource_token(class_name)
    old = resource.get("outputs") or {}
    body = old.get("body") or (resource.get("inputs") or {}).get("body") or {}
    spec = spec_for(_object_type(old, class_name))
    names = old.get("ref_names") or {}
    observed = _with_names(canonicalize_refs(old.get("observed") or {}), names)
    resource["type"] = new_type
    resource["urn"] = resource["urn"].replace(f"{DYNAMIC_PREFIX}{class_name}", new_type)
    inputs = dict(body)
    if old.get("adopt"):
        inputs["adopt"] = old["adopt"]
    resource["inputs"] = inputs
    resource["outputs"] = {
        **observed,
        "ref": old.get("ref"),
        "managed_fields": sorted(k for k in body if k not in spec.skipped),
    }
    resource["provider"] = provider_ref
    resource.pop("additionalSecretOutputs", None)  # the password left with the provider
    resource["propertyDependencies"] = {
        key: deps
        for key, deps in (resource.get("propertyDependencies") or {}).items()
        if key not in ("connection", "password", "body", "__provider")
    }


def _object_type(outputs: Mapping[str, Any], class_name: str) -> str:
    ref = parse_ref(str(outputs.get("ref") or ""))
    return ref.obj_type if ref and ref.obj_type else class_name.lower()


def _with_names(value: Any, names: Mapping[str, str], key: str = "") -> Any:
    """Refs stored without `#name` get it back from the old `ref_names` map, so a by-name ref
    in a body still compares equal (the plugin keeps names in its state)."""
    if isinstance(value, Mapping):
        return {k: _with_names(v, names, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_names(v, names, key) for v in value]
    if isinstance(value, str) and (key.endswith("_ref") or key.endswith("_refs")):
        parsed = parse_ref(value)
        if parsed and parsed.uuid and not parsed.name and parsed.uuid in names:
            return f"{value}#{names[parsed.uuid]}"
    return value


def _rename_references(resource: dict[str, Any], renamed: Mapping[str, str]) -> None:
    if resource.get("parent") in renamed:
        resource["parent"] = renamed[resource["parent"]]
    if resource.get("dependencies"):
        resource["dependencies"] = [renamed.get(d, d) for d in resource["dependencies"]]
    for key, deps in (resource.get("propertyDependencies") or {}).items():
        resource["propertyDependencies"][key] = [renamed.get(d, d) for d in deps]


def migrate_stack(stack: str, pulumi: str = "pulumi", cwd: str | None = None) -> list[str]:
    """Export, rewrite and import one stack (the CLI's `avi-dsr migrate`)."""
    exported = subprocess.run(
        [pulumi, "stack", "export", "--stack", stack],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    migration = migrate_deployment(json.loads(exported))
    if migration.deployment == json.loads(exported):
        return migration.changes
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(migration.deployment, handle)
    try:
        subprocess.run(
            [pulumi, "stack", "import", "--stack", stack, "--file", handle.name],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(handle.name)
    return migration.changes
