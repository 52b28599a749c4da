"""Entry point the engine launches: `pulumi-resource-avi-dsr <engine-address> [flags]`.

Prints the port it serves on (the plugin handshake) and serves until the engine hangs up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

import grpc
from pulumi.runtime.proto import provider_pb2_grpc

from . import VERSION
from .components import Components
from .server import AviDsrProvider

# The engine sends every property of a large stack in one message.
_GRPC_OPTIONS = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]


async def serve(engine_address: str) -> None:
    server = grpc.aio.server(options=_GRPC_OPTIONS)
    provider = AviDsrProvider(VERSION, Components(VERSION, engine_address))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(provider, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    await server.wait_for_termination()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
    engine_address = next((a for a in sys.argv[1:] if not a.startswith("-")), "")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(engine_address))


if __name__ == "__main__":
    main()
