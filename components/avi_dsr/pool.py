"""DsrPool: the servers' own addresses in a consistent-hash pool, plus an optional monitor."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import pulumi

from avi_dsr.avi import AviConnectionArgs, HealthMonitor, Pool
from avi_dsr.avi.providers import avi_opts
from avi_dsr.component import checked_args, type_token
from avi_dsr.config import HealthMonitorConfig, PortRange, ServerNetwork
from avi_dsr.config.typed import check_pool_args
from avi_dsr.payloads import PoolMember, health_monitor_body, pool_body


@dataclass(frozen=True, kw_only=True)
class DsrPoolArgs:
    """Args of :class:`DsrPool`."""

    connection: AviConnectionArgs | None
    """Controller (and tenant) to create the pool on; None: the provider comes from the
    resource options."""
    name: str
    """Avi pool name, by convention ``<service>-pool``."""
    ports: Sequence[PortRange]
    """The service's ports: servers receive traffic on the service port (no translation)."""
    members: Sequence[PoolMember]
    """Server addresses (Outputs allowed), never the VIP; ratio and enabled per server."""
    cloud: str = "Default-Cloud"
    """Avi cloud name."""
    health_monitor: HealthMonitorConfig | None = None
    """Optional TCP or HTTP monitor, created as ``health_monitor_name``."""
    health_monitor_name: str | None = None
    """Avi monitor name, by convention ``<service>-hm``; required with ``health_monitor``."""
    tenant: str | None = None
    """Tenant of the pool and monitor (default: the connection's, else the provider's)."""
    preflight: Mapping[str, Any] | None = None
    """Facts the provider checks before its first write (set by L3DsrService)."""
    adopt: str | None = None
    """Take over this existing pool (name or uuid) instead of creating one."""
    health_monitor_adopt: str | None = None
    """Take over this existing health monitor (name or uuid) instead of creating one."""
    server_networks: Sequence[ServerNetwork] = ()
    """Pool placement networks: where the Service Engines reach the servers (Avi network and
    subnet), for servers on networks the controller would not pick by itself."""


class DsrPoolArgsDict(TypedDict, total=False):
    """Dict twin of :class:`DsrPoolArgs`."""

    connection: AviConnectionArgs | None
    name: str
    ports: Sequence[PortRange]
    members: Sequence[PoolMember]
    cloud: str
    health_monitor: HealthMonitorConfig | None
    health_monitor_name: str | None
    tenant: str | None
    preflight: Mapping[str, Any] | None
    adopt: str | None
    health_monitor_adopt: str | None
    server_networks: Sequence[ServerNetwork]


class DsrPool(pulumi.ComponentResource):
    """Pool for DSR: consistent hash, ``use_service_port``; membership changes update in place.

    The pool's resource name never depends on its members, so adding or removing a server
    changes only the pool's ``body``, which the provider applies as one PUT.
    """

    ref: pulumi.Output[str]
    uuid: pulumi.Output[str]
    members: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        args: DsrPoolArgs | DsrPoolArgsDict,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        a = checked_args("DsrPool", resource_name, DsrPoolArgs, args, check_pool_args)
        # The pool must not send traffic before its servers are ready, so `depends_on` goes to the
        # Pool object only. Kept on this component it would hold back the whole subtree: children
        # wait for their parent's URN, and a component with depends_on is registered only once
        # those resources exist, so the monitor would wait for server provisioning for nothing.
        depends_on = opts.depends_on if opts is not None else None
        own_opts = copy.copy(opts) if opts is not None else None
        if own_opts is not None:
            own_opts.depends_on = None
        super().__init__(type_token("DsrPool"), resource_name, None, own_opts)
        self.monitor, self.resource, self.body = pool_resources(a, self, depends_on)
        self.ref = self.resource.ref
        self.uuid = self.resource.uuid
        self.members = member_addresses(a.members)
        self.register_outputs({"ref": self.ref, "uuid": self.uuid, "members": self.members})


def pool_resources(
    a: DsrPoolArgs,
    parent: pulumi.Resource,
    depends_on: pulumi.Input[Sequence[pulumi.Resource]] | None,
    extra: pulumi.ResourceOptions | None = None,
) -> tuple[HealthMonitor | None, Pool, dict[str, Any]]:
    """The monitor (if any), the pool and its body, under ``parent``: a DsrPool, or an
    L3DsrService directly (one resource fewer per service); ``extra`` adds options (aliases).
    Only the Pool gets ``depends_on`` (its servers): the monitor need not wait for them."""
    monitor: HealthMonitor | None = None
    monitor_ref = None
    tenant = a.tenant or (a.connection.tenant if a.connection else None)
    if a.health_monitor is not None:
        assert a.health_monitor_name is not None  # checked with the args
        monitor = HealthMonitor(
            a.health_monitor_name,
            body=health_monitor_body(a.health_monitor_name, a.health_monitor, a.ports),
            tenant=tenant,
            preflight=a.preflight,
            adopt=a.health_monitor_adopt,
            opts=pulumi.ResourceOptions.merge(avi_opts(parent, a.connection), extra),
        )
        monitor_ref = monitor.ref
    body = pool_body(
        a.name,
        members=a.members,
        ports=a.ports,
        cloud=a.cloud,
        health_monitor_ref=monitor_ref,
        server_networks=a.server_networks,
    )
    pool = Pool(
        a.name,
        body=body,
        tenant=tenant,
        preflight=a.preflight,
        adopt=a.adopt,
        opts=pulumi.ResourceOptions.merge(
            avi_opts(parent, a.connection, depends_on=depends_on), extra
        ),
    )
    return monitor, pool, body


def member_addresses(members: Sequence[PoolMember]) -> pulumi.Output[list[str]]:
    """The pool's member addresses, as the service reports them."""
    return pulumi.Output.all(*[m.address for m in members]).apply(list)
