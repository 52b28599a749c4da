"""The one generic dynamic provider for every Avi object type (Contract 3).

The pickled provider holds only the object type string: no session, no secret, no spec object, so
`__provider` is tiny, identical across runs, and code changes never show up as `~__provider`.
Everything type-specific comes from `specs.SPECS` at call time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from ..controller_address import base_url
from . import host_errors, policy, schema
from .compare import differences, merge, without_fields
from .connection import connection_problems, with_defaults
from .errors import AviProviderError, describe
from .refs import canonicalize_refs, harvest_names, is_ref_field, parse_ref
from .session import LOG, AviClient, ConnectionDropped, error_text
from .specs import ObjectSpec, spec_for
from .values import is_unknown, normalize_numbers, path_is_under, unknown_paths

host_errors.install()  # no-op outside `python -m pulumi.dynamic`

# Reads ask for `#name` on every ref, so by-name refs in a body can be compared with what the
# controller holds even when the name was never seen in a write response.
WITH_NAMES = {"include_name": "true"}

_REFERRED_RE = re.compile(r"referred by:?\s*(?P<who>.*)", re.IGNORECASE)


class AviObjectProvider(ResourceProvider):
    """check/diff/create/read/update/delete for one Avi object type over avisdk."""

    def __init__(self, object_type: str) -> None:
        super().__init__()
        self.object_type = object_type

    @property
    def spec(self) -> ObjectSpec:
        return spec_for(self.object_type)

    # ----------------------------------------------------------------------------- check
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = [
            CheckFailure(prop, f"{self.object_type}: {reason}")
            for prop, reason in connection_problems(news.get("connection"), news.get("password"))
        ]
        body = news.get("body")
        if is_unknown(body):
            return CheckResult(news, failures)
        if not isinstance(body, Mapping):
            failures.append(CheckFailure("body", f"{self.object_type}: body must be a mapping"))
            return CheckResult(news, failures)
        body = normalize_numbers(dict(body))
        failures += self._body_failures(body)
        adopt = news.get("adopt")
        if adopt is not None and not is_unknown(adopt) and not (isinstance(adopt, str) and adopt):
            failures.append(
                CheckFailure(
                    "adopt",
                    f"{describe(self.object_type, body.get('name'))}: adopt must "
                    "be the name or uuid of an existing object, or unset",
                )
            )
        return CheckResult({**news, "body": body}, failures)

    def _body_failures(self, body: dict[str, Any]) -> list[CheckFailure]:
        what = describe(self.object_type, body.get("name"))
        skip = list(unknown_paths(body))
        try:
            avi_schema = schema.load_schema()
        except FileNotFoundError as exc:
            return [
                CheckFailure(
                    "body", f"{what}: the Avi schema file is missing ({exc}); reinstall avi-dsr"
                )
            ]
        failures = []
        for v in avi_schema.validate(self.object_type, body):
            if is_unknown(v.value) or any(path_is_under(v.path, s) for s in skip):
                continue
            allowed = f"; allowed: {v.allowed}" if v.allowed else ""
            shown = "" if v.problem == "is required" else f" = {v.value!r}"
            failures.append(
                CheckFailure(f"body.{v.path}", f"{what}: body.{v.path}{shown} {v.problem}{allowed}")
            )
        return failures

    # ------------------------------------------------------------------------------ diff
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        spec = self.spec
        replaces = self._connection_replaces(olds.get("connection") or {}, news.get("connection"))
        if is_unknown(news.get("body")):  # preview: the whole body waits on other resources
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=True)
        new_body = normalize_numbers(dict(news.get("body") or {}))
        old_body = olds.get("body") or {}
        observed = olds.get("observed")
        names = olds.get("ref_names") or {}
        if not isinstance(observed, Mapping):
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=True)
        for field in spec.replaces:
            if field in new_body and differences({field: new_body[field]}, observed, spec, names):
                replaces.append(f"body.{field}")
        changed = bool(
            replaces
            or differences(new_body, observed, spec, names)
            or removed_fields(old_body, new_body, spec)
            or news.get("password") != olds.get("password")
            or _comparable(news.get("connection")) != _comparable(olds.get("connection"))
        )
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace=True)

    def _connection_replaces(self, old: Mapping[str, Any], new: Any) -> list[str]:
        if not isinstance(new, Mapping):
            return ["connection.controller"]
        was, now = _comparable(old), _comparable(new)
        return [f"connection.{f}" for f in ("controller", "tenant") if was[f] != now[f]]

    # ---------------------------------------------------------------------------- create
    def create(self, props: dict[str, Any]) -> CreateResult:
        body = normalize_numbers(dict(props["body"]))
        what = describe(self.object_type, body.get("name"))
        client = self._client(props, what)
        if props.get("adopt"):
            obj = self._adopt(client, props["adopt"], body, what)
        else:
            obj = self._post(client, body, what)
        outs = self._outputs(obj, props, body, {})
        return CreateResult(outs["uuid"], outs)

    def _post(self, client: AviClient, body: dict[str, Any], what: str) -> dict[str, Any]:
        """POST, reconciling by name when a try may have committed before the connection failed."""
        started = time.time()
        may_have_committed = False
        waits = policy.current().waits()
        for attempt in range(len(waits) + 1):
            try:
                rsp = client.post(self.object_type, body)
            except ConnectionDropped:
                rsp, may_have_committed = None, True
            if rsp is not None and rsp.status_code in (200, 201):
                return rsp.json()
            if rsp is not None and 400 <= rsp.status_code < 500 and rsp.status_code != 409:
                raise AviProviderError(
                    f"{what}: create rejected by the controller (HTTP {rsp.status_code}: "
                    f"{error_text(rsp)}); fix the body field it names"
                )
            if rsp is not None and rsp.status_code >= 500:
                may_have_committed = True
            existing = self._find_by_name(client, body["name"])
            if existing is not None:
                if may_have_committed and self._made_by_us(existing, body, started):
                    return existing
                raise AviProviderError(
                    f"{what}: an object with this name already exists on the controller and is "
                    f"not managed by this stack (uuid {existing.get('uuid')}); set "
                    f"adopt={body['name']!r} to take it over, or choose another name"
                )
            if attempt < len(waits):
                time.sleep(waits[attempt])  # 409 without an object: name still held after delete
        status = "no answer" if rsp is None else f"HTTP {rsp.status_code}: {error_text(rsp)}"
        raise AviProviderError(
            f"{what}: create failed after {len(waits) + 1} tries ({status}); check the "
            "controller's health and run `pulumi up` again"
        )

    def _made_by_us(
        self, existing: Mapping[str, Any], sent: Mapping[str, Any], started: float
    ) -> bool:
        if differences(sent, existing, self.spec, harvest_names(existing)):
            return False
        try:
            modified = int(existing.get("_last_modified", "0")) / 1e6
        except (TypeError, ValueError):
            return False
        return modified >= started - policy.current().created_within_seconds

    def _find_by_name(self, client: AviClient, name: str) -> dict[str, Any] | None:
        rsp = client.get(self.object_type, params={"name": name, **WITH_NAMES})
        if rsp.status_code != 200:
            return None
        results = (rsp.json() or {}).get("results") or []
        return results[0] if results else None

    def _adopt(self, client: AviClient, key: str, body: dict[str, Any], what: str) -> dict:
        parsed = parse_ref(key)  # a ref or a bare uuid; anything else is a name
        existing = None
        if parsed and parsed.uuid:
            rsp = client.get(f"{self.object_type}/{parsed.uuid}", params=WITH_NAMES)
            existing = rsp.json() if rsp.status_code == 200 else None
        if existing is None:
            existing = self._find_by_name(client, parsed.name if parsed and parsed.name else key)
        if existing is None:
            raise AviProviderError(
                f"{what}: adopt={key!r} found no {self.object_type} with that name or uuid in "
                f"tenant {client.tenant!r}; fix adopt, or remove it to create the object"
            )
        return self._put(client, existing["uuid"], merge(existing, body, self.spec), what)

    # ------------------------------------------------------------------------------ read
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        body = props.get("body") or {}
        what = describe(self.object_type, body.get("name") or props.get("name"))
        rsp = self._client(props, what).get(f"{self.object_type}/{id_}", params=WITH_NAMES)
        if rsp.status_code == 404:
            return ReadResult(None, {})
        self._raise_unless_ok(rsp, "read", what)
        return ReadResult(id_, self._outputs(rsp.json(), props, body, props.get("ref_names")))

    # ---------------------------------------------------------------------------- update
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """PUT desired over the last observed object: one request, controller-owned fields kept.

        The stored `observed` is what the controller returned at the last create/read/update, so
        a refresh picks up out-of-band edits first; without one we GET.
        """
        body = normalize_numbers(dict(news["body"]))
        what = describe(self.object_type, body.get("name"))
        client = self._client(news, what)
        current = olds.get("observed")
        if not isinstance(current, Mapping):
            rsp = client.get(f"{self.object_type}/{id_}", params=WITH_NAMES)
            self._raise_if_gone(rsp, id_, what)
            self._raise_unless_ok(rsp, "update", what)
            current = rsp.json()
        current = without_fields(
            normalize_numbers(dict(current)),
            removed_fields(olds.get("body") or {}, body, self.spec),
        )
        rsp = client.put(f"{self.object_type}/{id_}", merge(current, body, self.spec))
        self._raise_if_gone(rsp, id_, what)
        self._raise_unless_ok(rsp, "update", what)
        return UpdateResult(self._outputs(rsp.json(), news, body, olds.get("ref_names")))

    @staticmethod
    def _raise_if_gone(rsp: Any, id_: str, what: str) -> None:
        if rsp.status_code == 404:
            raise AviProviderError(
                f"{what}: uuid {id_} no longer exists on the controller (deleted outside Pulumi); "
                "run `pulumi refresh`, then `pulumi up` to recreate it"
            )

    def _put(self, client: AviClient, uuid: str, body: dict[str, Any], what: str) -> dict:
        rsp = client.put(f"{self.object_type}/{uuid}", body)
        self._raise_unless_ok(rsp, "update", what)
        return rsp.json()

    # ---------------------------------------------------------------------------- delete
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        what = describe(self.object_type, (props.get("body") or {}).get("name"))
        client = self._client(props, what)
        deadline = time.monotonic() + policy.current().referred_by_seconds
        wait = policy.current().backoff_seconds
        while True:
            rsp = client.delete(f"{self.object_type}/{id_}")
            if rsp.status_code in (200, 204, 404):
                return
            text = error_text(rsp)
            if "system default object" in text:
                LOG.warning("%s: the controller keeps system objects; left in place", what)
                return
            referred = _REFERRED_RE.search(text)
            if referred is None:
                raise AviProviderError(f"{what}: delete failed (HTTP {rsp.status_code}: {text})")
            if time.monotonic() + wait > deadline:
                raise AviProviderError(
                    f"{what}: cannot delete, still used by {referred['who'].strip()}; remove or "
                    "repoint those objects first, then run `pulumi destroy` again"
                )
            time.sleep(wait)
            wait = min(wait * 2, policy.current().max_backoff_seconds)

    # --------------------------------------------------------------------------- helpers
    def _client(self, props: Mapping[str, Any], what: str) -> AviClient:
        conn = props.get("connection")
        password = props.get("password")
        if not isinstance(conn, Mapping) or not isinstance(password, str):
            raise AviProviderError(
                f"{what}: no connection/password in the resource state; run `pulumi up` with "
                "the connection set so the provider can authenticate"
            )
        return AviClient(conn, password, what)

    def _raise_unless_ok(self, rsp: Any, action: str, what: str) -> None:
        if rsp.status_code not in (200, 201):
            raise AviProviderError(
                f"{what}: {action} failed (HTTP {rsp.status_code}: {error_text(rsp)})"
            )

    def _outputs(
        self,
        obj: Mapping[str, Any],
        props: Mapping[str, Any],
        body: Mapping[str, Any],
        known_names: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        """Canonical outputs: identical whether the object came from a write or a read."""
        observed = canonicalize_refs(dict(obj))
        names = {**(known_names or {}), **harvest_names(obj)}
        in_use = {p.uuid for p in map(parse_ref, _ref_values(observed)) if p and p.uuid}
        return {
            "uuid": obj["uuid"],
            "ref": f"/api/{self.object_type}/{obj['uuid']}",
            "name": obj.get("name"),
            "observed": observed,
            "body": dict(body),
            "connection": with_defaults(props.get("connection")),
            "password": props.get("password"),
            "adopt": props.get("adopt"),
            "ref_names": {u: n for u, n in sorted(names.items()) if u in in_use},
        }


def removed_fields(
    old_body: Mapping[str, Any], new_body: Mapping[str, Any], spec: ObjectSpec
) -> set[str]:
    """Top-level fields the user stopped setting: they go back to the controller's default."""
    return {k for k in old_body if k not in new_body and k not in spec.skipped}


def _comparable(conn: Any) -> dict[str, Any]:
    """The connection as it matters for an update: `ctrl` and `https://ctrl/` are the same."""
    plain = with_defaults(conn)
    return {**plain, "controller": _controller_id(plain.get("controller"))}


def _controller_id(controller: Any) -> Any:
    try:
        return base_url(controller) if isinstance(controller, str) else controller
    except ValueError:
        return controller


def _ref_values(obj: Any, key: str = "") -> list[str]:
    if isinstance(obj, Mapping):
        return [r for k, v in obj.items() for r in _ref_values(v, k)]
    if isinstance(obj, list):
        return [r for v in obj for r in _ref_values(v, key)]
    return [obj] if isinstance(obj, str) and is_ref_field(key) else []
