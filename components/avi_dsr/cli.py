"""``avi-dsr render --stack FILE --out DIR``: show exactly what a stack would put on servers
and controller, without Pulumi, credentials or network.

Validation is the same :func:`avi_dsr.config.parse_stack` that ``pulumi up`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from avi_dsr import doctor
from avi_dsr.checkpoints import run_settings
from avi_dsr.config import ConfigError, StackSpec, parse_stack
from avi_dsr.config.sources import values_from_stack_file
from avi_dsr.migrate import migrate_stack
from avi_dsr.payloads import service_payloads
from avi_dsr.server import (
    MODULES_LOAD_PATH,
    NETPLAN_PATH,
    SYSCTL_PATH,
    ServerSpec,
    render_apply_script,
    render_cloud_init,
    render_modules_load,
    render_netplan,
    render_remove_script,
    render_sysctl,
    server_files,
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="avi-dsr", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    render = commands.add_parser("render", help="write server files and Avi payloads")
    render.add_argument("--stack", required=True, type=Path, help="stacks/Pulumi.<env>.yaml")
    render.add_argument("--out", required=True, type=Path, help="output directory")
    migrate = commands.add_parser(
        "migrate", help="move a stack of avi-dsr 0.1 (dynamic providers) to the provider plugin"
    )
    migrate.add_argument("--stack", required=True, help="the Pulumi stack to migrate")
    doctor.add_arguments(
        commands.add_parser("doctor", help="find (--fix: repair) what a killed pulumi left behind")
    )
    settings = commands.add_parser(
        "run-settings", help="print the environment `make up` runs pulumi with for a stack"
    )
    settings.add_argument("--stack", required=True, type=Path, help="stacks/Pulumi.<env>.yaml")
    args = parser.parse_args(argv)
    if args.command == "run-settings":
        return run_settings_command(args.stack)
    if args.command == "migrate":
        return migrate_command(args.stack)
    if args.command == "doctor":
        return doctor.run(args)
    try:
        values, _secrets = values_from_stack_file(args.stack)
        stack = parse_stack(values)
    except ConfigError as err:
        print(f"avi-dsr: {args.stack}: {err}", file=sys.stderr)
        return 1
    try:
        written = render_stack(stack, args.out)
    except OSError as err:  # --out is a file, not writable, disk full...
        where = err.filename or args.out
        print(f"avi-dsr: cannot write under {args.out}: {where}: {err.strerror}", file=sys.stderr)
        return 1
    print(f"avi-dsr: wrote {len(written)} files under {args.out}")
    for line in pending_notes(stack):
        print(f"avi-dsr: not known yet: {line}")
    return 0


def run_settings_command(stack_file: Path) -> int:
    """`avi-dsr run-settings --stack FILE`: ``NAME=VALUE`` lines for `make up` to export, and
    why on stderr (avi_dsr.checkpoints: per-step checkpoints only where a crash needs them)."""
    try:
        values, _secrets = values_from_stack_file(stack_file)
        stack = parse_stack(values)
    except ConfigError as err:
        print(f"avi-dsr: {stack_file}: {err}", file=sys.stderr)
        return 1
    exports, why = run_settings(stack, os.environ)
    for name, value in exports.items():
        print(f"{name}={value}")
    print(f"avi-dsr: {why}", file=sys.stderr)
    return 0


def migrate_command(stack: str) -> int:
    """`avi-dsr migrate --stack NAME`: rewrite the stack's state in place (see avi_dsr.migrate)."""
    try:
        changes = migrate_stack(stack)
    except (OSError, subprocess.CalledProcessError) as err:
        detail = getattr(err, "stderr", "") or str(err)
        print(f"avi-dsr migrate: {stack}: {detail.strip()}", file=sys.stderr)
        return 1
    for line in changes:
        print(f"avi-dsr migrate: {line}")
    print("avi-dsr migrate: done; run `pulumi up`: every Avi object stays as it is")
    return 0


PENDING_FILE = "PENDING-VIPS.txt"


def pending_notes(stack: StackSpec) -> list[str]:
    """One line per server that will hold a VIP only the controller can tell (vip: auto)."""
    notes = []
    for server in stack.servers:
        for service in stack.pending_vips(server.name):
            notes.append(
                f"{server.name} will also hold the IPv{service.family} VIP of service "
                f"'{service.name}', which the controller allocates from Avi network "
                f"{service.placement.vip_network} during `pulumi up`; the files under "
                f"servers/{server.name}/ leave it out"
            )
    return notes


def render_stack(stack: StackSpec, out: Path) -> list[Path]:
    """Write every server's files and every service's Avi bodies; returns the paths.

    A server holding a VIP the controller allocates (``vip: auto``) is rendered without it and
    gets a PENDING-VIPS.txt saying which VIP will be added once allocated."""
    written: list[Path] = []
    for server in stack.servers:
        spec = stack.server_spec(server.name)
        if server.kind == "existing":
            files = _existing_server_files(spec, server.ssh.stage_root if server.ssh else None)
        else:
            files = _vm_files(spec)
        pending = [n for n in pending_notes(stack) if n.startswith(f"{server.name} ")]
        if pending:
            files[PENDING_FILE] = "\n".join(pending) + "\n"
        written += _write_all(out / "servers" / server.name, files)
    addresses = {
        s.name: (str(s.ipv4.ip) if s.ipv4 else None, str(s.ipv6.ip) if s.ipv6 else None)
        for s in stack.servers
    }
    for service in stack.services:
        bodies = service_payloads(service, addresses)
        files = {f"{kind}.json": json.dumps(body, indent=2) + "\n" for kind, body in bodies.items()}
        written += _write_all(out / "services" / service.name, files)
    return written


def _vm_files(spec: ServerSpec) -> dict[str, str]:
    """A new VM: the cloud-init trio that goes into guestinfo, plus the files it carries."""
    cloud_init = render_cloud_init(spec)
    return {
        "sysctl.conf": render_sysctl(spec),
        "modules-load.conf": render_modules_load(spec),
        "netplan.yaml": render_netplan(spec),
        "user-data": cloud_init.user_data,
        "meta-data": cloud_init.meta_data,
        "network-config": cloud_init.network_config,
    }


def _existing_server_files(spec: ServerSpec, stage_root: str | None) -> dict[str, str]:
    """An existing server: the files the SSH script installs, and the scripts themselves."""
    by_path = {path: content for path, (_mode, content) in server_files(spec).items()}
    files = {
        "sysctl.conf": by_path.pop(SYSCTL_PATH),
        "modules-load.conf": by_path.pop(MODULES_LOAD_PATH),
        "netplan.yaml": by_path.pop(NETPLAN_PATH),
    }
    files |= {PurePosixPath(path).name: content for path, content in by_path.items()}
    files["apply.sh"] = render_apply_script(spec, stage_root=stage_root)
    files["remove.sh"] = render_remove_script(spec, stage_root=stage_root)
    return files


def _write_all(directory: Path, files: dict[str, str]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in files.items():
        path = directory / name
        path.write_text(content)
        if name.endswith(".sh"):
            path.chmod(0o755)
        paths.append(path)
    return paths


if __name__ == "__main__":
    sys.exit(main())
