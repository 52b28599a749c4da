"""DsrNetworkProfile: the fast-path network profile that turns DSR on for a virtual service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

import pulumi

from avi_dsr.avi import AviConnectionArgs, NetworkProfile
from avi_dsr.avi.providers import avi_opts
from avi_dsr.component import coerce_args, type_token
from avi_dsr.config import NetworkProfileConfig
from avi_dsr.payloads import network_profile_body
from avi_dsr.rules import gre_version_problem, syn_protection_problem


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
        a = coerce_args(DsrNetworkProfileArgs, args)
        _check_support(resource_name, a)
        super().__init__(type_token("DsrNetworkProfile"), resource_name, None, opts)
        self.resource, self.body = network_profile_resource(resource_name, a, self)
        self.ref = self.resource.ref
        self.uuid = self.resource.uuid
        self.register_outputs({"ref": self.ref, "uuid": self.uuid})


def _check_support(resource_name: str, a: DsrNetworkProfileArgs) -> None:
    """Refuse combinations the controller would reject later, before registering anything."""
    if a.protocol not in ("tcp", "udp"):
        raise ValueError(
            f"DsrNetworkProfile {resource_name}: protocol must be tcp or udp, got {a.protocol!r}"
        )
    p = a.profile
    if p.dsr_type not in ("L3", "L2") or p.encap not in ("IPINIP", "GRE"):
        raise ValueError(
            f"DsrNetworkProfile {resource_name}: dsr_type must be L3 or L2 and "
            f"encap IPINIP or GRE, got {p.dsr_type!r}/{p.encap!r}"
        )
    if p.encap == "GRE" and p.dsr_type == "L2":
        raise ValueError(f"DsrNetworkProfile {resource_name}: GRE only applies to L3 DSR")
    api = a.connection.api_version if a.connection else None  # None: the preflight checks it
    if p.encap == "GRE" and api and (problem := gre_version_problem(api)):
        raise ValueError(
            f"DsrNetworkProfile {resource_name}: {problem}; use IPINIP or raise api_version"
        )
    if problem := syn_protection_problem(a.protocol, p.syn_protection):
        raise ValueError(f"DsrNetworkProfile {resource_name}: syn_protection: {problem}")


def network_profile_resource(
    resource_name: str,
    a: DsrNetworkProfileArgs,
    parent: pulumi.Resource,
    extra: pulumi.ResourceOptions | None = None,
) -> tuple[NetworkProfile, dict[str, Any]]:
    """The profile object and its body, under ``parent``: a DsrNetworkProfile, or an
    L3DsrService directly (one resource fewer per service); ``extra`` adds options (aliases)."""
    _check_support(resource_name, a)
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
