"""A resource provider plugin that does nothing: the engine's floor for a resource graph.

The bench installs it, in a floor project's own PULUMI_HOME, under the names and versions the
program asks for (`resource avi-dsr <ours>`, `resource command 1.2.1`), so the very same program
registers the very same graph, with the same inputs and dependencies, and every step costs the
engine what it costs when a provider answers at once. Whatever a real run takes beyond that is
ours (providers, controller round trips, SSH) or the state we make the engine carry.

Outputs are the inputs plus `uuid` and `ref` (what the program reads from Avi objects), unknown
in a preview; a diff is "inputs changed". Served on grpc.aio with no cap on calls in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import uuid
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN


def _outputs(inputs: struct_pb2.Struct, ident: str | None) -> struct_pb2.Struct:
    outs = struct_pb2.Struct()
    outs.CopyFrom(inputs)
    outs.update({"uuid": ident or UNKNOWN, "ref": f"/api/null/{ident}" if ident else UNKNOWN})
    return outs


def _changed(old: struct_pb2.Struct, new: struct_pb2.Struct) -> list[str]:
    keys = set(old.fields) | set(new.fields)
    return sorted(k for k in keys if old.fields.get(k) != new.fields.get(k))


class NullProvider(provider_pb2_grpc.ResourceProviderServicer):
    def __init__(self, version: str) -> None:
        self._version = version

    async def GetPluginInfo(self, request: Any, context: Any) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=self._version)

    async def GetSchema(self, request: Any, context: Any) -> provider_pb2.GetSchemaResponse:
        return provider_pb2.GetSchemaResponse(schema="{}")

    async def Cancel(self, request: Any, context: Any) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    async def GetMapping(self, request: Any, context: Any) -> provider_pb2.GetMappingResponse:
        return provider_pb2.GetMappingResponse(provider="", data=b"")

    async def CheckConfig(self, request: Any, context: Any) -> provider_pb2.CheckResponse:
        return provider_pb2.CheckResponse(inputs=request.news)

    async def DiffConfig(self, request: Any, context: Any) -> provider_pb2.DiffResponse:
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)

    async def Configure(self, request: Any, context: Any) -> provider_pb2.ConfigureResponse:
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True)

    async def Check(self, request: Any, context: Any) -> provider_pb2.CheckResponse:
        return provider_pb2.CheckResponse(inputs=request.news)

    async def Diff(self, request: Any, context: Any) -> provider_pb2.DiffResponse:
        changed = _changed(request.old_inputs, request.news)
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME
            if changed
            else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed,
        )

    async def Create(self, request: Any, context: Any) -> provider_pb2.CreateResponse:
        ident = None if request.preview else uuid.uuid4().hex
        return provider_pb2.CreateResponse(
            id=ident or "", properties=_outputs(request.properties, ident)
        )

    async def Read(self, request: Any, context: Any) -> provider_pb2.ReadResponse:
        return provider_pb2.ReadResponse(
            id=request.id, properties=request.properties, inputs=request.inputs
        )

    async def Update(self, request: Any, context: Any) -> provider_pb2.UpdateResponse:
        return provider_pb2.UpdateResponse(properties=_outputs(request.news, request.id))

    async def Delete(self, request: Any, context: Any) -> empty_pb2.Empty:
        return empty_pb2.Empty()


async def serve(servicer: Any) -> None:
    """Serve a provider the way a plugin does: the port on stdout, then until the engine goes."""
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    await server.wait_for_termination()


if __name__ == "__main__":
    # the launcher says which plugin this copy stands in for; the engine's arguments are unused
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(NullProvider(os.environ.get("NULL_PROVIDER_VERSION", "0.0.0"))))
