"""``python -m avisim --port PORT``: run the simulator until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from avisim.errors import ApiError
from avisim.server import DEFAULT_CONTROLLER_VERSION, Simulator


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="avisim", description="Avi controller REST API simulator")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="listen port (0 = any free port)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a generated local CA")
    parser.add_argument(
        "--cert-dir", help="where the TLS CA/cert live (default ~/.cache/avi-dsr/avisim/tls-v1)"
    )
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--state-file", help="keep objects in this JSON file across restarts")
    parser.add_argument(
        "--strict-dsr", action=argparse.BooleanOptionalAction, default=True,
        help="refuse DSR virtual services that break the DSR rules (default on)",
    )  # fmt: skip
    parser.add_argument("--controller-version", default=DEFAULT_CONTROLLER_VERSION)
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every request")
    parser.add_argument("--unauthorized-after", type=int, metavar="N",
                        help="expire all sessions after N API requests")  # fmt: skip
    parser.add_argument("--fail-5xx", type=int, metavar="N", help="fail the next N API requests")
    parser.add_argument("--fail-5xx-status", type=int, default=503)
    parser.add_argument("--fail-5xx-methods", help="comma-separated, e.g. POST,PUT")
    parser.add_argument("--fail-5xx-path-prefix", default="/api/")
    parser.add_argument(
        "--drop-after-commit", type=int, metavar="N", help="drop the reply of the next N writes"
    )
    parser.add_argument(
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


def _exit_on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM ends serve_forever like Ctrl-C does, so the socket is closed cleanly."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        sim = Simulator(
            host=args.host,
            port=args.port,
            tls=args.tls,
            cert_dir=args.cert_dir,
            username=args.username,
            password=args.password,
            state_file=args.state_file,
            strict_dsr=args.strict_dsr,
            controller_version=args.controller_version,
            latency_ms=args.latency_ms,
            faults=faults_from_args(args),
        )
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"avisim: {exc}", file=sys.stderr)
        return 2
    except ApiError as exc:  # bad fault flags
        print(f"avisim: {exc.message}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    print(f"avisim listening on {sim.url}", flush=True)
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
