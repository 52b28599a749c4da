"""The avi-dsr Pulumi program: validate the stack config, build servers once, then services.

``__main__.py`` only calls :func:`main`; tests call :func:`build` under mocks.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_vsphere as vsphere

from avi_dsr.avi import AviConnectionArgs
from avi_dsr.checkpoints import unsafe_without_checkpoints
from avi_dsr.config import NAMESPACE, ConfigError, ServerConfig, StackSpec, parse_stack
from avi_dsr.config.sources import values_from_pulumi
from avi_dsr.payloads import AviNames
from avi_dsr.preflight import ServiceFacts
from avi_dsr.server import ServerSpec
from avi_dsr.servers import (
    DsrServer,
    ExistingDsrServer,
    ExistingDsrServerArgs,
    VsphereDsrServer,
    read_host_key,
    vsphere_server_args,
)
from avi_dsr.service import L3DsrService, L3DsrServiceArgs
from avi_dsr.virtual_service import DsrVip, DsrVipArgs


@dataclass(frozen=True)
class SshMaterial:
    """Key material read from files before any resource exists (so errors come first)."""

    host_keys: dict[str, str]
    private_keys: dict[str, str]  # from privateKeyFile, per server; absent: the secret key


@dataclass
class Deployment:
    servers: dict[str, DsrServer]
    services: dict[str, L3DsrService]


def main() -> None:
    """Entry point of ``__main__.py``: config problems end the run with one clean error."""
    try:
        values, secrets = values_from_pulumi()
        stack = parse_stack(values, secrets_present=secrets)
        material = read_ssh_material(stack)
    except ConfigError as err:
        raise pulumi.RunError(str(err)) from None
    unsafe = unsafe_without_checkpoints(stack, os.environ, pulumi.runtime.is_dry_run())
    if unsafe:
        raise pulumi.RunError(unsafe)
    deployment = build(stack, material)
    export(deployment)


def read_ssh_material(stack: StackSpec) -> SshMaterial:
    problems: list[str] = []
    host_keys: dict[str, str] = {}
    private_keys: dict[str, str] = {}
    for index, server in enumerate(stack.servers):
        ssh = server.ssh
        if server.kind != "existing" or ssh is None:
            continue
        where = f"{NAMESPACE}:servers[{index}].ssh"
        if ssh.host_key:
            try:
                host_keys[server.name] = read_host_key(ssh.host_key)
            except ValueError as err:
                problems.append(f"{where}.hostKey: {err}")
        elif ssh.host_key_file:
            try:
                host_keys[server.name] = read_host_key(Path(ssh.host_key_file).read_text())
            except (OSError, ValueError) as err:
                problems.append(
                    f"{where}.hostKeyFile: cannot use {ssh.host_key_file}: "
                    f"{getattr(err, 'strerror', None) or err}"
                )
        if ssh.private_key_file:
            try:
                private_keys[server.name] = Path(ssh.private_key_file).read_text()
            except OSError as err:
                problems.append(
                    f"{where}.privateKeyFile: cannot read {ssh.private_key_file}: {err.strerror}"
                )
    if problems:
        raise ConfigError(problems)
    return SshMaterial(host_keys, private_keys)


def build(stack: StackSpec, material: SshMaterial) -> Deployment:
    """Register every resource: the VsVips of VIPs the controller allocates first (their
    servers must hold the address), then the servers (each once), then the services."""
    config = pulumi.Config(NAMESPACE)
    c = stack.controller
    # No apiVersion configured: the connection's default (the controller's own version).
    version = {"api_version": c.api_version} if c.api_version else {}
    connection = AviConnectionArgs(
        controller=c.address,
        username=c.username,
        password=config.require_secret("controllerPassword"),
        tenant=c.tenant,
        verify_tls=c.verify_tls,
        ca_bundle=c.ca_bundle,
        connect_timeout=c.connect_timeout,
        read_timeout=c.read_timeout,
        **version,
    )
    allocated = {
        svc.name: DsrVip(
            AviNames.for_service(svc.name).vsvip,
            DsrVipArgs(
                connection=dataclasses.replace(connection, tenant=svc.tenant),
                name=AviNames.for_service(svc.name).vsvip,
                auto_allocate=svc.auto_allocate,
                placement=svc.placement,
                cloud=svc.cloud,
                vrf=svc.vrf,
                preflight=ServiceFacts.of(svc, service_key(index)).wire(),
                vsvip_adopt=svc.adopted("vsvip"),
            ),
        )
        for index, svc in enumerate(stack.services)
        if svc.auto_allocate is not None
    }
    servers: dict[str, DsrServer] = {
        s.name: build_server(
            stack, s, vcenter_provider(stack, s, config), material, config, allocated
        )
        for s in stack.servers
    }
    services = {
        svc.name: L3DsrService(
            svc.name,
            L3DsrServiceArgs(
                connection=connection,
                service=svc,
                servers=servers,
                controller_url=c.base_url,
                allocated_vip=allocated.get(svc.name),
                config_key=service_key(index),
            ),
        )
        for index, svc in enumerate(stack.services)
    }
    return Deployment(servers, services)


def server_spec(
    stack: StackSpec, name: str, allocated: dict[str, DsrVip]
) -> ServerSpec | pulumi.Output[ServerSpec]:
    """The server's spec, or (when it serves VIPs the controller allocates) an Output of it
    that resolves once those addresses are known: rendering stays pure, the wait is here."""
    pending = {s.name: allocated[s.name].address for s in stack.pending_vips(name)}
    if not pending:
        return stack.server_spec(name)
    return pulumi.Output.all(**pending).apply(lambda got: stack.server_spec(name, got))


def service_key(index: int) -> str:
    """The config key of a service, which its preflight problems name."""
    return f"{NAMESPACE}:services[{index}]"


def vcenter_provider(
    stack: StackSpec, server: ServerConfig, config: pulumi.Config
) -> vsphere.Provider | None:
    """A vSphere provider of the VM's own: one plugin process and one vCenter session per VM.

    Why not one for all: the provider (terraform-provider-vsphere v2.16.1) waits for every task
    through govmomi's per-session default PropertyCollector, which govmomi documents as not
    thread safe; two VMs deleted at once in one session can leave one wait with no update,
    forever (seen with vcsim on every other two-VM destroy).
    """
    vc = stack.vcenter
    if vc is None or server.kind != "vsphere":
        return None
    return vsphere.Provider(
        f"vcenter-{server.name}",
        vsphere_server=vc.server,
        user=vc.username,
        password=config.require_secret("vcenterPassword"),
        allow_unverified_ssl=vc.allow_unverified_ssl,
    )


def build_server(
    stack: StackSpec,
    server: ServerConfig,
    provider: vsphere.Provider | None,
    material: SshMaterial,
    config: pulumi.Config,
    allocated: dict[str, DsrVip] | None = None,
) -> DsrServer:
    spec = server_spec(stack, server.name, allocated or {})
    if server.kind == "vsphere":
        assert stack.vcenter is not None  # guaranteed by parse_stack
        return VsphereDsrServer(
            server.name, vsphere_server_args(spec, stack.vcenter, server, provider)
        )
    ssh = server.ssh
    assert ssh is not None  # guaranteed by parse_stack
    private_key: pulumi.Input[str] = (
        pulumi.Output.secret(material.private_keys[server.name])
        if server.name in material.private_keys
        else config.require_secret("sshPrivateKey")
    )
    return ExistingDsrServer(
        server.name,
        ExistingDsrServerArgs(
            spec=spec,
            host=ssh.host,
            port=ssh.port,
            user=ssh.user,
            host_key=material.host_keys[server.name],
            private_key=private_key,
            stage_root=ssh.stage_root,
            **{
                name: value
                for name, value in (
                    ("connect_timeout", ssh.connect_timeout),
                    ("command_timeout", ssh.command_timeout),
                )
                if value is not None
            },
        ),
    )


def export(deployment: Deployment) -> None:
    pulumi.export(
        "services",
        {
            name: {
                "vip": svc.vip,
                "vip6": svc.vip6,
                "vsUuid": svc.vs_uuid,
                "vsUrl": svc.vs_url,
                "operStatus": svc.oper_status,
                "poolMembers": svc.pool_members,
                "serverDigests": svc.server_digests,
            }
            for name, svc in deployment.services.items()
        },
    )
    pulumi.export(
        "servers",
        {
            name: {"ipv4": s.ipv4, "ipv6": s.ipv6, "digest": s.digest}
            for name, s in deployment.servers.items()
        },
    )
