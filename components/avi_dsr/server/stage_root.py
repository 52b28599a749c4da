"""The staged-mode directory: the one rule that the renderer, the stack config and the
``ExistingDsrServer`` args all apply.

Staged mode writes ``etc/netplan``, ``etc/sysctl.d``, ``etc/modules-load.d`` and ``etc/systemd``
under the stage root and runs ``netplan generate --root-dir`` there. A stage root of ``/`` (or
``/etc``, ``/usr``...) would therefore write into the live system, so it is refused at config
time, before any server is touched.
"""

from __future__ import annotations

import posixpath
from typing import Any

from avi_dsr.textcheck import describe, refused_character

MAX_PATH = 4095  # Linux PATH_MAX (4096) less the terminating NUL
EXAMPLE = "/tmp/avi-dsr-stage"

# Never under these: the kernel's pseudo file systems and the installed system itself.
_SYSTEM_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32")
_SYSTEM_TREES += ("/proc", "/sbin", "/sys", "/usr")
# Fine to stage below, but not to be the stage root itself (it would litter a shared directory).
_SHARED_DIRS = ("/home", "/media", "/mnt", "/opt", "/root", "/run", "/srv", "/tmp", "/var")
_SHARED_DIRS += ("/var/cache", "/var/lib", "/var/tmp")


def stage_root_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a stage root (None when it can); the text names the fix."""
    if not isinstance(value, str) or not value.strip():
        return f"must be an absolute directory such as {EXAMPLE}, got {describe(value)}"
    if len(value) > MAX_PATH:
        return f"is {len(value)} characters long; a path has at most {MAX_PATH}"
    refused = refused_character(value)
    if refused:
        return refused
    if not value.startswith("/"):
        return f"{describe(value)} is relative; give an absolute directory such as {EXAMPLE}"
    if ".." in value.split("/"):
        return f"{describe(value)} contains '..'; give the directory itself, such as {EXAMPLE}"
    path = normalize_stage_root(value)
    if path == "/":
        return (
            "'/' would stage over the live system; give a directory of its own such as "
            f"{EXAMPLE} (leave it unset to apply for real)"
        )
    if any(path == tree or path.startswith(tree + "/") for tree in _SYSTEM_TREES):
        return (
            f"{describe(path)} is inside a system directory; staging writes etc/netplan and "
            f"etc/sysctl.d under it: give a directory of its own such as {EXAMPLE}"
        )
    if path in _SHARED_DIRS:
        return f"{describe(path)} is a shared system directory; use a directory under it instead"
    return None


def normalize_stage_root(value: str) -> str:
    """``/tmp//stage/`` -> ``/tmp/stage`` (and POSIX's special leading ``//`` -> ``/``)."""
    return "/" + posixpath.normpath(value).lstrip("/")
