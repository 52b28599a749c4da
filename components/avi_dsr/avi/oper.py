"""Is the virtual service up? The write-up's last step, done by the provider.

`GET /api/virtualservice/<uuid>/runtime` gives `oper_status {state, reason[]}` and `vip_summary`
(a list on real controllers, whatever the Swagger says) with `num_se_assigned` per VIP
[avi-api.md §4.6]. Up means OPER_UP with at least one SE assigned; anything else after the wait
fails with the controller's own reason, so the user sees what the controller sees.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from .calls import ObjectCalls
from .errors import AviProviderError

# Pauses between runtime reads. Placement sits on the critical path of every create, so the
# first half second is read every 100 ms (a VS placed in 0.3 s is seen at most 0.1 s late, not
# 0.45 s as with a 0.2 s, 0.5 s start); slow placements (seconds, a new SE) back off to 2 s.
POLL_SECONDS = (0.1, 0.1, 0.1, 0.1, 0.1, 0.25, 0.5, 1.0, 2.0)


class NotUp(AviProviderError):
    """The VS did not come up in time; carries the controller's last word."""

    def __init__(self, message: str, state: str, reason: str) -> None:
        super().__init__(message)
        self.state = state
        self.reason = reason


def read_oper(calls: ObjectCalls, uuid: str) -> tuple[str, str]:
    """(state, reason) of the VS right now; ("OPER_UNKNOWN", why) when the runtime is unreadable."""
    rsp = calls.get(f"virtualservice/{uuid}/runtime")
    if rsp.status_code != 200:
        return "OPER_UNKNOWN", f"runtime not readable (HTTP {rsp.status_code})"
    return summarize(rsp.json())


def summarize(runtime: Any) -> tuple[str, str]:
    """State and a one-line reason from a runtime reply (either shape of `vip_summary`)."""
    if isinstance(runtime, list):  # some versions answer a one-element list
        runtime = runtime[0] if runtime else {}
    if not isinstance(runtime, Mapping):
        return "OPER_UNKNOWN", "runtime reply is not an object"
    status = runtime.get("oper_status") or {}
    state = str(status.get("state") or "OPER_UNKNOWN")
    reasons = [str(r) for r in status.get("reason") or [] if r]
    summaries = runtime.get("vip_summary") or []
    if isinstance(summaries, Mapping):
        summaries = [summaries]
    assigned = sum(int(s.get("num_se_assigned") or 0) for s in summaries if isinstance(s, Mapping))
    if state == "OPER_UP" and summaries and assigned == 0:
        return "OPER_RESOURCES", "no Service Engine assigned yet"
    return state, "; ".join(reasons)


def wait_until_up(calls: ObjectCalls, uuid: str, seconds: float) -> tuple[str, str]:
    """Poll until OPER_UP with an SE assigned, or fail after `seconds` with the last reason."""
    deadline = time.monotonic() + seconds
    polls = iter(POLL_SECONDS)
    while True:
        state, reason = read_oper(calls, uuid)
        if state == "OPER_UP":
            return state, reason
        pause = next(polls, POLL_SECONDS[-1])
        if time.monotonic() + pause > deadline:
            because = f": {reason}" if reason else ""
            raise NotUp(
                f"{calls.what}: not up after {seconds:g} s; the controller says {state}{because}. "
                "Fix what it names (placement network, SE group capacity, server reachability), "
                "or set waitForUpSeconds 0 to skip this check; the next `pulumi up` checks again",
                state,
                reason,
            )
        time.sleep(pause)
