"""One-line errors in the dynamic-provider host instead of Python tracebacks.

`python -m pulumi.dynamic` answers every failed call with `traceback.format_exc()`, so the user
would see a stack dump for "wrong password". When our provider is unpickled inside that host, this
module swaps the host module's `traceback` name for a shim that renders *our* error type as its
one-line message; any other exception keeps its full traceback (those are bugs worth a stack).
"""

from __future__ import annotations

import sys
import traceback
from types import SimpleNamespace

from .errors import AviProviderError


def _format_exc(*args: object, **kwargs: object) -> str:
    exc = sys.exc_info()[1]
    if isinstance(exc, AviProviderError):
        return str(exc)
    return traceback.format_exc(*args, **kwargs)  # type: ignore[arg-type]


def install() -> bool:
    """Patch the running pulumi dynamic host, if this process is one; True when patched."""
    host = sys.modules.get("__main__")
    if host is None or not hasattr(host, "DynamicResourceProviderServicer"):
        return False
    if not hasattr(host, "_abort_with_traceback") or getattr(host, "traceback", None) is None:
        return False
    host.traceback = SimpleNamespace(format_exc=_format_exc)
    return True
