"""The provider over real gRPC, as the engine drives it, without the engine (pulumi-notes §2.3)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import grpc
import pytest
from avi_dsr.avi import AviConnectionArgs, AviObjectProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc


@pytest.fixture(scope="module")
def host():
    env = {**os.environ, "PULUMI_PROJECT": "avi-dsr"}
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        port = int(proc.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=20)
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            stub.Configure(provider_pb2.ConfigureRequest(args=_struct({})))
            yield stub
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _struct(props):
    return asyncio.run(rpc.serialize_properties(props, {}))


def _plain(struct):
    return rpc.deserialize_properties(struct)


def _hm_props(sim, body, password="admin"):
    """Health monitor inputs as the engine sends them, with the pickled provider."""
    conn = AviConnectionArgs(controller=sim.url, username="admin", password=password)
    return {
        "__provider": serialize_provider(AviObjectProvider("healthmonitor")),
        "connection": conn.wire(),
        "password": password,
        "body": body,
    }


def test_crud_over_grpc(host, avisim):
    news = _hm_props(
        avisim, {"name": "grpc-hm", "type": "HEALTH_MONITOR_TCP", "send_interval": 10.0}
    )
    urn = "urn:pulumi:test::avi-dsr::pulumi-python:dynamic/avi:HealthMonitor::grpc-hm"

    checked = host.Check(provider_pb2.CheckRequest(urn=urn, olds=_struct({}), news=_struct(news)))
    assert list(checked.failures) == []
    created = host.Create(provider_pb2.CreateRequest(urn=urn, properties=checked.inputs))
    outs = _plain(created.properties)
    assert created.id == outs["uuid"] and outs["observed"]["send_interval"] == 10

    same = host.Diff(
        provider_pb2.DiffRequest(
            id=created.id, urn=urn, olds=created.properties, news=checked.inputs
        )
    )
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE

    changed_news = _struct({**news, "body": {**news["body"], "send_interval": 5.0}})
    diff = host.Diff(
        provider_pb2.DiffRequest(id=created.id, urn=urn, olds=created.properties, news=changed_news)
    )
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and diff.deleteBeforeReplace
    updated = host.Update(
        provider_pb2.UpdateRequest(
            id=created.id, urn=urn, olds=created.properties, news=changed_news
        )
    )
    assert _plain(updated.properties)["observed"]["send_interval"] == 5

    read = host.Read(
        provider_pb2.ReadRequest(id=created.id, urn=urn, properties=updated.properties)
    )
    assert read.id == created.id
    host.Delete(provider_pb2.DeleteRequest(id=created.id, urn=urn, properties=updated.properties))
    gone = host.Read(
        provider_pb2.ReadRequest(id=created.id, urn=urn, properties=updated.properties)
    )
    assert gone.id == ""


def test_errors_reach_the_user_as_one_line(host, avisim):
    props = _hm_props(avisim, {"name": "bad-login", "type": "HEALTH_MONITOR_TCP"}, "wrong")
    with pytest.raises(grpc.RpcError) as err:
        host.Create(provider_pb2.CreateRequest(urn="urn:x", properties=_struct(props)))
    details = err.value.details()
    assert details.startswith("healthmonitor 'bad-login': login to http://127.0.0.1:")
    assert "\n" not in details and "Traceback" not in details
