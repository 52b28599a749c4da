"""`avi-dsr-install-plugin`: make this installation's provider plugin known to Pulumi.

The engine finds resource plugins in PULUMI_HOME/plugins. The plugin here is this package run by
this Python (the virtualenv avi-dsr is installed in), so what gets installed is a two-line
launcher for exactly that interpreter, under the package's version. Not on PATH on purpose: an
ambient plugin would make every `pulumi` run warn about it.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from avi_dsr.avi.tokens import PACKAGE

from . import VERSION

LAUNCHER = f"pulumi-resource-{PACKAGE}"


def launcher_text(python: str) -> str:
    return f'#!/bin/sh\nexec {shlex.quote(python)} -m avi_dsr.provider "$@"\n'


def install(pulumi: str = "pulumi", python: str = sys.executable) -> Path:
    """Install the launcher as plugin `resource avi-dsr <VERSION>`; returns its directory."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / LAUNCHER
        path.write_text(launcher_text(python))
        path.chmod(0o755)
        subprocess.run(
            [
                pulumi,
                "plugin",
                "install",
                "resource",
                PACKAGE,
                VERSION,
                "-f",
                str(path),
                "--reinstall",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    home = Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")
    return home / "plugins" / f"resource-{PACKAGE}-v{VERSION}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="avi-dsr-install-plugin", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--pulumi", default=shutil.which("pulumi") or "pulumi", help="pulumi CLI")
    args = parser.parse_args(argv)
    try:
        where = install(args.pulumi)
    except (OSError, subprocess.CalledProcessError) as err:
        print(f"avi-dsr-install-plugin: {err}", file=sys.stderr)
        return 1
    print(f"avi-dsr-install-plugin: resource {PACKAGE} {VERSION} -> {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
