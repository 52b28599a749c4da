"""``python -m avisim --port PORT``: run the simulator until interrupted."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from avisim.errors import ApiError
from avisim.faults import DEFAULT_SE_ASSIGN_MS
from avisim.networks import DEFAULT_NETWORK_SPECS
from avisim.schema import EDITIONS, ENTERPRISE, known_versions
from avisim.seed import CLOUD_TYPES
from avisim.server import DEFAULT_CLOUD_TYPE, DEFAULT_CONTROLLER_VERSION, Simulator

PASSWORD_ENV = "AVISIM_PASSWORD"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="avisim", description="Avi controller REST API simulator")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="listen port (0 = any free port)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a generated local CA")
    parser.add_argument(
        "--cert-dir", help="where the TLS CA/cert live (default ~/.cache/avi-dsr/avisim/tls-v1)"
    )
    parser.add_argument("--username", default="admin")
    parser.add_argument(
        "--password",
        help=f"login password (default: ${PASSWORD_ENV}, --password-file, else 'admin'); "
        "visible in process lists, prefer the other two",
    )
    parser.add_argument("--password-file", type=Path, help="read the login password from a file")
    parser.add_argument("--state-file", help="keep objects in this JSON file across restarts")
    parser.add_argument(
        "--strict-dsr", action=argparse.BooleanOptionalAction, default=True,
        help="refuse DSR virtual services that break the DSR rules (default on)",
    )  # fmt: skip
    controller = parser.add_argument_group("the controller")
    controller.add_argument(
        "--controller-version", default=DEFAULT_CONTROLLER_VERSION, choices=known_versions(),
        help=f"release to behave as (default {DEFAULT_CONTROLLER_VERSION})",
    )  # fmt: skip
    controller.add_argument(
        "--license", default=ENTERPRISE, choices=EDITIONS, help="edition (default enterprise)"
    )
    controller.add_argument(
        "--cloud-type", default=DEFAULT_CLOUD_TYPE, choices=sorted(CLOUD_TYPES),
        help=f"Default-Cloud's type (default {DEFAULT_CLOUD_TYPE})",
    )  # fmt: skip
    controller.add_argument(
        "--network", action="append", metavar="NAME=CIDR[@BEGIN-END][,...]",
        help="a Default-Cloud network (repeatable; replaces the defaults: "
        + "; ".join(DEFAULT_NETWORK_SPECS) + "); @BEGIN-END is a static VIP range",
    )  # fmt: skip
    controller.add_argument(
        "--no-networks", action="store_true", help="Default-Cloud has no networks at all"
    )
    controller.add_argument(
        "--ipam", action="store_true",
        help="give Default-Cloud an Avi IPAM profile (avisim-ipam) for auto_allocate_ip",
    )  # fmt: skip
    controller.add_argument(
        "--se-assign-ms", type=int, default=DEFAULT_SE_ASSIGN_MS,
        help=f"how long placing a VS on an SE takes (default {DEFAULT_SE_ASSIGN_MS})",
    )  # fmt: skip
    controller.add_argument(
        "--clock-offset-seconds", type=float, default=0.0,
        help="shift the controller's clock (_last_modified, timestamps)",
    )  # fmt: skip
    faults = parser.add_argument_group("faults")
    faults.add_argument("--latency-ms", type=int, default=0, help="added to every request")
    faults.add_argument("--unauthorized-after", type=int, metavar="N",
                        help="expire all sessions after N API requests")  # fmt: skip
    faults.add_argument("--fail-5xx", type=int, metavar="N", help="fail the next N API requests")
    faults.add_argument("--fail-5xx-status", type=int, default=503)
    faults.add_argument("--fail-5xx-methods", help="comma-separated, e.g. POST,PUT")
    faults.add_argument("--fail-5xx-path-prefix", default="/api/")
    faults.add_argument(
        "--drop-after-commit", type=int, metavar="N", help="drop the reply of the next N writes"
    )
    faults.add_argument(
        "--drop-methods", help="comma-separated write methods to drop (default all)"
    )
    return parser


def faults_from_args(args: argparse.Namespace) -> dict[str, object]:
    faults: dict[str, object] = {}
    if args.unauthorized_after is not None:
        faults["unauthorized_after"] = args.unauthorized_after
    if args.fail_5xx:
        faults["fail_5xx"] = {
            "count": args.fail_5xx,
            "status": args.fail_5xx_status,
            "path_prefix": args.fail_5xx_path_prefix,
            **({"methods": args.fail_5xx_methods.split(",")} if args.fail_5xx_methods else {}),
        }
    if args.drop_after_commit:
        faults["drop_after_commit"] = {
            "count": args.drop_after_commit,
            **({"methods": args.drop_methods.split(",")} if args.drop_methods else {}),
        }
    return faults


def networks_from_args(args: argparse.Namespace) -> list[str] | None:
    """None = the defaults; [] = none."""
    if args.no_networks:
        return []
    return args.network


def password_from_args(args: argparse.Namespace) -> str:
    if args.password is not None:
        return args.password
    if args.password_file is not None:
        return args.password_file.read_text(encoding="utf-8").rstrip("\n")
    return os.environ.get(PASSWORD_ENV, "admin")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        sim = Simulator(
            host=args.host,
            port=args.port,
            tls=args.tls,
            cert_dir=args.cert_dir,
            username=args.username,
            password=password_from_args(args),
            state_file=args.state_file,
            strict_dsr=args.strict_dsr,
            controller_version=args.controller_version,
            license=args.license,
            cloud_type=args.cloud_type,
            networks=networks_from_args(args),
            ipam=args.ipam,
            se_assign_ms=args.se_assign_ms,
            clock_offset_seconds=args.clock_offset_seconds,
            latency_ms=args.latency_ms,
            faults=faults_from_args(args),
        )
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"avisim: {exc}", file=sys.stderr)
        return 2
    except ApiError as exc:  # bad fault flags, or seeds this edition refuses
        print(f"avisim: {exc.message}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    sim.start()
    print(f"avisim listening on {sim.url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
