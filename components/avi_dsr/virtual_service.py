"""DsrVirtualService: the VsVip and the L4 virtual service that uses the DSR profile."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import pulumi

from avi_dsr.avi import AviConnectionArgs, VirtualService, VsVip
from avi_dsr.avi.providers import avi_opts
from avi_dsr.component import coerce_args, type_token
from avi_dsr.config import MIN_IPV6_DSR_VERSION, PortRange
from avi_dsr.config.fields import version_tuple
from avi_dsr.payloads import virtual_service_body, vsvip_body


@dataclass(frozen=True, kw_only=True)
class DsrVirtualServiceArgs:
    """Args of :class:`DsrVirtualService`."""

    connection: AviConnectionArgs | None
    """Controller and tenant; None: the provider comes from the resource options."""
    name: str
    """Avi virtual service name (``<service>-vs``)."""
    vsvip_name: str
    """Avi VsVip name (``<service>-vsvip``)."""
    vip: str
    """IPv4 VIP."""
    ports: Sequence[PortRange]
    """Service ports; ranges become ``port_range_end``."""
    network_profile_ref: pulumi.Input[str]
    """Ref of the DSR fast-path network profile."""
    pool_ref: pulumi.Input[str]
    """Ref of the consistent-hash pool."""
    vip6: str | None = None
    """Optional IPv6 VIP (Avi 30.2.1+)."""
    cloud: str = "Default-Cloud"
    se_group: str = "Default-Group"
    vrf: str = "global"
    enabled: bool = True
    tenant: str | None = None
    """Tenant of the VsVip and VS (default: the connection's, else the provider's)."""
    preflight: Mapping[str, Any] | None = None
    """Facts the provider checks before its first write (set by L3DsrService)."""
    wait_for_up_seconds: int = 0
    """After a create or change, wait this long for OPER_UP (0: do not wait)."""
    adopt: str | None = None
    """Take over this existing virtual service (name or uuid) instead of creating one."""
    vsvip_adopt: str | None = None
    """Take over this existing VsVip (name or uuid) instead of creating one."""


class DsrVirtualServiceArgsDict(TypedDict, total=False):
    """Dict twin of :class:`DsrVirtualServiceArgs`."""

    connection: AviConnectionArgs
    name: str
    vsvip_name: str
    vip: str
    ports: Sequence[PortRange]
    network_profile_ref: pulumi.Input[str]
    pool_ref: pulumi.Input[str]
    vip6: str | None
    cloud: str
    se_group: str
    vrf: str
    enabled: bool
    tenant: str | None
    preflight: Mapping[str, Any] | None
    wait_for_up_seconds: int
    adopt: str | None
    vsvip_adopt: str | None


class DsrVirtualService(pulumi.ComponentResource):
    """``System-L4-Application`` VS on its own VsVip; the DSR part is the network profile."""

    ref: pulumi.Output[str]
    uuid: pulumi.Output[str]
    vsvip_uuid: pulumi.Output[str]
    oper_status: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        args: DsrVirtualServiceArgs | DsrVirtualServiceArgsDict,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        a = coerce_args(DsrVirtualServiceArgs, args)
        _check_vips(resource_name, a)
        super().__init__(type_token("DsrVirtualService"), resource_name, None, opts)
        tenant = a.tenant or (a.connection.tenant if a.connection else None)
        self.vsvip = VsVip(
            a.vsvip_name,
            body=vsvip_body(a.vsvip_name, vip=a.vip, vip6=a.vip6, cloud=a.cloud, vrf=a.vrf),
            tenant=tenant,
            preflight=a.preflight,
            adopt=a.vsvip_adopt,
            opts=avi_opts(self, a.connection),
        )
        self.body: dict[str, Any] = virtual_service_body(
            a.name,
            ports=a.ports,
            cloud=a.cloud,
            se_group=a.se_group,
            vrf=a.vrf,
            enabled=a.enabled,
            network_profile_ref=a.network_profile_ref,
            pool_ref=a.pool_ref,
            vsvip_ref=self.vsvip.ref,
        )
        self.resource = VirtualService(
            a.name,
            body=self.body,
            tenant=tenant,
            preflight=a.preflight,
            wait_for_up_seconds=a.wait_for_up_seconds,
            adopt=a.adopt,
            opts=avi_opts(self, a.connection),
        )
        self.ref = self.resource.ref
        self.uuid = self.resource.uuid
        self.vsvip_uuid = self.vsvip.uuid
        self.oper_status = self.resource.oper_status
        self.register_outputs(
            {
                "ref": self.ref,
                "uuid": self.uuid,
                "vsvip_uuid": self.vsvip_uuid,
                "oper_status": self.oper_status,
            }
        )


def _check_vips(resource_name: str, a: DsrVirtualServiceArgs) -> None:
    """Refuse before registering anything: a wrong VIP would fail late on the controller."""
    if ipaddress.ip_address(a.vip).version != 4:
        raise ValueError(
            f"DsrVirtualService {resource_name}: vip {a.vip} must be IPv4; put IPv6 VIPs in vip6"
        )
    if a.vip6 is None:
        return
    if ipaddress.ip_address(a.vip6).version != 6:
        raise ValueError(f"DsrVirtualService {resource_name}: vip6 {a.vip6} must be IPv6")
    api_version = a.connection.api_version if a.connection else None
    if api_version and version_tuple(api_version) < version_tuple(MIN_IPV6_DSR_VERSION):
        raise ValueError(
            f"DsrVirtualService {resource_name}: IPv6 VIP {a.vip6} needs Avi API version "
            f"{MIN_IPV6_DSR_VERSION} or later (IPv6 L3 DSR), but the connection uses "
            f"{api_version}; raise api_version or drop vip6"
        )
