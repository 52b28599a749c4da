"""Pulumi mocks for the avi-dsr components: a recording registry, secret helpers, a runner.

Pitfalls handled (pulumi-notes §2): a fresh event loop per test, config and root stack reset
afterwards, secrets unwrapped explicitly, duplicate URNs detected here (the mock monitor would
silently overwrite them), and every registration awaited before a test looks at the registry.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

SECRET_SIG = "4dabf18193072939515e22adb298388d"
PROJECT = "avi-dsr"

AVI = "avi-dsr:avi:"
AVI_PROVIDER = "pulumi:providers:avi-dsr"
# Inputs of the Avi resources that are ours, not Avi fields, and outputs registered as None.
AVI_EXTRAS = ("adopt", "tenant", "preflight", "wait_for_up_seconds", "uuid", "ref", "oper_status")
VSPHERE_VM = "vsphere:index/virtualMachine:VirtualMachine"
VSPHERE_PROVIDER = "pulumi:providers:vsphere"
REMOTE_COMMAND = "command:remote:Command"
LOCAL_COMMAND = "command:local:Command"


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and SECRET_SIG in value


def unwrap(value: Any) -> Any:
    """Inputs with secrets replaced by their plain values (recursively)."""
    if is_secret(value):
        return unwrap(value["value"])
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def plain_text(value: Any) -> str:
    """Everything *not* wrapped as secret, as text: a secret must never show up in here."""
    if is_secret(value):
        return ""
    if isinstance(value, dict):
        return " ".join(f"{k} {plain_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return " ".join(plain_text(v) for v in value)
    return str(value)


def decode_guestinfo(value: str) -> str:
    return gzip.decompress(base64.b64decode(value)).decode()


@dataclass
class Registered:
    urn: str
    typ: str
    name: str
    inputs: dict[str, Any]
    parent: str = ""
    provider: str = ""
    dependencies: tuple[str, ...] = ()
    alias_parents: tuple[str, ...] = ()  # the parent URN of each alias spec

    @property
    def plain(self) -> dict[str, Any]:
        return unwrap(self.inputs)

    @property
    def body(self) -> dict[str, Any]:
        """An Avi resource's Avi object as sent: its inputs without ours."""
        return {k: v for k, v in self.plain.items() if k not in AVI_EXTRAS}


_LOOKUP_RESULTS: dict[str, dict[str, Any]] = {
    "vsphere:index/getDatacenter:getDatacenter": {"id": "datacenter-1"},
    "vsphere:index/getComputeCluster:getComputeCluster": {
        "id": "domain-c1",
        "resourcePoolId": "resgroup-1",
    },
    "vsphere:index/getHost:getHost": {"id": "host-1", "resourcePoolId": "resgroup-host-1"},
    "vsphere:index/getDatastore:getDatastore": {"id": "datastore-1"},
    "vsphere:index/getNetwork:getNetwork": {"id": "network-1", "type": "Network"},
    "vsphere:index/getVirtualMachine:getVirtualMachine": {
        "id": "tpl-uuid-1",
        "guestId": "ubuntu64Guest",
        "firmware": "efi",
        "scsiType": "pvscsi",
        "networkInterfaceTypes": ["vmxnet3"],
        "numCpus": 1,
        "memory": 2048,
        "disks": [
            {
                "size": 16,
                "thinProvisioned": True,
                "eagerlyScrub": False,
                "label": "Hard disk 1",
                "unitNumber": 0,
            }
        ],
    },
}


# What the mocked controller's IPAM hands out (a real one picks from the network's range).
ALLOCATED = {"V4": "203.0.113.200", "V6": "2001:db8:100::200"}


def allocate_vips(body: dict[str, Any]) -> dict[str, Any]:
    """The VsVip as a controller stores it: auto-allocated entries get an address."""
    stored = json.loads(json.dumps(body))
    for entry in stored.get("vip", []):
        kind = entry.get("auto_allocate_ip_type", "V4_ONLY")
        if entry.get("auto_allocate_ip"):
            family = "V6" if kind == "V6_ONLY" else "V4"
            field = "ip6_address" if family == "V6" else "ip_address"
            entry[field] = {"addr": ALLOCATED[family], "type": family}
    return stored


class DsrMocks(pulumi.runtime.Mocks):
    """Answers like the real providers would, enough for wiring tests."""

    def __init__(
        self, vm_addresses: dict[str, str | None] | None = None, *, allocate: bool = True
    ) -> None:
        self.vm_addresses = vm_addresses or {}
        self.allocate = allocate  # False: an IPAM with no free address (VsVip stored without)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.call_providers: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        state = dict(args.inputs)
        if args.typ.startswith(AVI):
            obj_type = args.typ.rsplit(":", 1)[1].lower()
            uuid = f"{obj_type}-{args.name}"
            body = {k: v for k, v in unwrap(args.inputs).items() if k not in AVI_EXTRAS}
            if obj_type == "vsvip" and self.allocate:
                state["vip"] = allocate_vips(body)["vip"]
            state.update(uuid=uuid, ref=f"/api/{obj_type}/{uuid}", name=body["name"])
            return uuid, state
        if args.typ == VSPHERE_VM:
            address = self.vm_addresses.get(args.inputs.get("name"))
            state.update(
                defaultIpAddress=address,
                guestIpAddresses=[address] if address else [],
                moid="vm-1",
                uuid=f"uuid-{args.name}",
            )
        if args.typ == REMOTE_COMMAND:
            state.update(stdout="", stderr="")
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        self.calls.append((args.token, dict(args.args)))
        self.call_providers.append(args.provider or "")
        return dict(_LOOKUP_RESULTS.get(args.token, {}))


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """Keeps every registration in order, so tests can assert on inputs and on duplicates."""

    def __init__(self, mocks: DsrMocks) -> None:
        super().__init__(mocks)
        self.registered: list[Registered] = []

    def RegisterResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
            self.registered.append(
                Registered(
                    urn,
                    request.type,
                    request.name,
                    inputs,
                    request.parent,
                    request.provider,
                    tuple(request.dependencies),
                    tuple(a.spec.parentUrn for a in request.aliases if a.HasField("spec")),
                )
            )
        return response

    def provider_of(self, record: Registered) -> Registered:
        """The provider resource a resource was registered with (`urn::id`)."""
        urn = record.provider.rsplit("::", 1)[0]
        return next(r for r in self.registered if r.urn == urn)

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.registered if r.typ == typ]

    def named(self, name: str, typ: str | None = None) -> Registered:
        found = [r for r in self.registered if r.name == name and (typ is None or r.typ == typ)]
        assert len(found) == 1, f"expected one resource named {name}, got {len(found)}"
        return found[0]

    def ancestry(self, record: Registered) -> list[str]:
        """Types of the parents, nearest first (the mock URN only shows the nearest)."""
        by_urn = {r.urn: r for r in self.registered}
        chain: list[str] = []
        parent = by_urn.get(record.parent)
        while parent is not None:
            chain.append(parent.typ)
            parent = by_urn.get(parent.parent)
        return chain

    def duplicate_urns(self) -> list[str]:
        urns = [r.urn for r in self.registered]
        return sorted({u for u in urns if urns.count(u) > 1})


@dataclass
class PulumiEnv:
    mocks: DsrMocks
    monitor: RecordingMonitor
    exports: dict[str, Any] = field(default_factory=dict)

    def run(self, program: Callable[[], Any]) -> Any:
        """Run ``program`` and wait for every registration (errors propagate)."""
        result: list[Any] = []
        pulumi.runtime.settings.SETTINGS.rpc_manager.clear()
        pulumi.runtime.settings.SETTINGS.outputs.clear()
        _sync_await(run_pulumi_func(lambda: result.append(program())))
        return result[0] if result else None

    @staticmethod
    def value(output: Any) -> Any:
        """The resolved value of an Output (secrets unwrapped)."""
        return _sync_await(pulumi.Output.from_input(output).future())

    @staticmethod
    def is_secret_output(output: Any) -> bool:
        return bool(_sync_await(pulumi.Output.from_input(output).is_secret()))


@contextmanager
def pulumi_env(
    config: dict[str, Any] | None = None,
    secret_keys: list[str] | None = None,
    vm_addresses: dict[str, str | None] | None = None,
    project: str = PROJECT,
    allocate: bool = True,
    mocks: DsrMocks | None = None,
) -> Iterator[PulumiEnv]:
    """Fresh loop, mocks and config for one test; everything reset afterwards."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = mocks or DsrMocks(vm_addresses, allocate=allocate)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.settings.reset_options(project=project, stack="test", preview=False)
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in (config or {}).items()},
        secret_keys or [],
    )
    pulumi.runtime.set_mocks(mocks, project=project, stack="test", preview=False, monitor=monitor)
    env = PulumiEnv(mocks, monitor)
    original_export = pulumi.export
    pulumi.export = lambda name, value: env.exports.__setitem__(name, value)  # type: ignore
    try:
        yield env
    finally:
        pulumi.export = original_export
        pulumi.runtime.set_all_config({}, [])
        pulumi.runtime.settings.reset_options()
        loop.close()
        asyncio.set_event_loop(None)
