"""Swap a bench project's provider plugins: the floor (null_provider) or a timed copy (rpc_trace).

The project keeps its program, config and engine; only the plugins in its private PULUMI_HOME
change, installed under the exact names and versions the program asks for.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

HERE = Path(__file__).resolve().parent


def program_plugins() -> list[tuple[str, str]]:
    """(name, version) of every resource plugin the program registers resources with."""
    from avi_dsr.avi.tokens import PACKAGE
    from avi_dsr.provider import VERSION

    plugin = resources.files("pulumi_command").joinpath("pulumi-plugin.json").read_text()
    command = json.loads(plugin)
    return [(PACKAGE, VERSION), (command["name"], command["version"])]


def install_launcher(
    env: Mapping[str, str], name: str, version: str, argv: Sequence[str], environ: Mapping[str, str]
) -> None:
    """Install `argv "$@"` as plugin `resource <name> <version>` into env's PULUMI_HOME."""
    exports = "".join(f"{k}={shlex.quote(v)} " for k, v in environ.items())
    with tempfile.TemporaryDirectory() as folder:
        launcher = Path(folder) / f"pulumi-resource-{name}"
        launcher.write_text(f'#!/bin/sh\n{exports}exec {shlex.join(argv)} "$@"\n')
        launcher.chmod(0o755)
        install = ["pulumi", "plugin", "install", "resource", name, version, "--reinstall"]
        subprocess.run(
            [*install, "-f", str(launcher)],
            env=dict(env),
            check=True,
            capture_output=True,
            timeout=120,
        )


def install_null_plugins(env: Mapping[str, str], rpc_log: Path | None = None) -> None:
    """Every plugin of the program replaced by null_provider (timed into rpc_log if given)."""
    for name, version in program_plugins():
        argv = [sys.executable, str(HERE / "null_provider.py")]
        if rpc_log is not None:
            argv = [sys.executable, str(HERE / "rpc_trace.py"), "null", str(rpc_log)]
        install_launcher(env, name, version, argv, {"NULL_PROVIDER_VERSION": version})


def install_traced_provider(env: Mapping[str, str], rpc_log: Path) -> None:
    """Our provider, every RPC timed into rpc_log."""
    name, version = program_plugins()[0]
    argv = [sys.executable, str(HERE / "rpc_trace.py"), "ours", str(rpc_log)]
    install_launcher(env, name, version, argv, {})
