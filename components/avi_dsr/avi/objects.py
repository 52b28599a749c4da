"""check/diff/create/read/update/delete for one Avi object type, independent of any Pulumi host.

Inputs are the Avi body fields at top level plus a few of ours (`EXTRA_INPUTS`); the state a
resource keeps is the controller's canonical object plus `ref` and `managed_fields` — what diff and
a one-PUT update need, nothing more (no connection, no password: those belong to the provider).
The Pulumi host (avi_dsr.provider) only converts wire values and calls these methods.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..versions import OLDEST_KNOWN_API_VERSION
from . import policy, schema
from .calls import WITH_NAMES, ObjectCalls
from .client import AviSession, CallFailed, error_text
from .compare import differences, merge
from .errors import AviProviderError, CommittedButFailed, describe
from .oper import NotUp, read_oper, wait_until_up
from .ownership import (
    Owner,
    claim_of,
    foreign_owner_error,
    with_owner,
    without_owner,
)
from .preflight import facts_from_input, run_preflight
from .refs import canonicalize_refs, parse_ref
from .specs import ObjectSpec, spec_for
from .values import is_unknown, normalize_numbers, path_is_under, unknown_paths

# Inputs that are ours, not Avi fields (no Avi object has fields with these names).
EXTRA_INPUTS = frozenset({"adopt", "tenant", "preflight", "wait_for_up_seconds"})
# Outputs that are ours: everything else in the state is the controller's object.
EXTRA_OUTPUTS = frozenset({"ref", "managed_fields", "oper_status", "oper_reason"})


@dataclass(frozen=True)
class Failure:
    """A check failure: the input property and a one-line reason naming the fix."""

    prop: str
    reason: str


@dataclass(frozen=True)
class DiffOutcome:
    changes: bool
    replaces: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)


def split_inputs(inputs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(Avi body, our extras)."""
    body = {k: v for k, v in inputs.items() if k not in EXTRA_INPUTS and v is not None}
    extras = {k: inputs.get(k) for k in EXTRA_INPUTS}
    return normalize_numbers(body), extras


def observed_of(state: Mapping[str, Any]) -> dict[str, Any]:
    """The controller's object inside a resource state."""
    return {k: v for k, v in state.items() if k not in EXTRA_OUTPUTS}


class AviObjects:
    """Everything one object type needs; type-specific facts come from its ObjectSpec."""

    def __init__(self, object_type: str) -> None:
        self.object_type = object_type
        self.spec: ObjectSpec = spec_for(object_type)

    # ----------------------------------------------------------------------------- check
    def check(self, inputs: Mapping[str, Any], api_version: str | None) -> list[Failure]:
        """Problems with the inputs, found without any request."""
        body, extras = split_inputs(inputs)
        what = describe(self.object_type, body.get("name"))
        failures = [Failure(prop, f"{what}: {reason}") for prop, reason in _extra_problems(extras)]
        if not isinstance(body.get("name"), str) and not is_unknown(body.get("name")):
            failures.append(Failure("name", f"{what}: name is required (the Avi object name)"))
        skip = list(unknown_paths(body))
        try:
            avi_schema = schema.load_schema(api_version or OLDEST_KNOWN_API_VERSION)
        except schema.UnknownApiVersion as err:
            return [*failures, Failure("apiVersion", f"{what}: {err}")]
        for v in avi_schema.validate(self.object_type, body):
            if (
                v.path == "name"
                or is_unknown(v.value)
                or any(path_is_under(v.path, s) for s in skip)
            ):
                continue
            allowed = f"; allowed: {v.allowed}" if v.allowed else ""
            shown = "" if v.problem == "is required" else f" = {_short(v.value)}"
            failures.append(Failure(v.path, f"{what}: {v.path}{shown} {v.problem}{allowed}"))
        return failures

    # ------------------------------------------------------------------------------ diff
    def diff(
        self, state: Mapping[str, Any], inputs: Mapping[str, Any], owner: Owner, tenant: str
    ) -> DiffOutcome:
        """Subset compare of the desired body against the stored controller object."""
        body, extras = split_inputs(inputs)
        observed = observed_of(state)
        claim = claim_of(observed)
        if claim.is_other_stack(owner):
            what = describe(self.object_type, body.get("name"))
            raise AviProviderError(
                foreign_owner_error(what, str(state.get("uuid")), claim, "manage")
            )
        replaces = [f for f in self.spec.replaces if f in body and self._differs(f, body, observed)]
        if _tenant_changed(extras.get("tenant") or tenant, observed.get("tenant_ref")):
            replaces.append("tenant")
        changed = set(replaces)
        changed.update(self._changed_fields(body, observed))
        changed.update(removed_fields(state.get("managed_fields") or [], body, self.spec))
        diffs = sorted(changed)
        return DiffOutcome(changes=bool(diffs), replaces=sorted(set(replaces)), diffs=diffs)

    def _differs(
        self, field_name: str, body: Mapping[str, Any], observed: Mapping[str, Any]
    ) -> bool:
        return bool(differences({field_name: body[field_name]}, observed, self.spec, {}))

    def _changed_fields(self, body: Mapping[str, Any], observed: Mapping[str, Any]) -> set[str]:
        """Top-level fields whose desired value is not contained in the controller's."""
        paths = differences(without_owner(body), without_owner(observed), self.spec, {})
        return {p.split(".")[0].split("[")[0] for p in paths}

    # ---------------------------------------------------------------------------- create
    def create(
        self, session: AviSession, inputs: Mapping[str, Any], owner: Owner
    ) -> dict[str, Any]:
        body, extras = split_inputs(inputs)
        what = describe(self.object_type, body.get("name"))
        calls = ObjectCalls(session, what, extras.get("tenant"))
        self._preflight(session, body, extras, what)
        desired = with_owner(body, owner)
        if extras.get("adopt"):
            obj = self._adopt(calls, str(extras["adopt"]), desired, owner)
        else:
            obj = self._post(calls, desired, owner)
        return self._finish(calls, obj, body, extras)

    def _preflight(
        self, session: AviSession, body: Mapping[str, Any], extras: Mapping[str, Any], what: str
    ) -> None:
        """Before a write: the controller's facts, then the body against the version in use
        (with apiVersion unset, check could not know it: the login told us)."""
        run_preflight(session, facts_from_input(extras.get("preflight")), what)
        if session.conn.api_version is None and session.api_version:
            problems = [
                f"{v.path}: {v.problem}"
                for v in schema.load_schema(session.api_version).validate(self.object_type, body)
            ]
            if problems:
                raise AviProviderError(
                    f"{what}: not valid for Avi API {session.api_version}, the controller's "
                    f"version: {'; '.join(problems)}"
                )

    def _post(self, calls: ObjectCalls, desired: dict[str, Any], owner: Owner) -> dict[str, Any]:
        """POST; when its outcome is unknown, find the object by name and trust only markers."""
        deadline = calls.deadline()
        waits = policy.current().waits()
        while True:
            try:
                rsp = calls.post_once(self.object_type, desired)
            except CallFailed as failure:
                last, sent = failure.describe(), failure.may_have_committed
            else:
                if rsp.status_code in (200, 201):
                    return rsp.json()
                if 400 <= rsp.status_code < 500 and rsp.status_code != 409:
                    raise AviProviderError(
                        f"{calls.what}: create rejected by the controller (HTTP "
                        f"{rsp.status_code}: {error_text(rsp)}); fix the field it names"
                    )
                last, sent = f"HTTP {rsp.status_code}: {error_text(rsp)}", True
            if sent:  # 409, 5xx, or no reply: the name may be taken, possibly by our own POST
                existing = self._find_for_reconcile(calls, desired["name"], deadline)
                if existing is not None:
                    return self._take_over(calls, existing, desired, owner)
            wait = next(waits)
            if time.monotonic() + wait > deadline:
                raise AviProviderError(
                    f"{calls.what}: create failed for {policy.current().window_seconds:g} s "
                    f"({last}); nothing was recorded. Run `pulumi up` again when the controller is "
                    "healthy: an object this run made is found again by its ownership markers"
                )
            time.sleep(wait)

    def _find_for_reconcile(
        self, calls: ObjectCalls, name: str, deadline: float
    ) -> dict[str, Any] | None:
        try:
            return calls.find_by_name(self.object_type, name)
        except AviProviderError:
            if time.monotonic() >= deadline:
                raise
            return None  # the lookup failed too: the caller waits and tries the POST again

    def _take_over(
        self, calls: ObjectCalls, existing: dict[str, Any], desired: dict[str, Any], owner: Owner
    ) -> dict[str, Any]:
        """A same-named object: ours only if its markers name this very resource."""
        claim = claim_of(existing)
        if claim.is_resource(owner):
            return self._converge(calls, existing, desired)
        if claim.is_other_stack(owner):
            raise AviProviderError(
                foreign_owner_error(calls.what, str(existing.get("uuid")), claim, "take over")
            )
        raise AviProviderError(
            f"{calls.what}: an object with this name already exists on the controller (uuid "
            f"{existing.get('uuid')}) and is not managed by this stack; set adopt to its name to "
            "take it over, or choose another name"
        )

    def _adopt(
        self, calls: ObjectCalls, key: str, desired: dict[str, Any], owner: Owner
    ) -> dict[str, Any]:
        parsed = parse_ref(key)  # a ref or a bare uuid; anything else is a name
        existing = None
        if parsed and parsed.uuid:
            rsp = calls.get(f"{self.object_type}/{parsed.uuid}", params=WITH_NAMES)
            existing = rsp.json() if rsp.status_code == 200 else None
        if existing is None:
            name = parsed.name if parsed and parsed.name else key
            existing = calls.find_by_name(self.object_type, name)
        if existing is None:
            raise AviProviderError(
                f"{calls.what}: adopt={key!r} found no {self.object_type} with that name or uuid "
                f"in tenant {calls.tenant or calls.session.conn.tenant!r}; fix adopt, or remove "
                "it to create the object"
            )
        claim = claim_of(existing)
        if claim.is_other_stack(owner):
            raise AviProviderError(
                foreign_owner_error(calls.what, str(existing.get("uuid")), claim, "adopt")
            )
        return self._put(calls, existing["uuid"], merge(existing, desired, self.spec))

    def _converge(
        self, calls: ObjectCalls, existing: dict[str, Any], desired: dict[str, Any]
    ) -> dict[str, Any]:
        """An object we own already: PUT only if it differs from what we want."""
        if not differences(desired, existing, self.spec, {}):
            return existing
        return self._put(calls, existing["uuid"], merge(existing, desired, self.spec))

    # ------------------------------------------------------------------------------ read
    def read(
        self, session: AviSession, uuid: str, state: Mapping[str, Any], tenant: str | None
    ) -> dict[str, Any] | None:
        """The current state, or None when the object is gone."""
        what = describe(self.object_type, state.get("name"))
        calls = ObjectCalls(session, what, tenant)
        rsp = calls.get(f"{self.object_type}/{uuid}", params=WITH_NAMES)
        if rsp.status_code == 404:
            return None
        calls.raise_unless_ok(rsp, "read")
        obj = rsp.json()
        managed = list(state.get("managed_fields") or [])
        return self._outputs(obj, managed, self._oper(calls, obj, state), session.api_version)

    def importable_inputs(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """What `pulumi import` writes as inputs: the user-settable fields that differ from the
        schema's defaults (controller-owned fields and our markers left out)."""
        observed = without_owner(observed_of(state))
        avi_schema = schema.load_schema()
        user = {k: v for k, v in observed.items() if k not in self.spec.skipped}
        return avi_schema.strip_defaults(self.object_type, user)

    # ---------------------------------------------------------------------------- update
    def update(
        self,
        session: AviSession,
        uuid: str,
        state: Mapping[str, Any],
        inputs: Mapping[str, Any],
        owner: Owner,
    ) -> dict[str, Any]:
        """PUT desired over the stored object: one request, controller-owned fields kept.

        The stored state is what the controller returned at the last create/read/update, so a
        refresh picks up out-of-band edits first.
        """
        body, extras = split_inputs(inputs)
        what = describe(self.object_type, body.get("name"))
        calls = ObjectCalls(session, what, extras.get("tenant"))
        current = observed_of(state)
        claim = claim_of(current)
        if claim.is_other_stack(owner):
            raise AviProviderError(foreign_owner_error(what, uuid, claim, "update"))
        self._preflight(session, body, extras, what)
        removed = removed_fields(state.get("managed_fields") or [], body, self.spec)
        current = {k: v for k, v in normalize_numbers(current).items() if k not in removed}
        obj = self._put(calls, uuid, merge(current, with_owner(body, owner), self.spec))
        return self._finish(calls, obj, body, extras)

    def _put(self, calls: ObjectCalls, uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        rsp = calls.put(f"{self.object_type}/{uuid}", body)
        if rsp.status_code == 404:
            raise AviProviderError(
                f"{calls.what}: uuid {uuid} no longer exists on the controller (deleted outside "
                "Pulumi); run `pulumi refresh`, then `pulumi up` to recreate it"
            )
        calls.raise_unless_ok(rsp, "update")
        return rsp.json()

    # ---------------------------------------------------------------------------- delete
    def delete(
        self, session: AviSession, uuid: str, state: Mapping[str, Any], owner: Owner
    ) -> None:
        what = describe(self.object_type, state.get("name"))
        claim = claim_of(observed_of(state))
        if claim.is_other_stack(owner):
            raise AviProviderError(foreign_owner_error(what, uuid, claim, "delete"))
        calls = ObjectCalls(session, what, _tenant_name(state.get("tenant_ref")))
        deadline = time.monotonic() + policy.current().referred_by_seconds
        waits = policy.current().waits()
        while True:
            rsp = calls.delete(f"{self.object_type}/{uuid}")
            if rsp.status_code in (200, 204, 404):
                return
            text = error_text(rsp)
            if "system default object" in text:
                return  # the controller keeps its System-* objects
            if "referred by" not in text.lower():
                raise AviProviderError(f"{what}: delete failed (HTTP {rsp.status_code}: {text})")
            wait = next(waits)
            if time.monotonic() + wait > deadline:
                who = text.split("referred by", 1)[-1].strip(" :")
                raise AviProviderError(
                    f"{what}: cannot delete, still used by {who}; remove or repoint those objects "
                    "first, then run `pulumi destroy` again"
                )
            time.sleep(wait)

    # --------------------------------------------------------------------------- outputs
    def _finish(
        self, calls: ObjectCalls, obj: dict[str, Any], body: Mapping[str, Any], extras: Mapping
    ) -> dict[str, Any]:
        managed = sorted(k for k in body if k not in self.spec.skipped)
        version = calls.session.api_version
        wait = extras.get("wait_for_up_seconds") or 0
        if self.object_type != "virtualservice" or not wait:
            return self._outputs(obj, managed, None, version)
        try:
            oper = wait_until_up(calls, obj["uuid"], float(wait))
        except NotUp as down:
            outputs = self._outputs(obj, managed, (down.state, down.reason), version)
            raise CommittedButFailed(str(down), obj["uuid"], outputs) from None
        return self._outputs(obj, managed, oper, version)

    def _oper(
        self, calls: ObjectCalls, obj: Mapping[str, Any], state: Mapping[str, Any]
    ) -> tuple[str, str] | None:
        if self.object_type != "virtualservice" or "oper_status" not in state:
            return None  # only a VS that was waited for reports its oper status
        return read_oper(calls, str(obj["uuid"]))

    def _outputs(
        self,
        obj: Mapping[str, Any],
        managed: list[str],
        oper: tuple[str, str] | None,
        api_version: str | None,
    ) -> dict[str, Any]:
        """Canonical state: identical whether the object came from a write or a read.

        What diff and a one-PUT update need, no more: the engine rewrites the whole state after
        every step, so each byte kept costs once per step of the run. Left out: fields the
        controller rewrites and a PUT never carries (url, _last_modified, ...), and fields the
        user does not set that hold their default (a PUT that omits them gets the same default).
        """
        canonical: dict[str, Any] = canonicalize_refs(normalize_numbers(dict(obj)))  # type: ignore[assignment]
        avi_schema = schema.load_schema(api_version or OLDEST_KNOWN_API_VERSION)
        outs = {
            k: v
            for k, v in canonical.items()
            if (k == "uuid" or k not in self.spec.skipped)
            and (k in managed or not avi_schema.is_default(self.object_type, k, v))
        }
        outs["ref"] = f"/api/{self.object_type}/{obj['uuid']}"
        outs["managed_fields"] = managed
        if oper is not None:
            outs["oper_status"], outs["oper_reason"] = oper
        return outs


def removed_fields(managed: list[str], body: Mapping[str, Any], spec: ObjectSpec) -> set[str]:
    """Top-level fields the user stopped setting: they go back to the controller's default."""
    return {k for k in managed if k not in body and k not in spec.skipped}


def _tenant_name(tenant_ref: Any) -> str | None:
    parsed = parse_ref(tenant_ref) if isinstance(tenant_ref, str) else None
    return (parsed.name or parsed.uuid) if parsed else None


def _tenant_changed(wanted: str | None, tenant_ref: Any) -> bool:
    """The tenant scopes an object's name: a different tenant is a different object.
    Tenant uuids equal names for `admin` only; other tenants compare by the ref's `#name`."""
    current = _tenant_name(tenant_ref)
    return bool(wanted) and current is not None and wanted != current


def _extra_problems(extras: Mapping[str, Any]) -> list[tuple[str, str]]:
    problems = []
    adopt = extras.get("adopt")
    if adopt is not None and not is_unknown(adopt) and not (isinstance(adopt, str) and adopt):
        problems.append(("adopt", "adopt must be the name or uuid of an existing object, or unset"))
    tenant = extras.get("tenant")
    if tenant is not None and not is_unknown(tenant) and not (isinstance(tenant, str) and tenant):
        problems.append(("tenant", "tenant must be a tenant name such as 'admin', or unset"))
    wait = extras.get("wait_for_up_seconds")
    wait_ok = isinstance(wait, int | float) and not isinstance(wait, bool) and 0 <= wait <= 3600
    if wait is not None and not is_unknown(wait) and not wait_ok:
        problems.append(
            ("wait_for_up_seconds", "wait_for_up_seconds must be 0 (do not wait) to 3600")
        )
    return problems


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
