"""The avi-dsr provider plugin: a gRPC ResourceProvider for the Avi objects, run by the engine.

Why our own servicer (on the SDK's protobuf stubs) rather than the SDK's experimental one: every
call here must end in a one-line error the user can act on (the SDK appends a Python stack to every
message), a failed wait-for-up must be recorded as a partial create (ErrorResourceInitFailed), and
calls must run many at once (blocking HTTP in a sized thread pool, not on the event loop).
Everything Avi-specific lives in `avi_dsr.avi.objects`; this module only translates.
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import grpc
from google.protobuf import any_pb2, empty_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc, status_pb2
from pulumi.runtime.rpc import UNKNOWN

from avi_dsr.avi.client import POOL_SIZE, AviSession, Connection, session_for
from avi_dsr.avi.connection import config_problems, connection_from
from avi_dsr.avi.errors import AviProviderError, CommittedButFailed
from avi_dsr.avi.objects import AviObjects, observed_of
from avi_dsr.avi.ownership import Owner
from avi_dsr.avi.specs import SPECS
from avi_dsr.avi.tokens import PACKAGE, resource_token

from . import wire
from .components import Components
from .schema import merge_component_schema, package_schema

LOG = logging.getLogger("avi_dsr.provider")
T = TypeVar("T")

OBJECTS = {resource_token(spec.class_name): AviObjects(t) for t, spec in SPECS.items()}


class AviDsrProvider(provider_pb2_grpc.ResourceProviderServicer):
    """One provider instance (one per explicit or default provider resource)."""

    def __init__(self, version: str, components: Components | None = None) -> None:
        self._version = version
        self._components = components  # the component servicer (Construct), when available
        self._connection: Connection | None = None
        self._executor = ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="avi")
        self._schema: str | None = None

    # ------------------------------------------------------------------ plugin plumbing
    async def GetPluginInfo(self, request: Any, context: Any) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=self._version)

    async def GetSchema(self, request: Any, context: Any) -> provider_pb2.GetSchemaResponse:
        if self._schema is None:
            schema = package_schema(self._version)
            if self._components is not None:
                schema = merge_component_schema(schema, self._components.schema())
            self._schema = json.dumps(schema, sort_keys=True)  # = dump_schema.full_schema()
        return provider_pb2.GetSchemaResponse(schema=self._schema)

    async def Handshake(self, request: Any, context: Any) -> Any:
        """Answered as a provider without the handshake, which the engine handles by configuring
        us the classic way. (The stub's default raises NotImplementedError, which prints a
        Python traceback into the plugin's stderr on every start; the engine shows that stderr
        to the user whenever the plugin dies.)"""
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, "avi-dsr: no handshake")

    async def Cancel(self, request: Any, context: Any) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    async def GetMapping(self, request: Any, context: Any) -> provider_pb2.GetMappingResponse:
        return provider_pb2.GetMappingResponse(provider="", data=b"")

    async def Construct(self, request: Any, context: Any) -> Any:
        if self._components is None:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, "no components in this plugin")
        return await self._components.Construct(request, context)

    # ----------------------------------------------------------------- configuration
    async def CheckConfig(self, request: Any, context: Any) -> provider_pb2.CheckResponse:
        news = wire.from_struct(request.news)
        failures = [
            provider_pb2.CheckFailure(property=key, reason=f"avi-dsr provider: {reason}")
            for key, reason in config_problems(news)
        ]
        return provider_pb2.CheckResponse(inputs=request.news, failures=failures)

    async def DiffConfig(self, request: Any, context: Any) -> provider_pb2.DiffResponse:
        olds, news = wire.from_struct(request.olds), wire.from_struct(request.news)
        changed = sorted(k for k in set(olds) | set(news) if olds.get(k) != news.get(k))
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME
            if changed
            else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed,
        )

    async def Configure(self, request: Any, context: Any) -> provider_pb2.ConfigureResponse:
        config = wire.from_struct(request.args) if request.HasField("args") else {}
        if not config:
            config = _from_variables(dict(request.variables))
        problems = config_problems(config)
        if problems:
            message = "; ".join(f"{key}: {reason}" for key, reason in problems)
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"avi-dsr provider: {message}")
        self._connection = connection_from(config)
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True)

    # ------------------------------------------------------------------------- CRUD
    async def Check(self, request: Any, context: Any) -> provider_pb2.CheckResponse:
        objects = await self._objects(request.type or _type_of(request.urn), context)
        news = wire.from_struct(request.news)
        version = self._connection.api_version if self._connection else None
        failures = objects.check(news, version)
        return provider_pb2.CheckResponse(
            inputs=request.news,
            failures=[
                provider_pb2.CheckFailure(property=f.prop, reason=f.reason) for f in failures
            ],
        )

    async def Diff(self, request: Any, context: Any) -> provider_pb2.DiffResponse:
        objects = await self._objects(_type_of(request.urn), context)
        olds, news = wire.from_struct(request.olds), wire.from_struct(request.news)
        outcome = await self._guard(
            context, objects.diff, olds, news, Owner.from_urn(request.urn), self._tenant()
        )
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME
            if outcome.changes
            else provider_pb2.DiffResponse.DIFF_NONE,
            replaces=outcome.replaces,
            diffs=outcome.diffs,
            deleteBeforeReplace=True,  # Avi names are unique per tenant: the old one goes first
        )

    async def Create(self, request: Any, context: Any) -> provider_pb2.CreateResponse:
        objects = await self._objects(_type_of(request.urn), context)
        news = wire.from_struct(request.properties)
        if request.preview:
            planned = {**news, "uuid": UNKNOWN, "ref": UNKNOWN}
            return provider_pb2.CreateResponse(id="", properties=wire.to_struct(planned))
        session = await self._session(context)
        outs = await self._guard(
            context, objects.create, session, news, Owner.from_urn(request.urn)
        )
        return provider_pb2.CreateResponse(id=outs["uuid"], properties=wire.to_struct(outs))

    async def Read(self, request: Any, context: Any) -> provider_pb2.ReadResponse:
        objects = await self._objects(_type_of(request.urn), context)
        state = wire.from_struct(request.properties)
        inputs = wire.from_struct(request.inputs)
        session = await self._session(context)
        tenant = inputs.get("tenant") or None
        outs = await self._guard(context, objects.read, session, request.id, state, tenant)
        if outs is None:
            return provider_pb2.ReadResponse(id="")
        importing = not state
        return provider_pb2.ReadResponse(
            id=request.id,
            properties=wire.to_struct(outs),
            inputs=wire.to_struct(objects.importable_inputs(outs) if importing else inputs),
        )

    async def Update(self, request: Any, context: Any) -> provider_pb2.UpdateResponse:
        objects = await self._objects(_type_of(request.urn), context)
        olds, news = wire.from_struct(request.olds), wire.from_struct(request.news)
        if request.preview:
            planned = {
                **observed_of(olds),
                **news,
                "uuid": olds.get("uuid"),
                "ref": olds.get("ref"),
            }
            return provider_pb2.UpdateResponse(properties=wire.to_struct(planned))
        session = await self._session(context)
        owner = Owner.from_urn(request.urn)
        outs = await self._guard(context, objects.update, session, request.id, olds, news, owner)
        return provider_pb2.UpdateResponse(properties=wire.to_struct(outs))

    async def Delete(self, request: Any, context: Any) -> empty_pb2.Empty:
        objects = await self._objects(_type_of(request.urn), context)
        state = wire.from_struct(request.properties)
        session = await self._session(context)
        owner = Owner.from_urn(request.urn)
        await self._guard(context, objects.delete, session, request.id, state, owner)
        return empty_pb2.Empty()

    # ---------------------------------------------------------------------- helpers
    async def _objects(self, token: str, context: Any) -> AviObjects:
        objects = OBJECTS.get(token)
        if objects is None:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"unknown resource type {token!r}; {PACKAGE} manages {', '.join(sorted(OBJECTS))}",
            )
        return objects  # type: ignore[return-value]

    async def _session(self, context: Any) -> AviSession:
        if self._connection is None:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "provider not configured")
        return session_for(self._connection)  # type: ignore[arg-type]

    def _tenant(self) -> str:
        return self._connection.tenant if self._connection else "admin"

    async def _guard(self, context: Any, call: Callable[..., T], *args: Any) -> T:
        """Run a blocking call in the pool; our errors become one line, bugs keep their stack."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, call, *args)
        except CommittedButFailed as failed:
            await _abort_init_failed(context, failed)
        except AviProviderError as err:
            await context.abort(grpc.StatusCode.UNKNOWN, str(err))
        except Exception:  # a bug: the stack is what a maintainer needs
            LOG.exception("unexpected provider failure")
            await context.abort(grpc.StatusCode.INTERNAL, traceback.format_exc())
        raise AssertionError("unreachable")  # abort raises


async def _abort_init_failed(context: Any, failed: CommittedButFailed) -> None:
    detail = provider_pb2.ErrorResourceInitFailed(
        id=failed.uuid, properties=wire.to_struct(dict(failed.outputs)), reasons=[str(failed)]
    )
    packed = any_pb2.Any()
    packed.Pack(detail)
    status = status_pb2.Status(code=grpc.StatusCode.UNKNOWN.value[0], message=str(failed))
    status.details.append(packed)
    context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
    await context.abort(grpc.StatusCode.UNKNOWN, str(failed))


def _type_of(urn: str) -> str:
    """The resource type token: the last segment of the URN's (possibly nested) type."""
    return urn.split("::")[-2].split("$")[-1]


def _from_variables(variables: Mapping[str, str]) -> dict[str, Any]:
    """Default-provider config from `avi-dsr:<key>` stack config (JSON-encoded non-strings)."""
    config: dict[str, Any] = {}
    for key, raw in variables.items():
        name = key.split(":", 1)[-1]
        try:
            config[name] = json.loads(raw)
        except ValueError:
            config[name] = raw
    return config
