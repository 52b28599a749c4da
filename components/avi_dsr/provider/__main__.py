"""Entry point the engine launches: `pulumi-resource-avi-dsr <engine-address> [flags]`.

Prints the port it serves on (the plugin handshake) and serves until the engine hangs up, or
until the engine is gone: a `pulumi` killed with SIGKILL cannot stop its plugins, and a provider
left behind would serve nobody forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys

import grpc
from pulumi.runtime.proto import provider_pb2_grpc

from . import VERSION
from .components import Components
from .server import AviDsrProvider

# The engine sends every property of a large stack in one message.
_GRPC_OPTIONS = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]
ENGINE_WATCH_SECONDS = 1.0
LOG = logging.getLogger("avi_dsr.provider")


async def serve(engine_address: str) -> None:
    server = grpc.aio.server(options=_GRPC_OPTIONS)
    provider = AviDsrProvider(VERSION, Components(VERSION, engine_address))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(provider, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    watch = asyncio.create_task(stop_when_orphaned(server, os.getppid()))
    await server.wait_for_termination()
    watch.cancel()


async def stop_when_orphaned(server: grpc.aio.Server, engine_pid: int) -> None:
    """Stop serving once our parent (the engine, which the launcher execs us from) is gone.

    Calls still running finish in their threads (each is bounded by the retry window), so an
    object a killed run was creating is either made, with its ownership markers, or not at all.
    """
    while os.getppid() == engine_pid:
        await asyncio.sleep(ENGINE_WATCH_SECONDS)
    LOG.warning("avi-dsr provider: the engine (pid %d) is gone; stopping", engine_pid)
    await server.stop(grace=5)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
    engine_address = next((a for a in sys.argv[1:] if not a.startswith("-")), "")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(engine_address))


if __name__ == "__main__":
    main()
