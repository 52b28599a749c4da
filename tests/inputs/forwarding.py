"""Pulumi mocks that hand every Avi object to the real provider code, aimed at a live simulator.

Why: a hostile-input test must show that nothing reached the controller. Under plain mocks
nothing ever does, so "zero requests" would hold even if validation were missing. Here the
avi-dsr provider's configuration is kept when its `Provider` resource registers, and each Avi
object registered with it is checked and created by the provider's own host-independent CRUD
core (`AviObjects`) against the test's simulator: whatever slips past validation shows up in the
simulator's counters.
"""

from __future__ import annotations

from typing import Any

import pulumi
from avi_dsr.avi.client import session_for
from avi_dsr.avi.connection import config_problems, connection_from
from avi_dsr.avi.objects import AviObjects
from avi_dsr.avi.ownership import Owner
from avi_dsr.avi.specs import SPECS
from avi_dsr.avi.tokens import PACKAGE, resource_token
from dsr_mocks import DsrMocks, unwrap

PROVIDER_TYPE = f"pulumi:providers:{PACKAGE}"
OBJECT_TYPES = {resource_token(spec.class_name): t for t, spec in SPECS.items()}


class ForwardingMocks(DsrMocks):
    """DsrMocks, except that Avi objects are created for real on the simulator."""

    def __init__(self, vm_addresses: dict[str, str | None] | None = None) -> None:
        super().__init__(vm_addresses)
        self.provider_configs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if args.typ == PROVIDER_TYPE:
            provider_id = f"{args.name}-id"
            self.provider_configs[provider_id] = unwrap(dict(args.inputs))
            return provider_id, dict(args.inputs)
        if args.typ not in OBJECT_TYPES:
            return super().new_resource(args)
        config = self.provider_configs[(args.provider or "").rsplit("::", 1)[-1]]
        problems = config_problems(config)
        if problems:
            raise RuntimeError("; ".join(f"{key}: {reason}" for key, reason in problems))
        connection = connection_from(config)
        objects = AviObjects(OBJECT_TYPES[args.typ])
        inputs = unwrap(dict(args.inputs))
        failures = objects.check(inputs, connection.api_version)
        if failures:
            raise RuntimeError("; ".join(f.reason for f in failures))
        urn = f"urn:pulumi:test::avi-dsr::{args.typ}::{args.name}"
        outs = objects.create(session_for(connection), inputs, Owner("avi-dsr/test", urn))
        return outs["uuid"], outs
