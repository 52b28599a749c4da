"""The controller's object store: tenant-scoped CRUD with ref resolution and referential integrity.

Objects are stored with host-less canonical refs (``/api/<type>/<uuid>``); ``render`` turns them
into what the wire shows. One re-entrant lock guards everything: the HTTP server is threaded.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid as uuidlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from avisim import normalize, render, write_rules
from avisim.context import RequestContext
from avisim.dsr_rules import DsrRules
from avisim.errors import ApiError
from avisim.gates import check_gates
from avisim.objtypes import (
    CLOUD_SCOPED,
    GLOBAL_TYPES,
    READ_ONLY_TYPES,
    SERVER_OWNED_FIELDS,
    display_name,
    is_ref_field,
)
from avisim.refs import RefQuery, canonical_ref, parse_ref, split_canonical
from avisim.schema import ENTERPRISE, ESSENTIALS, Schema
from avisim.seed import ADMIN_TENANT_UUID, Seed
from avisim.versions import Version, parse_version
from avisim.write_rules import StoreView

Obj = dict[str, Any]
DEFAULT_PAGE_SIZE = 25


class Controller:
    """In-memory Avi objects plus the rules a controller applies on every write."""

    def __init__(
        self,
        *,
        schema: Schema,
        seed: Sequence[Seed],
        rules: DsrRules | None = None,
        edition: str = ENTERPRISE,
        clock: Callable[[], float] = time.time,
        on_commit: Callable[[Mapping[str, Any]], None] | None = None,
        snapshot: Mapping[str, Any] | None = None,
    ) -> None:
        """``schema`` is the controller's release; ``clock`` gives wall-clock seconds for
        ``_last_modified`` (the simulator shifts it for clock-skew tests)."""
        self.lock = threading.RLock()
        self.schema = schema
        self.version: Version = parse_version(schema.version)
        self.edition = edition
        self.rules = rules or DsrRules()
        self._clock = clock
        self._on_commit = on_commit
        self._objects: dict[str, dict[str, Obj]] = {}
        self._system: set[str] = set()
        self._referrers: dict[str, set[str]] = {}  # target uuid -> canonical refs of referrers
        self._last_modified = 0
        self._committed_at: dict[str, float] = {}  # uuid -> monotonic time of its last write
        if snapshot:
            self._restore(snapshot)
        else:
            self._seed(seed)

    # ---- read API -------------------------------------------------------------------------

    def list(self, ctx: RequestContext, obj_type: str, params: Mapping[str, str]) -> Obj:
        """GET /api/<type>: filtered, paged, rendered."""
        with self.lock:
            self._check_type(obj_type)
            found = [
                o
                for o in self._visible(ctx.tenant, obj_type)
                if _matches(obj_type, o, params, self)
            ]
            page_size = _int_param(params, "page_size", DEFAULT_PAGE_SIZE)
            page = _int_param(params, "page", 1)
            start = (page - 1) * page_size
            body: Obj = {
                "count": len(found),
                "results": [
                    self._render(ctx, obj_type, o, params) for o in found[start : start + page_size]
                ],
            }
            if start + page_size < len(found):
                body["next"] = render.next_page_url(ctx.base_url, obj_type, params, page + 1)
            return body

    def get(self, ctx: RequestContext, obj_type: str, uuid: str, params: Mapping[str, str]) -> Obj:
        """GET /api/<type>/<uuid>."""
        with self.lock:
            return self._render(ctx, obj_type, self._visible_one(ctx, obj_type, uuid), params)

    def stored(self, ctx: RequestContext, obj_type: str, uuid: str) -> Obj:
        """The stored object (canonical form, not a copy) after GET's 404/tenant checks; callers
        hold ``lock`` while they read it."""
        with self.lock:
            return self._visible_one(ctx, obj_type, uuid)

    def objects(self, obj_type: str) -> list[Obj]:
        """Every stored object of a type (all tenants, canonical form): for tests, control API."""
        with self.lock:
            return copy.deepcopy(list(self._objects.get(obj_type, {}).values()))

    def find(self, obj_type: str, name: str, tenant: str = ADMIN_TENANT_UUID) -> Obj | None:
        """The stored object of a type with this name in a tenant (uuid), or None."""
        with self.lock:
            for obj in self._objects.get(obj_type, {}).values():
                if obj.get("name") == name and self._tenant_of(obj_type, obj) == tenant:
                    return copy.deepcopy(obj)
            return None

    def lookup(self, ref: str) -> Obj | None:
        """The stored object behind a canonical ref, or None."""
        obj_type, uuid = split_canonical(ref)
        return self._objects.get(obj_type, {}).get(uuid)

    def networks_in(self, cloud_ref: str | None) -> list[Obj]:
        """The networks of a cloud (what its Service Engines can attach to)."""
        return [
            n for n in self._objects.get("network", {}).values() if n.get("cloud_ref") == cloud_ref
        ]

    def users_of(self, obj: Obj, user_type: str) -> list[Obj]:
        """The stored objects of ``user_type`` that refer to ``obj``."""
        prefix = f"/api/{user_type}/"
        refs = sorted(self._referrers.get(obj["uuid"], ()))
        return [o for r in refs if r.startswith(prefix) and (o := self.lookup(r)) is not None]

    def committed_at(self, uuid: str) -> float | None:
        """Monotonic time of an object's last write in this process (None after a restore)."""
        return self._committed_at.get(uuid)

    def tenant_uuid(self, name: str | None, uuid: str | None) -> str:
        """Resolve the X-Avi-Tenant / X-Avi-Tenant-UUID headers to a tenant uuid."""
        with self.lock:
            tenants = self._objects.get("tenant", {})
            if uuid:
                if uuid in tenants:
                    return uuid
                raise ApiError(400, f"Tenant uuid '{uuid}' does not exist")
            wanted = name or "admin"
            for tenant_id, tenant in tenants.items():
                if tenant["name"] == wanted:
                    return tenant_id
            raise ApiError(400, f"Tenant '{wanted}' does not exist")

    def servable_types(self) -> tuple[str, ...]:
        """Object types served under /api/<type>."""
        return _servable(self.schema)

    def snapshot(self) -> Obj:
        """Everything needed to rebuild this store (JSON-serialisable)."""
        with self.lock:
            return {
                "controller": {"version": self.schema.version, "edition": self.edition},
                "objects": copy.deepcopy(self._objects),
                "system": sorted(self._system),
                "last_modified": self._last_modified,
            }

    # ---- write API ------------------------------------------------------------------------

    def create(
        self, ctx: RequestContext, obj_type: str, body: Any, *, slug: str | None = None
    ) -> Obj:
        """POST /api/<type>: normalise, validate, fill defaults, store; returns what was stored."""
        with self.lock:
            self._check_writable(obj_type)
            uuid = slug or _new_uuid(obj_type)
            if uuid in self._objects.get(obj_type, {}):
                raise ApiError(409, f"{display_name(obj_type)} with uuid {uuid} already exists.")
            obj = self._prepare(ctx, obj_type, body, uuid=uuid, tenant=ctx.tenant)
            self._commit(obj_type, obj)
            return obj

    def replace(self, ctx: RequestContext, obj_type: str, uuid: str, body: Any) -> Obj:
        """PUT /api/<type>/<uuid>: full replace; omitted fields return to their defaults."""
        with self.lock:
            self._check_writable(obj_type)
            current = self._visible_one(ctx, obj_type, uuid)
            tenant = self._tenant_of(obj_type, current) or ctx.tenant
            obj = self._prepare(ctx, obj_type, body, uuid=uuid, tenant=tenant, previous=current)
            self._commit(obj_type, obj)
            return obj

    def patch(self, ctx: RequestContext, obj_type: str, uuid: str, ops: Any) -> Obj:
        """PATCH /api/<type>/<uuid> with ``{"add"|"replace"|"delete": {...}}``."""
        with self.lock:
            self._check_writable(obj_type)
            current = copy.deepcopy(self._visible_one(ctx, obj_type, uuid))
            tenant = self._tenant_of(obj_type, current) or ctx.tenant
            checked = normalize.check_patch(ops)
            for fields in checked.values():  # only what the client sent is version/edition-gated
                self._check_gates(ctx, obj_type, fields)
            resolved = {
                op: self._resolve_tree(tenant, obj_type, fields, "")
                for op, fields in checked.items()
            }
            patched = normalize.apply_patch(current, resolved)
            obj = self._prepare(
                ctx, obj_type, patched, uuid=uuid, tenant=tenant, previous=current, gated=True
            )
            self._commit(obj_type, obj)
            return obj

    def delete(self, ctx: RequestContext, obj_type: str, uuid: str) -> None:
        """DELETE /api/<type>/<uuid>: refused for system objects and objects still referred to."""
        with self.lock:
            self._check_writable(obj_type)
            obj = self._visible_one(ctx, obj_type, uuid)
            if uuid in self._system:
                raise ApiError(400, f"Cannot delete system default object {obj.get('name')}")
            referrers = sorted(self._describe(ref) for ref in self._referrers.get(uuid, ()))
            if referrers:
                names = ", ".join(referrers)
                raise ApiError(400, f"Cannot delete, object is referred by: [{names}]")
            del self._objects[obj_type][uuid]
            self._index(obj_type, uuid, None)
            self._committed_at.pop(uuid, None)
            self._notify()

    def render(self, ctx: RequestContext, obj_type: str, obj: Obj, *, with_names: bool) -> Obj:
        """The wire form of a stored object (absolute refs, optionally ``#name``) at the
        request's API version."""
        with self.lock:
            return render.render_object(
                obj_type,
                self._at_version(ctx, obj_type, obj),
                ctx.base_url,
                self._name_of,
                with_names=with_names,
            )

    # ---- internals ------------------------------------------------------------------------

    def _prepare(
        self,
        ctx: RequestContext,
        obj_type: str,
        body: Any,
        *,
        uuid: str,
        tenant: str,
        previous: Obj | None = None,
        gated: bool = False,
    ) -> Obj:
        """Turn a request body into the object the controller would store. ``gated``: the
        version/edition gates already ran on the client's part (PATCH)."""
        if not isinstance(body, Mapping):
            raise ApiError(
                400, f"The request body must be a JSON object, got {type(body).__name__}"
            )
        obj = normalize.drop_nulls({k: v for k, v in body.items() if k not in SERVER_OWNED_FIELDS})
        if self._described(obj_type):
            obj = normalize.apply_name_aliases(self.schema, obj_type, obj)
            if not gated:
                self._check_gates(ctx, obj_type, obj)
        if obj_type not in GLOBAL_TYPES:
            obj.setdefault("tenant_ref", canonical_ref("tenant", tenant))
        obj_tenant = tenant
        if "tenant_ref" in obj:
            obj["tenant_ref"] = self._resolve(tenant, obj_type, "tenant_ref", obj["tenant_ref"])
            obj_tenant = split_canonical(obj["tenant_ref"])[1]
        obj = self._resolve_tree(obj_tenant, obj_type, obj, "")
        for field, (target_type, target_name) in normalize.default_refs(obj_type).items():
            if field not in obj:
                name = self._default_name(obj_type, field, target_name)
                obj[field] = self._system_ref(target_type, name)
        normalize.fill_controller_extras(obj_type, obj)
        if self._described(obj_type):
            violations = self.schema.violations(obj_type, obj)
            if violations:
                raise ApiError(400, f"Invalid {display_name(obj_type)}: " + "; ".join(violations))
            obj = self.schema.with_defaults(obj_type, obj, self.edition)
        if not isinstance(obj.get("name"), str) or not obj["name"]:
            raise ApiError(400, f"Invalid {display_name(obj_type)}: name is required")
        obj["uuid"] = uuid
        self._check_unique(obj_type, obj, obj_tenant)
        view = StoreView(
            lookup=self.lookup,
            referrers=lambda uuid: self._referrers.get(uuid, ()),
            all_of=lambda kind: self._objects.get(kind, {}).values(),
        )
        write_rules.check_object(view, obj_type, obj, previous)
        write_rules.check_dsr(
            view,
            self.rules,
            obj_type,
            obj,
            api_version=ctx.api_version,
            controller_version=self.version,
        )
        return obj

    def _check_gates(self, ctx: RequestContext, obj_type: str, fields: Mapping[str, Any]) -> None:
        if self._described(obj_type):
            check_gates(self.schema, self.edition, obj_type, fields, ctx.api_version)

    def _default_name(self, obj_type: str, field: str, name: str) -> str:
        """The system object a missing ref defaults to; Essentials has its own ("Special
        default for Essentials edition is System-TCP-Fast-Path", VirtualService Swagger)."""
        if self.edition == ESSENTIALS and self._described(obj_type):
            return self.schema.essentials_default(obj_type, field) or name
        return name

    def _commit(self, obj_type: str, obj: Obj) -> None:
        now = int(self._clock() * 1_000_000)
        if 0 <= self._last_modified - now < 1_000_000:  # same instant: keep stamps distinct
            now = self._last_modified + 1
        self._last_modified = now
        obj["_last_modified"] = str(now)
        obj.setdefault("configpb_attributes", {"version": 1})
        self._objects.setdefault(obj_type, {})[obj["uuid"]] = obj
        self._committed_at[obj["uuid"]] = time.monotonic()
        self._index(obj_type, obj["uuid"], obj)
        self._notify()

    def _notify(self) -> None:
        if self._on_commit is not None:
            self._on_commit(self.snapshot())

    def _index(self, obj_type: str, uuid: str, obj: Obj | None) -> None:
        """Keep the reverse-reference index in step with one object's refs."""
        me = canonical_ref(obj_type, uuid)
        for holders in self._referrers.values():
            holders.discard(me)
        if obj is None:
            return
        for ref in _refs_in(obj):
            target_uuid = split_canonical(ref)[1]
            if target_uuid != uuid and not ref.startswith("/api/tenant/"):
                self._referrers.setdefault(target_uuid, set()).add(me)

    def _resolve_tree(self, tenant: str, obj_type: str, node: Any, path: str) -> Any:
        if isinstance(node, Mapping):
            out = {}
            for key, value in node.items():
                sub = f"{path}.{key}" if path else key
                if key.endswith("_refs") and isinstance(value, list):
                    out[key] = [
                        self._resolve(tenant, obj_type, f"{sub}[{i}]", v)
                        for i, v in enumerate(value)
                    ]
                elif key.endswith("_ref") and value is not None:
                    out[key] = self._resolve(tenant, obj_type, sub, value)
                else:
                    out[key] = self._resolve_tree(tenant, obj_type, value, sub)
            return out
        if isinstance(node, list):
            return [
                self._resolve_tree(tenant, obj_type, v, f"{path}[{i}]") for i, v in enumerate(node)
            ]
        return node

    def _resolve(self, tenant: str, obj_type: str, path: str, value: Any) -> str:
        """Any accepted ref form -> canonical ref, or 400 naming the field."""
        query = parse_ref(path, value)
        expected = self.schema.ref_target(obj_type, path) if self._described(obj_type) else None
        if expected and expected != query.obj_type:
            raise ApiError(
                400, f"{path}: '{value}' refers to a {query.obj_type}, expected a {expected}"
            )
        target = self._find_ref_target(tenant, query)
        if target is None:
            where = f"uuid '{query.uuid}'" if query.uuid else f"name '{query.name}'"
            raise ApiError(
                400, f"{path}: cannot resolve '{value}': no {query.obj_type} with {where}"
            )
        return canonical_ref(query.obj_type, target["uuid"])

    def _find_ref_target(self, tenant: str, query: RefQuery) -> Obj | None:
        pool = self._objects.get(query.obj_type, {})
        if query.uuid:
            obj = pool.get(query.uuid)
            visible = obj is not None and self._is_visible(tenant, query.obj_type, obj, as_ref=True)
            return obj if visible else None
        scope = tenant
        if query.tenant:
            scope = self.tenant_uuid(query.tenant, None)
        candidates = [
            o
            for o in pool.values()
            if o.get("name") == query.name
            and self._is_visible(scope, query.obj_type, o, as_ref=True)
        ]
        if query.cloud:
            candidates = [o for o in candidates if self._cloud_name(o) == query.cloud]
        candidates.sort(key=lambda o: self._tenant_of(query.obj_type, o) != scope)
        return candidates[0] if candidates else None

    def _system_ref(self, obj_type: str, name: str) -> str:
        obj = self.find(obj_type, name)
        if obj is None:
            raise ApiError(500, f"system object {obj_type} '{name}' is missing")
        return canonical_ref(obj_type, obj["uuid"])

    def _check_unique(self, obj_type: str, obj: Obj, tenant: str) -> None:
        scoped = obj_type in CLOUD_SCOPED
        for other in self._objects.get(obj_type, {}).values():
            if other["uuid"] == obj["uuid"] or other.get("name") != obj.get("name"):
                continue
            if obj_type not in GLOBAL_TYPES and self._tenant_of(obj_type, other) != tenant:
                continue
            if scoped and other.get("cloud_ref") != obj.get("cloud_ref"):
                continue
            label = display_name(obj_type)
            if obj_type in GLOBAL_TYPES:
                raise ApiError(409, f"{label} with this Name already exists.")
            if scoped:
                raise ApiError(
                    409, f"{label} with this Name, Tenant ref and Cloud ref already exists."
                )
            raise ApiError(409, f"{label} with this Name and Tenant ref already exists.")

    def _described(self, obj_type: str) -> bool:
        """Whether the schema covers this type (system-only types like analyticsprofile aren't)."""
        return obj_type in self.schema.object_types

    def _check_type(self, obj_type: str) -> None:
        if obj_type not in _servable(self.schema):
            raise ApiError(404, f"Unknown object type '{obj_type}'")

    def _check_writable(self, obj_type: str) -> None:
        self._check_type(obj_type)
        if obj_type in READ_ONLY_TYPES:
            raise ApiError(405, f"{display_name(obj_type)} objects are read-only in avisim")

    def _visible(self, tenant: str, obj_type: str) -> Iterator[Obj]:
        return (
            o
            for o in self._objects.get(obj_type, {}).values()
            if self._is_visible(tenant, obj_type, o)
        )

    def _visible_one(self, ctx: RequestContext, obj_type: str, uuid: str) -> Obj:
        self._check_type(obj_type)
        obj = self._objects.get(obj_type, {}).get(uuid)
        if obj is None or not self._is_visible(ctx.tenant, obj_type, obj):
            raise ApiError(404, f"{display_name(obj_type)} object not found!")
        return obj

    def _is_visible(self, tenant: str, obj_type: str, obj: Obj, *, as_ref: bool = False) -> bool:
        """Own-tenant objects and the system objects; refs may also point into tenant admin."""
        owner = self._tenant_of(obj_type, obj)
        if owner is None or owner == tenant:
            return True
        return owner == ADMIN_TENANT_UUID and (as_ref or obj["uuid"] in self._system)

    @staticmethod
    def _tenant_of(obj_type: str, obj: Obj) -> str | None:
        if obj_type in GLOBAL_TYPES:
            return None
        ref = obj.get("tenant_ref")
        return split_canonical(ref)[1] if ref else ADMIN_TENANT_UUID

    def _cloud_name(self, obj: Obj) -> str | None:
        ref = obj.get("cloud_ref")
        target = self.lookup(ref) if ref else None
        return target.get("name") if target else None

    def _name_of(self, ref: str) -> str | None:
        target = self.lookup(ref)
        return target.get("name") if target else None

    def _describe(self, ref: str) -> str:
        obj_type, _ = split_canonical(ref)
        return f"{display_name(obj_type)} {self._name_of(ref)}"

    def _render(
        self, ctx: RequestContext, obj_type: str, obj: Obj, params: Mapping[str, str]
    ) -> Obj:
        view = self._at_version(ctx, obj_type, obj)
        if _truthy(params.get("skip_default")) and self._described(obj_type):
            view = self.schema.strip_defaults(obj_type, view)
        out = render.render_object(
            obj_type,
            view,
            ctx.base_url,
            self._name_of,
            with_names=_truthy(params.get("include_name")),
        )
        return render.select_fields(out, params.get("fields"))

    def _at_version(self, ctx: RequestContext, obj_type: str, obj: Obj) -> Obj:
        if not self._described(obj_type) or ctx.api_version >= self.version:
            return obj
        return self.schema.for_version(obj_type, obj, ctx.api_version)

    def _seed(self, seeds: Sequence[Seed]) -> None:
        """Create the seeds through the normal write path (so they get defaults and checks)."""
        ctx = RequestContext(tenant=ADMIN_TENANT_UUID, api_version=self.version, base_url="")
        on_commit, self._on_commit = self._on_commit, None
        try:
            for seed in seeds:
                existing = self.find(seed.obj_type, seed.body["name"]) if seed.update else None
                body = {**existing, **seed.body} if existing else seed.body
                uuid = body.get("uuid") or _new_uuid(seed.obj_type)
                obj = self._prepare(
                    ctx,
                    seed.obj_type,
                    body,
                    uuid=uuid,
                    tenant=ADMIN_TENANT_UUID,
                    previous=existing,
                    gated=not seed.gated,
                )
                self._commit(seed.obj_type, obj)
                if seed.system:
                    self._system.add(uuid)
        finally:
            self._on_commit = on_commit

    def _restore(self, snapshot: Mapping[str, Any]) -> None:
        saved = snapshot.get("controller") or {}
        mine = {"version": self.schema.version, "edition": self.edition}
        if saved and saved != mine:
            raise ValueError(
                f"the state file was written by a {saved.get('version')} {saved.get('edition')} "
                f"controller, this one is {mine['version']} {mine['edition']}; use another "
                "--state-file or the same --controller-version and --license"
            )
        self._objects = copy.deepcopy(dict(snapshot["objects"]))
        self._system = set(snapshot.get("system", ()))
        self._last_modified = int(snapshot.get("last_modified", 0))
        for obj_type, objs in self._objects.items():
            for uuid, obj in objs.items():
                self._index(obj_type, uuid, obj)


def _new_uuid(obj_type: str) -> str:
    return f"{obj_type}-{uuidlib.uuid4()}"


def _refs_in(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if is_ref_field(key) and isinstance(value, str):
                yield value
            elif is_ref_field(key) and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str))
            else:
                yield from _refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs_in(value)


def _servable(schema: Any) -> tuple[str, ...]:
    return (*schema.object_types, *READ_ONLY_TYPES)


def _truthy(value: str | None) -> bool:
    return str(value).lower() in {"true", "1", "yes"}


def _int_param(params: Mapping[str, str], key: str, default: int) -> int:
    raw = params.get(key)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{key} must be a positive integer, got {raw!r}") from None
    if value < 1:
        raise ApiError(400, f"{key} must be a positive integer, got {raw!r}")
    return value


def _matches(obj_type: str, obj: Obj, params: Mapping[str, str], controller: Controller) -> bool:
    """The list filters: name, refers_to / referred_by (``<type>:<uuid>``)."""
    if "name" in params and obj.get("name") != params["name"]:
        return False
    if "refers_to" in params:
        target_type, _, target_uuid = params["refers_to"].partition(":")
        if canonical_ref(target_type, target_uuid) not in set(_refs_in(obj)):
            return False
    if "referred_by" in params:
        holder_type, _, holder_uuid = params["referred_by"].partition(":")
        holder = controller.lookup(canonical_ref(holder_type, holder_uuid))
        me = canonical_ref(obj_type, obj["uuid"])
        if holder is None or me not in set(_refs_in(holder)):
            return False
    return True
