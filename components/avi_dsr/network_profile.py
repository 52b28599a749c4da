"""DsrNetworkProfile: the fast-path network profile that turns DSR on for a virtual service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

import pulumi

from avi_dsr.avi import AviConnectionArgs, NetworkProfile
from avi_dsr.avi.providers import avi_opts
from avi_dsr.component import checked_args, type_token
from avi_dsr.config import NetworkProfileConfig
from avi_dsr.config.typed import check_network_profile_args
from avi_dsr.payloads import network_profile_body


@dataclass(frozen=True, kw_only=True)
class DsrNetworkProfileArgs:
    """Args of :class:`DsrNetworkProfile`."""

    connection: AviConnectionArgs | None
    """Controller to create the profile on (its tenant is the profile's tenant); None: the
    provider comes from the resource options."""
    name: str
    """Avi object name, by convention ``<service>-np``."""
    protocol: str = "tcp"
    """``tcp`` (TCP fast path) or ``udp`` (UDP fast path)."""
    profile: NetworkProfileConfig = field(default_factory=NetworkProfileConfig)
    """DSR type (L3/L2), encapsulation (IPINIP/GRE), idle timeout, SYN protection."""
    tenant: str | None = None
    """Tenant of the profile (default: the connection's, else the provider's)."""
    preflight: Mapping[str, Any] | None = None
    """Facts the provider checks before its first write (set by L3DsrService)."""
    adopt: str | None = None
    """Take over this existing profile (name or uuid) instead of creating one."""


class DsrNetworkProfileArgsDict(TypedDict, total=False):
    """Dict twin of :class:`DsrNetworkProfileArgs`."""

    connection: AviConnectionArgs | None
    name: str
    protocol: str
    profile: NetworkProfileConfig
    tenant: str | None
    preflight: Mapping[str, Any] | None
    adopt: str | None


class DsrNetworkProfile(pulumi.ComponentResource):
    """A TCP or UDP fast-path profile with a DSR profile; Avi has no other DSR switch."""

    ref: pulumi.Output[str]
    uuid: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: DsrNetworkProfileArgs | DsrNetworkProfileArgsDict,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        a = checked_args(
            "DsrNetworkProfile",
            resource_name,
            DsrNetworkProfileArgs,
            args,
            check_network_profile_args,
        )
        super().__init__(type_token("DsrNetworkProfile"), resource_name, None, opts)
        self.resource, self.body = network_profile_resource(resource_name, a, self)
        self.ref = self.resource.ref
        self.uuid = self.resource.uuid
        self.register_outputs({"ref": self.ref, "uuid": self.uuid})


def network_profile_resource(
    resource_name: str,
    a: DsrNetworkProfileArgs,
    parent: pulumi.Resource,
    extra: pulumi.ResourceOptions | None = None,
) -> tuple[NetworkProfile, dict[str, Any]]:
    """The profile object and its body, under ``parent``: a DsrNetworkProfile, or an
    L3DsrService directly (one resource fewer per service); ``a`` is already checked
    (checked_args or the stack config); ``extra`` adds options (aliases)."""
    body = network_profile_body(a.name, a.protocol, a.profile)
    resource = NetworkProfile(
        resource_name,
        body=body,
        tenant=a.tenant or (a.connection.tenant if a.connection else None),
        preflight=a.preflight,
        adopt=a.adopt,
        opts=pulumi.ResourceOptions.merge(avi_opts(parent, a.connection), extra),
    )
    return resource, body
