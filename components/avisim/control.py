"""The unauthenticated ``/_avisim/*`` control API for out-of-process tests, benches and demos."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from avisim.errors import ApiError
from avisim.reply import Reply
from avisim.writes import DROP, SEND

if TYPE_CHECKING:
    from avisim.server import Simulator


def handle(sim: Simulator, method: str, path: str, raw: bytes) -> Reply:
    route = path[len("/_avisim") :]
    handler = _ROUTES.get((method, route)) or _ROUTES.get(("*", route))
    if handler is not None:
        return handler(sim, method, raw)
    if method == "GET" and route.startswith("/objects/"):
        return Reply(200, sim.controller.objects(route[len("/objects/") :]))
    if (method, route) == ("GET", "/ca.pem") and sim.ca_cert_path:
        return Reply(200, sim.ca_cert_path.read_text(), plain=True)
    raise ApiError(404, f"avisim control API has no {method} {path}")


def _reset_counters(sim: Simulator, _method: str, _raw: bytes) -> Reply:
    sim.reset_counters()
    return Reply(200, {})


def _release(sim: Simulator, _method: str, raw: bytes) -> Reply:
    action = _body(raw).get("action", SEND)
    if action not in (SEND, DROP):
        raise ApiError(400, f"writes/release: action must be {SEND!r} or {DROP!r}")
    return Reply(200, {"released": sim.writes.release(action)})


def _rules(sim: Simulator, method: str, raw: bytes) -> Reply:
    if method == "POST":
        sim.controller.rules.update(_body(raw))
    return Reply(200, sim.controller.rules.as_dict())


def _expire_sessions(sim: Simulator, _method: str, _raw: bytes) -> Reply:
    sim.sessions.expire_all()
    return Reply(200, {})


# (method, route) -> handler; "*" matches any method.
_ROUTES: dict[tuple[str, str], Callable[[Simulator, str, bytes], Reply]] = {
    ("GET", "/health"): lambda sim, _m, _r: Reply(
        200, {"ok": True, "url": sim.url, **controller_facts(sim)}
    ),
    ("GET", "/counters"): lambda sim, _m, _r: Reply(200, sim.counters()),
    ("POST", "/counters/reset"): _reset_counters,
    ("GET", "/log"): lambda sim, _m, _r: Reply(200, sim.request_log()),
    ("*", "/faults"): lambda sim, method, raw: _faults(sim, method, raw),
    ("POST", "/restart"): lambda sim, _m, raw: _restart(sim, _body(raw)),
    ("GET", "/writes"): lambda sim, _m, _r: Reply(200, sim.writes.status()),
    ("POST", "/writes/release"): _release,
    ("*", "/rules"): _rules,
    ("POST", "/sessions/expire"): _expire_sessions,
}


def controller_facts(sim: Simulator) -> dict[str, Any]:
    """What this simulated controller is: version, edition, cloud type, restarts so far."""
    return {
        "controller_version": sim.controller_version,
        "license": sim.edition,
        "cloud_type": sim.cloud_type,
        "restarts": sim.restarts,
    }


def _faults(sim: Simulator, method: str, raw: bytes) -> Reply:
    """POST sets faults (``restart`` is an action: the reply goes out, then the controller
    restarts); DELETE clears them."""
    after = None
    if method == "POST":
        body = dict(_body(raw))
        restart = body.pop("restart", None)
        restart_reply = _restart(sim, restart) if restart is not None else None
        sim.faults.update(body)
        if restart_reply is not None:
            after = restart_reply.after
    elif method == "DELETE":
        sim.faults.clear()
    return Reply(200, sim.faults.as_dict(), after=after)


def _restart(sim: Simulator, spec: Any) -> Reply:
    if not isinstance(spec, Mapping) or set(spec) - {"down_seconds"}:
        raise ApiError(400, 'restart: expected {"down_seconds": N}')
    seconds = spec.get("down_seconds", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise ApiError(400, f"restart.down_seconds: must be a number >= 0, got {seconds!r}")
    return Reply(200, {"restarting": True, "down_seconds": seconds},
                 after=lambda: sim.restart(float(seconds)))  # fmt: skip


def _body(raw: bytes) -> Any:
    try:
        body = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"control API body is not valid JSON: {exc}") from None
    if not isinstance(body, Mapping):
        raise ApiError(400, "control API body must be a JSON object")
    return body
