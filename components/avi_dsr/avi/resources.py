"""Python classes for the avi-dsr provider's resources (Contract 3).

The provider plugin does the work; these classes only register resources with its type tokens.
`body` is the Avi object as the user wants it (Avi field names; refs in any form; values may be
Outputs). The controller connection is a `Provider` resource, passed with
`ResourceOptions(provider=...)` or inherited from a parent component.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi

from ..provider import VERSION
from .connection import AviConnectionArgs
from .specs import HEALTH_MONITOR, NETWORK_PROFILE, POOL, VIRTUAL_SERVICE, VSVIP, ObjectSpec
from .tokens import PACKAGE, resource_token


class Provider(pulumi.ProviderResource):
    """One controller. Every object registered with it shares one login per run."""

    def __init__(
        self,
        resource_name: str,
        connection: AviConnectionArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        config = connection.config()
        config["password"] = pulumi.Output.secret(connection.password)
        super().__init__(PACKAGE, resource_name, config, _versioned(opts))


class AviResource(pulumi.CustomResource):
    """An Avi object managed by the avi-dsr provider; subclasses set `spec`."""

    spec: ClassVar[ObjectSpec]

    uuid: pulumi.Output[str]
    ref: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        body: Mapping[str, pulumi.Input[Any]],
        adopt: str | None = None,
        tenant: str | None = None,
        preflight: Mapping[str, Any] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **extra: Any,
    ) -> None:
        props = {
            **dict(body),
            "adopt": adopt,
            "tenant": tenant,
            "preflight": dict(preflight) if preflight else None,
            **extra,
            "uuid": None,
            "ref": None,
        }
        super().__init__(
            resource_token(self.spec.class_name), resource_name, props, _versioned(opts)
        )


def _versioned(opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    """Ask the engine for the plugin of this very version (`avi-dsr-install-plugin` installs it)."""
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(version=VERSION))


class NetworkProfile(AviResource):
    spec = NETWORK_PROFILE


class HealthMonitor(AviResource):
    spec = HEALTH_MONITOR


class Pool(AviResource):
    spec = POOL


class VsVip(AviResource):
    """A VsVip; `vip` is the VIP list as the controller stored it (an allocated address too)."""

    spec = VSVIP

    vip: pulumi.Output[list]


class VirtualService(AviResource):
    """A virtual service; `wait_for_up_seconds` > 0 makes create/update wait for OPER_UP."""

    spec = VIRTUAL_SERVICE

    oper_status: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        body: Mapping[str, pulumi.Input[Any]],
        wait_for_up_seconds: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            resource_name,
            body=body,
            wait_for_up_seconds=wait_for_up_seconds,
            oper_status=None,
            **kwargs,
        )
