"""Routing of authenticated ``/api/...`` requests: object CRUD, runtime and inventory, and the
read-only endpoints a preflight reads (cluster version, licence, system configuration)."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from avisim import licensing, runtime
from avisim.context import RequestContext
from avisim.errors import ApiError
from avisim.reply import Reply

if TYPE_CHECKING:
    from avisim.server import Simulator

INVENTORY = "virtualservice-inventory"


def handle(
    sim: Simulator,
    method: str,
    path: str,
    params: dict[str, str],
    raw: bytes,
    ctx: RequestContext,
    slug: str | None,
) -> Reply:
    segments = path.split("/")[2:]
    fixed = _fixed_route(sim, method, segments, ctx)
    if fixed is not None:
        return fixed
    if segments[0] == INVENTORY and method == "GET":
        return Reply(200, _inventory(sim, ctx, params, segments[1] if len(segments) > 1 else None))
    if segments[2:] == ["runtime"] and segments[0] == "virtualservice" and method == "GET":
        return Reply(200, _vs_runtime(sim, ctx, segments[1]))
    if segments[2:] == ["runtime", "detail"] and segments[0] == "pool" and method == "GET":
        return Reply(200, _pool_runtime(sim, ctx, segments[1]))
    return _crud(sim, method, path, segments, params, raw, ctx, slug)


def _fixed_route(
    sim: Simulator, method: str, segments: list[str], ctx: RequestContext
) -> Reply | None:
    if method != "GET":
        return None
    if segments == ["cluster", "version"]:
        return Reply(200, sim.version_info())
    if segments == ["cluster", "status"]:
        return Reply(200, {"cluster_state": {"state": "CLUSTER_UP_NO_HA", "progress": 100}})
    if segments == ["systemconfiguration"]:
        return Reply(200, licensing.system_configuration(sim.edition, ctx.base_url))
    if segments == ["license"]:  # ControllerLicense.json: GET /license is a list response
        return Reply(200, _listing([licensing.controller_license(sim.edition, ctx.base_url)]))
    if segments == ["licensing"]:  # the UI's summary: the controller licence itself
        return Reply(200, licensing.controller_license(sim.edition, ctx.base_url))
    if segments == ["licensing", "status"]:
        return Reply(200, _listing([licensing.license_status(ctx.base_url)]))
    return None


def _crud(
    sim: Simulator,
    method: str,
    path: str,
    segments: list[str],
    params: dict[str, str],
    raw: bytes,
    ctx: RequestContext,
    slug: str | None,
) -> Reply:
    controller = sim.controller
    obj_type = segments[0]
    if len(segments) == 1:
        if method == "GET":
            return Reply(200, controller.list(ctx, obj_type, params))
        if method == "POST":
            obj = controller.create(ctx, obj_type, _json(raw), slug=slug)
            body = controller.render(ctx, obj_type, obj, with_names=True)
            return Reply(201, body, {"Location": body["url"].split("#")[0]})
    elif len(segments) == 2:
        uuid = segments[1]
        if method == "GET":
            return Reply(200, controller.get(ctx, obj_type, uuid, params))
        if method == "DELETE":
            controller.delete(ctx, obj_type, uuid)
            return Reply(204)
        if method in ("PUT", "PATCH"):
            write = controller.replace if method == "PUT" else controller.patch
            obj = write(ctx, obj_type, uuid, _json(raw))
            return Reply(200, controller.render(ctx, obj_type, obj, with_names=True))
    raise ApiError(404 if method == "GET" else 405, f"{method} {path} is not supported")


def _vs_runtime(sim: Simulator, ctx: RequestContext, uuid: str) -> dict[str, Any]:
    controller = sim.controller
    with controller.lock:
        stored = controller.stored(ctx, "virtualservice", uuid)
        return runtime.vs_runtime(stored, controller, ctx.base_url, placing=placing(sim, stored))


def _pool_runtime(sim: Simulator, ctx: RequestContext, uuid: str) -> list[dict[str, Any]]:
    controller = sim.controller
    with controller.lock:
        pool = controller.stored(ctx, "pool", uuid)
        users = controller.users_of(pool, "virtualservice")
        return runtime.pool_runtime_detail(pool, users, controller)


def _inventory(
    sim: Simulator, ctx: RequestContext, params: dict[str, str], uuid: str | None
) -> Any:
    controller = sim.controller
    with controller.lock:
        if uuid is not None:
            vss = [controller.get(ctx, "virtualservice", uuid, {})]
            listing = None
        else:
            listing = controller.list(ctx, "virtualservice", params)
            vss = listing["results"]
        entries = []
        for rendered in vss:
            stored = controller.lookup(f"/api/virtualservice/{rendered['uuid']}")
            entries.append(
                runtime.inventory_entry(
                    stored,
                    rendered,
                    controller,
                    ctx.base_url,
                    placing=placing(sim, stored),
                )
            )
    if listing is None:
        return entries[0]
    return {**listing, "results": entries}


def placing(sim: Simulator, vs: dict[str, Any]) -> bool:
    """Still being placed on an SE: within ``se_assign_ms`` of the last write to the virtual
    service or its VsVip, or within the ``oper_up_after_polls`` reads after a write."""
    if sim.placement.still_placing(vs, sim.faults.oper_up_after_polls):
        return True
    controller = sim.controller
    vsvip = controller.lookup(vs["vsvip_ref"]) if isinstance(vs.get("vsvip_ref"), str) else None
    times = [controller.committed_at(vs["uuid"])]
    if vsvip is not None:
        times.append(controller.committed_at(vsvip["uuid"]))
    known = [t for t in times if t is not None]
    if not known:
        return False
    return time.monotonic() - max(known) < sim.faults.se_assign_ms / 1000


def _listing(results: list[Any]) -> dict[str, Any]:
    return {"count": len(results), "results": results}


def _json(raw: bytes) -> Any:
    if not raw:
        raise ApiError(400, "The request body is empty; send a JSON object")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"The request body is not valid JSON: {exc}") from None
