"""DsrVirtualService: the VsVip and the L4 virtual service that uses the DSR profile; DsrVip: a
VsVip made ahead, for a VIP the controller allocates and the servers must hold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

import pulumi

from avi_dsr.avi import AviConnectionArgs, VirtualService, VsVip
from avi_dsr.avi.providers import avi_opts
from avi_dsr.component import checked_args, type_token
from avi_dsr.config import PlacementConfig, PortRange
from avi_dsr.config.specs import vip_family
from avi_dsr.config.typed import check_dsr_vip_args, check_virtual_service_args
from avi_dsr.payloads import allocated_vip, virtual_service_body, vsvip_body


@dataclass(frozen=True, kw_only=True)
class DsrVipArgs:
    """Args of :class:`DsrVip`: one VIP of one family, static or allocated, and its placement."""

    connection: AviConnectionArgs | None
    """Controller and tenant (``api_version`` gates an IPv6 VIP); None: the provider comes from
    the resource options."""
    name: str
    """Avi VsVip name (``<service>-vsvip``)."""
    vip: str | None = None
    """IPv4 VIP; None with ``vip6`` or ``auto_allocate``."""
    vip6: str | None = None
    """IPv6 VIP (Avi 30.2.1+)."""
    auto_allocate: str | None = None
    """``"V4"``/``"V6"``: the controller's IPAM allocates the VIP from ``placement.vip_network``."""
    placement: PlacementConfig = field(default_factory=PlacementConfig)
    """VIP network and subnet (VsVip placement network, or the IPAM network with auto)."""
    cloud: str = "Default-Cloud"
    vrf: str = "global"
    tenant: str | None = None
    """Tenant of the VsVip (default: the connection's, else the provider's)."""
    preflight: Mapping[str, Any] | None = None
    """Facts the provider checks before its first write."""
    vsvip_adopt: str | None = None
    """Take over this existing VsVip (name or uuid) instead of creating one."""


class DsrVipArgsDict(TypedDict, total=False):
    """Dict twin of :class:`DsrVipArgs`."""

    connection: AviConnectionArgs | None
    name: str
    vip: str | None
    vip6: str | None
    auto_allocate: str | None
    placement: PlacementConfig
    cloud: str
    vrf: str
    tenant: str | None
    preflight: Mapping[str, Any] | None
    vsvip_adopt: str | None


class DsrVip(pulumi.ComponentResource):
    """A VsVip whose ``address`` output is the VIP: the configured one, or the one the controller
    allocated (read from the VsVip as stored). Servers that must hold an allocated VIP are
    rendered from ``address``, so they wait for the allocation; a VsVip stored without an
    address fails the run instead of leaving servers that silently drop the traffic."""

    ref: pulumi.Output[str]
    uuid: pulumi.Output[str]
    address: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: DsrVipArgs | DsrVipArgsDict,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        a = checked_args("DsrVip", resource_name, DsrVipArgs, args, check_dsr_vip_args)
        super().__init__(type_token("DsrVip"), resource_name, None, opts)
        self.resource = vsvip_resource(a.name, a, self)
        family = vip_family(a.vip6, a.auto_allocate)
        network = a.placement.vip_network
        self.ref = self.resource.ref
        self.uuid = self.resource.uuid
        self.address = self.resource.vip.apply(
            lambda vips: _address(a.name, {"vip": vips}, family, network)
        )
        self.register_outputs({"ref": self.ref, "uuid": self.uuid, "address": self.address})


def _address(name: str, observed: Any, family: int, network: str | None) -> str:
    address = allocated_vip(observed, family)
    if address is None:
        raise ValueError(
            f"the controller stored VsVip {name} without an IPv{family} address, so the servers "
            f"cannot be told which VIP to hold; check that Avi network {network} has an IPAM "
            "range (static IP pool for VIPs, or the cloud's IPAM profile) with free addresses"
        )
    return address


def vsvip_resource(
    name: str,
    a: DsrVipArgs | DsrVirtualServiceArgs,
    parent: Any,
    extra: pulumi.ResourceOptions | None = None,
) -> VsVip:
    return VsVip(
        name,
        tenant=a.tenant or (a.connection.tenant if a.connection else None),
        preflight=a.preflight,
        adopt=a.vsvip_adopt,
        body=vsvip_body(
            name,
            vip=a.vip,
            vip6=a.vip6,
            auto_allocate=a.auto_allocate,
            placement=a.placement,
            cloud=a.cloud,
            vrf=a.vrf,
        ),
        opts=pulumi.ResourceOptions.merge(avi_opts(parent, a.connection), extra),
    )


@dataclass(frozen=True, kw_only=True)
class DsrVirtualServiceArgs:
    """Args of :class:`DsrVirtualService`."""

    connection: AviConnectionArgs | None
    """Controller and tenant; None: the provider comes from the resource options."""
    name: str
    """Avi virtual service name (``<service>-vs``)."""
    vsvip_name: str
    """Avi VsVip name (``<service>-vsvip``)."""
    vip: str | None
    """IPv4 VIP; None with ``vip6``, ``auto_allocate`` or ``vsvip``."""
    ports: Sequence[PortRange]
    """Service ports; ranges become ``port_range_end``."""
    network_profile_ref: pulumi.Input[str]
    """Ref of the DSR fast-path network profile."""
    pool_ref: pulumi.Input[str]
    """Ref of the consistent-hash pool."""
    vip6: str | None = None
    """IPv6 VIP (Avi 30.2.1+), for an IPv6 service (one family per service)."""
    auto_allocate: str | None = None
    """``"V4"``/``"V6"``: the controller allocates the VIP from ``placement.vip_network``."""
    placement: PlacementConfig = field(default_factory=PlacementConfig)
    """VIP placement network/subnet; ``routed_servers`` sets ``ign_pool_net_reach``."""
    vsvip: DsrVip | None = None
    """A VsVip made ahead (for an allocated VIP the servers must hold); None: made here."""
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

    connection: AviConnectionArgs | None
    name: str
    vsvip_name: str
    vip: str | None
    ports: Sequence[PortRange]
    network_profile_ref: pulumi.Input[str]
    pool_ref: pulumi.Input[str]
    vip6: str | None
    auto_allocate: str | None
    placement: PlacementConfig
    vsvip: DsrVip | None
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
        a = checked_args(
            "DsrVirtualService",
            resource_name,
            DsrVirtualServiceArgs,
            args,
            check_virtual_service_args,
        )
        super().__init__(type_token("DsrVirtualService"), resource_name, None, opts)
        vsvip, self.resource, self.body = virtual_service_resources(a, self)
        self.ref = self.resource.ref
        self.uuid = self.resource.uuid
        self.vsvip_uuid = vsvip.uuid
        self.oper_status = self.resource.oper_status
        self.register_outputs(
            {
                "ref": self.ref,
                "uuid": self.uuid,
                "vsvip_uuid": self.vsvip_uuid,
                "oper_status": self.oper_status,
            }
        )


def virtual_service_resources(
    a: DsrVirtualServiceArgs, parent: pulumi.Resource, extra: pulumi.ResourceOptions | None = None
) -> tuple[VsVip | DsrVip, VirtualService, dict[str, Any]]:
    """The VsVip (made here unless given), the virtual service and its body, under ``parent``: a
    DsrVirtualService, or an L3DsrService directly (one resource fewer per service); ``extra``
    adds options (aliases). ``a`` is already checked
    (checked_args or the stack config)."""
    tenant = a.tenant or (a.connection.tenant if a.connection else None)
    vsvip = a.vsvip if a.vsvip is not None else vsvip_resource(a.vsvip_name, a, parent, extra)
    body: dict[str, Any] = virtual_service_body(
        a.name,
        ports=a.ports,
        cloud=a.cloud,
        se_group=a.se_group,
        vrf=a.vrf,
        enabled=a.enabled,
        network_profile_ref=a.network_profile_ref,
        pool_ref=a.pool_ref,
        vsvip_ref=vsvip.ref,
        routed_servers=a.placement.routed_servers,
    )
    resource = VirtualService(
        a.name,
        body=body,
        tenant=tenant,
        preflight=a.preflight,
        wait_for_up_seconds=a.wait_for_up_seconds,
        adopt=a.adopt,
        opts=pulumi.ResourceOptions.merge(avi_opts(parent, a.connection), extra),
    )
    return vsvip, resource, body
