"""`avi-dsr doctor [--stack NAME] [--fix]`: what a killed `pulumi` left in a file backend.

Why: a `kill -9` (or a crash, a full disk, a closed laptop) in the middle of `pulumi up` on a
`file://` backend can leave three things behind, and Pulumi's own messages do not say what to do:

- an empty (or cut) `.attrs` sidecar: gocloud's fileblob writes it non-atomically beside every
  blob and fails every later read of that blob with `EOF` ("failed to load checkpoint: EOF",
  `read ".pulumi/meta.yaml": EOF`), so every command fails, `pulumi cancel` included, although
  the state itself is intact. A missing sidecar is read as "no attributes", so removing a broken
  one is the whole repair (Pulumi keeps nothing it needs in them);
- a lock whose process is gone: every command stops with "the stack is currently locked";
- interrupted creates in the checkpoint, which Pulumi keeps (and warns about on every `up`)
  until someone clears them. Ours are safe to clear: the next `up` creates them again, and what
  an interrupted create made on the controller is found again by its ownership markers.

The doctor reads the backend's files (no passphrase, no network). `--fix` removes broken
sidecars and locks whose process is gone, then clears interrupted creates with
`pulumi refresh --clear-pending-creates`; what only the user can decide (a live run, another
host's lock, a VM that may exist) it explains and leaves alone.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from .backend import Backend, DoctorError, backend_url, file_backend_root, project_name
from .findings import RepairFailed, examine

__all__ = ["add_arguments", "file_backend_root", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", help="stack name (default: every stack of the project)")
    parser.add_argument("--fix", action="store_true", help="apply the safe repairs")
    parser.add_argument("--backend", help="backend URL (default: where pulumi would look)")
    parser.add_argument("--cwd", type=Path, default=Path("."), help="the project directory")


def run(args: argparse.Namespace, out: Callable[[str], None] = print) -> int:
    """0: nothing blocks the stack (after --fix); 1: something still does; 2: cannot inspect."""
    pulumi_home = Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")
    try:
        url = backend_url(args.backend, os.environ, args.cwd, pulumi_home)
        backend = Backend(file_backend_root(url, args.cwd), project_name(args.cwd))
    except DoctorError as err:
        out(f"avi-dsr doctor: {err}")
        return 2
    scope = f"stack {args.stack!r}" if args.stack else "every stack"
    out(f"avi-dsr doctor: {url} ({scope} of project {backend.project or '?'})")
    findings = examine(backend, args.stack, args.cwd)
    blocked = 0
    for finding in findings:
        out(f"  {'problem' if finding.blocking else 'note'}: {finding.what}")
        if args.fix and finding.repair is not None and not (finding.runs_pulumi and blocked):
            try:
                finding.repair()
            except RepairFailed as err:
                out(f"    repair failed: {err}")
                blocked += 1
                continue
            out("    fixed")
            continue
        out(f"    {finding.advice}")
        blocked += finding.blocking
    if not findings:
        out("  no broken sidecar, no stale lock, no interrupted create")
    return 1 if blocked else 0
