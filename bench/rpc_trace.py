"""Profiling helper: serve a provider plugin with every RPC timed into a JSON-lines file.

    <python> bench/rpc_trace.py ours|null <log file>   (as a plugin launcher; see floor.py)

Why: the engine calls Check and Diff while it walks the program's registrations, so their
latency adds up serially, while Create/Update/Delete overlap. A log of (method, resource, start,
end) per call shows which calls the engine waits for, how many run at once, and the gaps in
between that belong to the engine (checkpoints) rather than to the provider.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

RPCS = ("CheckConfig", "DiffConfig", "Configure", "Check", "Diff", "Create", "Read", "Update")
RPCS += ("Delete",)


def traced(servicer: Any, log_path: str) -> Any:
    """Wrap the servicer's resource RPCs so each appends one JSON line when it returns."""
    lock = threading.Lock()
    sink = open(log_path, "a", buffering=1)  # noqa: SIM115 - lives as long as the plugin

    def wrap(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        async def timed(request: Any, context: Any) -> Any:
            started = time.monotonic()
            ok = False
            try:
                reply = await method(request, context)
                ok = True
                return reply
            finally:
                entry = {
                    "rpc": name,
                    "urn": getattr(request, "urn", ""),
                    "preview": bool(getattr(request, "preview", False)),
                    "start": started,
                    "end": time.monotonic(),
                    "ok": ok,
                    "pid": os.getpid(),
                }
                with lock:
                    sink.write(json.dumps(entry) + "\n")

        return timed

    for name in RPCS:
        setattr(servicer, name, wrap(name, getattr(servicer, name)))
    return servicer


async def serve(which: str, log_path: str) -> None:
    if which == "ours":
        from avi_dsr.provider import VERSION
        from avi_dsr.provider.server import AviDsrProvider

        servicer = AviDsrProvider(VERSION)
    else:
        from null_provider import NullProvider

        servicer = NullProvider(os.environ.get("NULL_PROVIDER_VERSION", "0.0.0"))
    from null_provider import serve as serve_plugin

    await serve_plugin(traced(servicer, log_path))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(sys.argv[1], sys.argv[2]))
