"""``parse_stack``: the one validation that ``pulumi up`` and ``avi-dsr render`` share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from avi_dsr.config.fields import Problems, check_keys, read_mapping
from avi_dsr.config.placement import DEFAULT_KEY, read_placement
from avi_dsr.config.servers import (
    SSH_DEFAULT_KEYS,
    read_controller,
    read_servers,
    read_vcenter,
)
from avi_dsr.config.services import read_services
from avi_dsr.config.specs import KNOWN_KEYS, NAMESPACE, ConfigError, StackSpec
from avi_dsr.server import ServerSpecError
from avi_dsr.server.spec import VIP_FIELDS


def parse_stack(
    values: Mapping[str, Any], *, secrets_present: Iterable[str] | None = None
) -> StackSpec:
    """Validate the ``avi-dsr`` namespace (keys without the prefix) and build the spec.

    ``secrets_present`` is the set of secret keys that have a value. ``pulumi up`` passes it,
    so missing secrets and unreadable key files are reported; ``avi-dsr render`` passes
    ``None`` because rendering needs neither.
    """
    problems = Problems()
    deploy = secrets_present is not None
    secrets = set(secrets_present or ())
    check_keys(values, NAMESPACE, KNOWN_KEYS, problems, sep=":")
    controller = read_controller(values.get("controller"), problems, deploy)
    api = controller.api_version if controller else None
    ssh_defaults = read_mapping(values.get("ssh"), f"{NAMESPACE}:ssh", problems) or {}
    check_keys(ssh_defaults, f"{NAMESPACE}:ssh", SSH_DEFAULT_KEYS, problems)
    servers, broken = read_servers(values.get("servers"), ssh_defaults, problems, deploy, secrets)
    placement = read_placement(values.get("placement"), DEFAULT_KEY, problems)
    services = read_services(
        values.get("services"), servers, broken, controller, api, problems, placement
    )
    vcenter = None
    if any(s.kind == "vsphere" for s in servers):
        vcenter = read_vcenter(values.get("vcenter"), problems)
        if deploy and "vcenterPassword" not in secrets:
            problems.add(
                f"{NAMESPACE}:vcenterPassword",
                "is required for vsphere servers; set it with "
                "`pulumi config set --secret avi-dsr:vcenterPassword`",
            )
    if deploy and "controllerPassword" not in secrets:
        problems.add(
            f"{NAMESPACE}:controllerPassword",
            "is required; set it with `pulumi config set --secret avi-dsr:controllerPassword`",
        )
    if problems or controller is None:
        raise ConfigError(problems.items)
    stack = StackSpec(
        controller=controller, servers=tuple(servers), services=tuple(services), vcenter=vcenter
    )
    _renderer_problems(stack, values.get("servers") or [], problems)
    if problems:
        raise ConfigError(problems.items)
    return stack


_SPEC_FIELD_TO_KEY = {"ubuntu_release": "ubuntu", "underlay_mtu": "mtu"}


def _renderer_problems(stack: StackSpec, raw_servers: list[Any], problems: Problems) -> None:
    """Let the renderer's own ServerSpec rules speak too, under the config key names."""
    index = {s.get("name"): i for i, s in enumerate(raw_servers) if isinstance(s, Mapping)}
    for server in stack.servers:
        try:
            stack.server_spec(server.name)
        except ServerSpecError as err:
            where = f"{NAMESPACE}:servers[{index.get(server.name, '?')}]"
            for error in err.errors:
                field = error.field
                head = field.split("[")[0]
                if head in VIP_FIELDS:
                    problems.add(f"{where}", f"as a member of a service: {error.problem}")
                else:
                    key = _SPEC_FIELD_TO_KEY.get(head, head) + field[len(head) :]
                    problems.add(f"{where}.{key}", error.problem)
