"""L3DsrService: one DSR service end to end (network profile, pool, VsVip, virtual service)."""

# No `from __future__ import annotations`: avi_dsr.package subclasses this, and the SDK analyzer
# reads the output annotations of its whole class hierarchy as real types.

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

import pulumi

from avi_dsr.avi import AviConnectionArgs
from avi_dsr.component import ComponentArgsError, checked_args, type_token
from avi_dsr.config import ServiceSpec
from avi_dsr.config.typed import check_service_args
from avi_dsr.network_profile import DsrNetworkProfileArgs, network_profile_resource
from avi_dsr.payloads import AviNames, static_members
from avi_dsr.pool import DsrPoolArgs, member_addresses, pool_resources
from avi_dsr.preflight import ServiceFacts
from avi_dsr.servers import DsrServer
from avi_dsr.textcheck import short_list
from avi_dsr.virtual_service import DsrVip, DsrVirtualServiceArgs, virtual_service_resources


@dataclass(frozen=True, kw_only=True)
class L3DsrServiceArgs:
    """Args of :class:`L3DsrService`."""

    connection: AviConnectionArgs | None
    """Controller; the service's tenant replaces the connection's tenant. None: the Avi provider
    comes from the resource options (as from every other language)."""
    service: ServiceSpec
    """Validated service (VIPs, ports, members, monitor, profile, placement)."""
    servers: Mapping[str, DsrServer]
    """Servers by name, built once by the program and shared between services."""
    controller_url: str | None = None
    """Controller UI base URL for the ``vs_url`` output (``https://<controller>``)."""
    allocated_vip: DsrVip | None = None
    """The service's VsVip made ahead when the controller allocates the VIP (``vip: auto``): the
    servers holding that VIP are rendered from its ``address``, so it must exist before them.
    None: the service makes its own VsVip."""
    config_key: str | None = None
    """The service's stack-config key (``avi-dsr:services[0]``): names its preflight problems
    (``facts``); None: the resource name."""


class L3DsrServiceArgsDict(TypedDict, total=False):
    """Dict twin of :class:`L3DsrServiceArgs`."""

    connection: AviConnectionArgs | None
    service: ServiceSpec
    servers: Mapping[str, DsrServer]
    controller_url: str | None
    allocated_vip: DsrVip | None
    config_key: str | None


class L3DsrService(pulumi.ComponentResource):
    """Servers -> consistent-hash pool -> DSR virtual service, with the Avi names derived from
    the service name (``<svc>-np``, ``-hm``, ``-pool``, ``-vsvip``, ``-vs``)."""

    vip: pulumi.Output[str | None]
    vip6: pulumi.Output[str | None]
    vs_uuid: pulumi.Output[str]
    vs_url: pulumi.Output[str | None]
    oper_status: pulumi.Output[str | None]
    pool_members: pulumi.Output[list[str]]
    server_digests: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        resource_name: str,
        args: L3DsrServiceArgs | L3DsrServiceArgsDict,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        a = checked_args("L3DsrService", resource_name, L3DsrServiceArgs, args, check_service_args)
        svc = a.service
        missing = [m.server for m in svc.members if m.server not in a.servers]
        wrong = []
        if missing:
            wrong.append(
                f"servers: {short_list(missing)} are listed by the service but were not built; "
                "pass them in servers"
            )
        if (svc.auto_allocate is None) != (a.allocated_vip is None):
            wrong.append(
                "allocated_vip: is for a VIP the controller allocates (auto) and then required: "
                "make the DsrVip ahead, build the servers from its address, and pass it here"
            )
        if wrong:
            raise ComponentArgsError("L3DsrService", resource_name, wrong)
        super().__init__(type_token("L3DsrService"), resource_name, None, opts)
        connection = dataclasses.replace(a.connection, tenant=svc.tenant) if a.connection else None
        # What the controller preflight checks for this service (avi_dsr.preflight).
        self.facts = ServiceFacts.of(svc, a.config_key or resource_name)
        names = AviNames.for_service(svc.name)
        facts = self.facts.wire()
        # The Avi objects are this component's own children: no DsrNetworkProfile, DsrPool or
        # DsrVirtualService in between. Each component is a resource the engine registers and
        # checkpoints (three writes of the whole state each) for no object on the controller:
        # 9 resources per service became 6 (issue 12). Aliases keep the URNs of stacks made
        # with those components, so nothing is replaced.
        self.network_profile, _ = network_profile_resource(
            names.network_profile,
            network_profile_args(svc, connection, facts),
            self,
            _formerly_under(self, "DsrNetworkProfile", names.network_profile),
        )
        addresses = {name: (s.ipv4, s.ipv6) for name, s in a.servers.items()}
        pool_spec = pool_args(svc, connection, facts, addresses)
        self.health_monitor, self.pool, _ = pool_resources(
            pool_spec,
            self,
            _resources(a.servers[m.server] for m in svc.members),  # the pool only waits
            _formerly_under(self, "DsrPool", names.pool),
        )
        self.vsvip, self.virtual_service, _ = virtual_service_resources(
            virtual_service_args(
                svc,
                connection,
                facts,
                network_profile_ref=self.network_profile.ref,
                pool_ref=self.pool.ref,
                allocated_vip=a.allocated_vip,
            ),
            self,
            _formerly_under(self, "DsrVirtualService", names.virtual_service),
        )
        self.vip, self.vip6 = _vip_outputs(svc, a.allocated_vip)
        self.vs_uuid = self.virtual_service.uuid
        self.oper_status = self.virtual_service.oper_status
        base = a.controller_url
        self.vs_url = self.vs_uuid.apply(lambda uuid: vs_ui_url(base, uuid) if base else None)
        self.pool_members = member_addresses(pool_spec.members)
        self.server_digests = pulumi.Output.all(
            **{m.server: a.servers[m.server].digest for m in svc.members}
        )
        self.register_outputs(
            {
                "vip": self.vip,
                "vip6": self.vip6,
                "vs_uuid": self.vs_uuid,
                "vs_url": self.vs_url,
                "oper_status": self.oper_status,
                "pool_members": self.pool_members,
                "server_digests": self.server_digests,
            }
        )


# The three parts of a service, as L3DsrService wires them (avi_dsr.package builds each alone).


def network_profile_args(
    svc: ServiceSpec, connection: AviConnectionArgs | None, facts: Mapping[str, Any]
) -> DsrNetworkProfileArgs:
    return DsrNetworkProfileArgs(
        connection=connection,
        tenant=svc.tenant,
        name=AviNames.for_service(svc.name).network_profile,
        protocol=svc.protocol,
        profile=svc.network_profile,
        preflight=facts,
        adopt=svc.adopted("networkProfile"),
    )


def pool_args(
    svc: ServiceSpec,
    connection: AviConnectionArgs | None,
    facts: Mapping[str, Any],
    addresses: Mapping[str, tuple[pulumi.Input[str | None], pulumi.Input[str | None]]],
) -> DsrPoolArgs:
    names = AviNames.for_service(svc.name)
    return DsrPoolArgs(
        connection=connection,
        tenant=svc.tenant,
        name=names.pool,
        ports=svc.ports,
        members=static_members(svc, addresses),
        cloud=svc.cloud,
        health_monitor=svc.health_monitor,
        health_monitor_name=names.health_monitor,
        preflight=facts,
        adopt=svc.adopted("pool"),
        health_monitor_adopt=svc.adopted("healthMonitor"),
        server_networks=svc.placement.server_networks,
    )


def virtual_service_args(
    svc: ServiceSpec,
    connection: AviConnectionArgs | None,
    facts: Mapping[str, Any],
    *,
    network_profile_ref: pulumi.Input[str],
    pool_ref: pulumi.Input[str],
    allocated_vip: DsrVip | None = None,
) -> DsrVirtualServiceArgs:
    names = AviNames.for_service(svc.name)
    return DsrVirtualServiceArgs(
        connection=connection,
        tenant=svc.tenant,
        name=names.virtual_service,
        vsvip_name=names.vsvip,
        vip=str(svc.vip) if svc.vip else None,
        vip6=str(svc.vip6) if svc.vip6 else None,
        auto_allocate=svc.auto_allocate,
        placement=svc.placement,
        vsvip=allocated_vip,
        ports=svc.ports,
        network_profile_ref=network_profile_ref,
        pool_ref=pool_ref,
        cloud=svc.cloud,
        se_group=svc.se_group,
        vrf=svc.vrf,
        enabled=svc.enabled,
        preflight=facts,
        wait_for_up_seconds=svc.wait_for_up_seconds,
        adopt=svc.adopted("virtualService"),
        vsvip_adopt=svc.adopted("vsvip"),
    )


def _resources(servers: Iterable[DsrServer]) -> list[pulumi.Resource]:
    """The servers Pulumi manages here (a pool waits for them); others are just addresses."""
    return [s for s in servers if isinstance(s, pulumi.Resource)]


def _formerly_under(parent: pulumi.Resource, component: str, name: str) -> pulumi.ResourceOptions:
    """Options for an object that used to sit under a ``component`` named ``name`` inside
    ``parent``: an alias to that URN, so the engine moves it instead of replacing it."""
    old_parent = pulumi.create_urn(name, type_token(component), parent=parent)
    return pulumi.ResourceOptions(aliases=[pulumi.Alias(parent=old_parent)])


def _vip_outputs(
    svc: ServiceSpec, allocated: DsrVip | None
) -> tuple[pulumi.Output[str | None], pulumi.Output[str | None]]:
    """(IPv4 VIP, IPv6 VIP): configured, or the allocated address for the service's family."""
    none = pulumi.Output.from_input(None)
    if allocated is not None and svc.auto_allocate is not None:
        return (allocated.address, none) if svc.family == 4 else (none, allocated.address)
    return (
        pulumi.Output.from_input(str(svc.vip) if svc.vip else None),
        pulumi.Output.from_input(str(svc.vip6) if svc.vip6 else None),
    )


def vs_ui_url(controller_url: str, uuid: str) -> str:
    """Link to the virtual service's analytics page in the controller UI."""
    return f"{controller_url.rstrip('/')}/#!/applications/virtualservice/{uuid}/analytics"
