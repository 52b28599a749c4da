"""The unauthenticated ``/_avisim/*`` control API for out-of-process tests, benches and demos."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from avisim.errors import ApiError

if TYPE_CHECKING:
    from avisim.handler import Reply
    from avisim.server import Simulator


def handle(sim: Simulator, method: str, path: str, raw: bytes) -> Reply:
    from avisim.handler import Reply

    route = path[len("/_avisim") :]
    if (method, route) == ("GET", "/health"):
        return Reply(200, {"ok": True, "url": sim.url})
    if (method, route) == ("GET", "/counters"):
        return Reply(200, sim.counters())
    if (method, route) == ("POST", "/counters/reset"):
        sim.reset_counters()
        return Reply(200, {})
    if (method, route) == ("GET", "/log"):
        return Reply(200, sim.request_log())
    if route == "/faults":
        if method == "POST":
            sim.faults.update(_body(raw))
        elif method == "DELETE":
            sim.faults.clear()
        return Reply(200, sim.faults.as_dict())
    if route == "/rules":
        if method == "POST":
            sim.controller.rules.update(_body(raw))
        return Reply(200, sim.controller.rules.as_dict())
    if (method, route) == ("POST", "/sessions/expire"):
        sim.sessions.expire_all()
        return Reply(200, {})
    if method == "GET" and route.startswith("/objects/"):
        return Reply(200, sim.controller.objects(route[len("/objects/") :]))
    if (method, route) == ("GET", "/ca.pem") and sim.ca_cert_path:
        return Reply(200, sim.ca_cert_path.read_text(), plain=True)
    raise ApiError(404, f"avisim control API has no {method} {path}")


def _body(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"control API body is not valid JSON: {exc}") from None
