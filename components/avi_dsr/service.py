"""L3DsrService: one DSR service end to end (network profile, pool, VsVip, virtual service)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

import pulumi

from avi_dsr.avi import AviConnectionArgs
from avi_dsr.component import child_opts, coerce_args, type_token
from avi_dsr.config import ServiceSpec
from avi_dsr.network_profile import DsrNetworkProfile, DsrNetworkProfileArgs
from avi_dsr.payloads import AviNames, static_members
from avi_dsr.pool import DsrPool, DsrPoolArgs
from avi_dsr.servers import DsrServer
from avi_dsr.virtual_service import DsrVirtualService, DsrVirtualServiceArgs


@dataclass(frozen=True, kw_only=True)
class L3DsrServiceArgs:
    """Args of :class:`L3DsrService`."""

    connection: AviConnectionArgs
    """Controller; the service's tenant replaces the connection's tenant."""
    service: ServiceSpec
    """Validated service (VIPs, ports, members, monitor, profile, placement)."""
    servers: Mapping[str, DsrServer]
    """Servers by name, built once by the program and shared between services."""
    controller_url: str | None = None
    """Controller UI base URL for the ``vs_url`` output (``https://<controller>``)."""


class L3DsrServiceArgsDict(TypedDict, total=False):
    """Dict twin of :class:`L3DsrServiceArgs`."""

    connection: AviConnectionArgs
    service: ServiceSpec
    servers: Mapping[str, DsrServer]
    controller_url: str | None


class L3DsrService(pulumi.ComponentResource):
    """Servers -> consistent-hash pool -> DSR virtual service, with the Avi names derived from
    the service name (``<svc>-np``, ``-hm``, ``-pool``, ``-vsvip``, ``-vs``)."""

    vip: pulumi.Output[str]
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
        a = coerce_args(L3DsrServiceArgs, args)
        svc = a.service
        missing = [m.server for m in svc.members if m.server not in a.servers]
        if missing:
            raise ValueError(
                f"L3DsrService {resource_name}: servers {', '.join(missing)} are "
                "listed by the service but were not built; pass them in servers"
            )
        super().__init__(type_token("L3DsrService"), resource_name, None, opts)
        connection = dataclasses.replace(a.connection, tenant=svc.tenant)
        names = AviNames.for_service(svc.name)
        facts = preflight_facts(svc)
        self.network_profile = DsrNetworkProfile(
            names.network_profile,
            DsrNetworkProfileArgs(
                connection=connection,
                name=names.network_profile,
                protocol=svc.protocol,
                profile=svc.network_profile,
                preflight=facts,
                adopt=svc.adopted("networkProfile"),
            ),
            opts=child_opts(self),
        )
        addresses = {name: (s.ipv4, s.ipv6) for name, s in a.servers.items()}
        self.pool = DsrPool(
            names.pool,
            DsrPoolArgs(
                connection=connection,
                name=names.pool,
                ports=svc.ports,
                members=static_members(svc, addresses),
                cloud=svc.cloud,
                health_monitor=svc.health_monitor,
                health_monitor_name=names.health_monitor,
                preflight=facts,
                adopt=svc.adopted("pool"),
                health_monitor_adopt=svc.adopted("healthMonitor"),
            ),
            opts=child_opts(self, depends_on=[a.servers[m.server] for m in svc.members]),
        )
        self.virtual_service = DsrVirtualService(
            names.virtual_service,
            DsrVirtualServiceArgs(
                connection=connection,
                name=names.virtual_service,
                vsvip_name=names.vsvip,
                vip=str(svc.vip),
                vip6=str(svc.vip6) if svc.vip6 else None,
                ports=svc.ports,
                network_profile_ref=self.network_profile.ref,
                pool_ref=self.pool.ref,
                cloud=svc.cloud,
                se_group=svc.se_group,
                vrf=svc.vrf,
                enabled=svc.enabled,
                preflight=facts,
                wait_for_up_seconds=svc.wait_for_up_seconds,
                adopt=svc.adopted("virtualService"),
                vsvip_adopt=svc.adopted("vsvip"),
            ),
            opts=child_opts(self),
        )
        self.vip = pulumi.Output.from_input(str(svc.vip))
        self.vip6 = pulumi.Output.from_input(str(svc.vip6) if svc.vip6 else None)
        self.vs_uuid = self.virtual_service.uuid
        self.oper_status = self.virtual_service.oper_status
        base = a.controller_url
        self.vs_url = self.vs_uuid.apply(lambda uuid: vs_ui_url(base, uuid) if base else None)
        self.pool_members = self.pool.members
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


def preflight_facts(svc: ServiceSpec) -> dict[str, Any]:
    """What the provider checks on the controller before this service's first write."""
    return {
        "cloud": svc.cloud,
        "se_group": svc.se_group,
        "vrf": svc.vrf,
        "dsr_type": svc.network_profile.dsr_type,
        "encap": svc.network_profile.encap,
        "ipv6": svc.vip6 is not None,
    }


def vs_ui_url(controller_url: str, uuid: str) -> str:
    """Link to the virtual service's analytics page in the controller UI."""
    return f"{controller_url.rstrip('/')}/#!/applications/virtualservice/{uuid}/analytics"
