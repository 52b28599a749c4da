"""Resource classes: each Avi object type is a two-line subclass naming its ObjectSpec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic

from .connection import AviConnectionArgs
from .provider import AviObjectProvider
from .specs import HEALTH_MONITOR, NETWORK_PROFILE, POOL, VIRTUAL_SERVICE, VSVIP, ObjectSpec

SECRET_OUTPUTS = ["password"]


class AviResource(pulumi.dynamic.Resource):
    """An Avi object managed through the generic provider; subclasses set `spec`."""

    spec: ClassVar[ObjectSpec]

    uuid: pulumi.Output[str]
    ref: pulumi.Output[str]
    name: pulumi.Output[str]
    observed: pulumi.Output[dict]

    def __init__(
        self,
        resource_name: str,
        *,
        connection: AviConnectionArgs,
        body: Mapping[str, pulumi.Input[Any]],
        adopt: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "connection": connection.wire(),
            # A secret Output, so the engine encrypts it in inputs; `additional_secret_outputs`
            # keeps the copy in outputs (needed by delete/refresh) encrypted too.
            "password": pulumi.Output.secret(connection.password),
            "body": dict(body),
            "adopt": adopt,
            "uuid": None,
            "ref": None,
            "name": None,
            "observed": None,
        }
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        super().__init__(
            AviObjectProvider(self.spec.object_type),
            resource_name,
            props,
            pulumi.ResourceOptions.merge(opts, secret_opts),
        )


class NetworkProfile(AviResource, module="avi", name=NETWORK_PROFILE.class_name):
    spec = NETWORK_PROFILE


class HealthMonitor(AviResource, module="avi", name=HEALTH_MONITOR.class_name):
    spec = HEALTH_MONITOR


class Pool(AviResource, module="avi", name=POOL.class_name):
    spec = POOL


class VsVip(AviResource, module="avi", name=VSVIP.class_name):
    spec = VSVIP


class VirtualService(AviResource, module="avi", name=VIRTUAL_SERVICE.class_name):
    spec = VIRTUAL_SERVICE
