"""DSR-ready servers: new vSphere VMs (cloud-init via guestinfo) or existing hosts (over SSH).

Both expose the same outputs, which is all a service needs: the server's own addresses (for the
pool; never a VIP) and the digest of its rendered config.
"""

from __future__ import annotations

import ipaddress
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypedDict

import pulumi
import pulumi_command as command
import pulumi_vsphere as vsphere

from avi_dsr.component import child_opts, coerce_args, type_token
from avi_dsr.server import (
    ServerSpec,
    config_digest,
    guestinfo_extra_config,
    render_apply_script,
    render_remove_script,
)


class DsrServer(Protocol):
    """What :class:`avi_dsr.service.L3DsrService` needs from a server of either kind.

    Implementations are component resources: services ``depends_on`` them so a pool never sends
    traffic to a server that is not configured yet. ``ipv4``/``ipv6`` are the server's own
    addresses (from the VM for vSphere, from the config for existing hosts), never a VIP.
    """

    server_name: str
    ipv4: pulumi.Output[str | None]
    ipv6: pulumi.Output[str | None]
    digest: pulumi.Output[str]


# --------------------------------------------------------------------------- vSphere


@dataclass(frozen=True, kw_only=True)
class VsphereDsrServerArgs:
    """Args of :class:`VsphereDsrServer`: what to render, and where and how big to clone."""

    spec: pulumi.Input[ServerSpec]
    """Addressing and VIPs; rendered into guestinfo cloud-init. An Output when a VIP is
    allocated by the controller (the VM then waits for it)."""
    datacenter: str
    """Datacenter name (looked up)."""
    datastore: str
    """Datastore name (looked up)."""
    network: str
    """Port group / segment name for the server's interface (looked up)."""
    template: str
    """Ubuntu template VM name (looked up; cloned without customization)."""
    cluster: str | None = None
    """Compute cluster whose root resource pool holds the VM (or give ``host``)."""
    host: str | None = None
    """ESXi host whose resource pool holds the VM (when there is no cluster)."""
    folder: str | None = None
    """VM folder path relative to the datacenter."""
    cpus: int | None = None
    """vCPUs; ``None`` = the template's."""
    memory_mb: int | None = None
    """Memory in MiB; ``None`` = the template's."""
    disk_gb: int | None = None
    """Size of the first disk in GiB (at least the template's); ``None`` = the template's."""
    provider: pulumi.ProviderResource | None = None
    """Explicit vsphere Provider (built from the vcenter config, password secret)."""
    wait_for_guest_net_timeout: int = 10
    """Minutes to wait for VMware Tools to report the guest's address."""


class VsphereDsrServerArgsDict(TypedDict, total=False):
    """Dict twin of :class:`VsphereDsrServerArgs`."""

    spec: pulumi.Input[ServerSpec]
    datacenter: str
    datastore: str
    network: str
    template: str
    cluster: str | None
    host: str | None
    folder: str | None
    cpus: int | None
    memory_mb: int | None
    disk_gb: int | None
    provider: pulumi.ProviderResource | None
    wait_for_guest_net_timeout: int


class VsphereDsrServer(pulumi.ComponentResource):
    """A VM cloned from an Ubuntu template that boots DSR-ready from guestinfo cloud-init.

    A change of the rendered config replaces the VM (delete first: same name and address):
    cloud-init only runs per instance, so an in-place ``extra_config`` edit would just reboot
    the VM with its old config.
    """

    ipv4: pulumi.Output[str | None]
    ipv6: pulumi.Output[str | None]
    digest: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: VsphereDsrServerArgs | VsphereDsrServerArgsDict,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        a = coerce_args(VsphereDsrServerArgs, args)
        if (a.cluster is None) == (a.host is None):
            raise ValueError(
                f"VsphereDsrServer {resource_name}: give exactly one of cluster or host"
            )
        super().__init__(type_token("VsphereDsrServer"), resource_name, None, opts)
        spec = pulumi.Output.from_input(a.spec)
        self.server_name = a.spec.name if isinstance(a.spec, ServerSpec) else resource_name
        invoke = pulumi.InvokeOutputOptions(parent=self, provider=a.provider)
        dc = vsphere.get_datacenter_output(name=a.datacenter, opts=invoke)
        if a.cluster is not None:
            pool_id = vsphere.get_compute_cluster_output(
                name=a.cluster, datacenter_id=dc.id, opts=invoke
            ).resource_pool_id
        else:
            pool_id = vsphere.get_host_output(
                name=a.host, datacenter_id=dc.id, opts=invoke
            ).resource_pool_id
        datastore = vsphere.get_datastore_output(name=a.datastore, datacenter_id=dc.id, opts=invoke)
        network = vsphere.get_network_output(name=a.network, datacenter_id=dc.id, opts=invoke)
        template = vsphere.get_virtual_machine_output(
            name=a.template, datacenter_id=dc.id, opts=invoke
        )
        vm_opts = child_opts(
            self,
            provider=a.provider,
            replace_on_changes=["extra_config"],
            delete_before_replace=True,
        )
        self.vm = vsphere.VirtualMachine(
            resource_name,
            name=spec.apply(lambda s: s.name),
            resource_pool_id=pool_id,
            datastore_id=datastore.id,
            folder=a.folder,
            num_cpus=a.cpus if a.cpus is not None else template.num_cpus,
            memory=a.memory_mb if a.memory_mb is not None else template.memory,
            guest_id=template.guest_id,
            firmware=template.firmware,
            scsi_type=template.scsi_type,
            network_interfaces=[
                vsphere.VirtualMachineNetworkInterfaceArgs(
                    network_id=network.id,
                    adapter_type=template.network_interface_types.apply(
                        lambda t: t[0] if t else None
                    ),
                )
            ],
            disks=[
                vsphere.VirtualMachineDiskArgs(
                    label="disk0",
                    size=a.disk_gb
                    if a.disk_gb is not None
                    else template.disks.apply(lambda d: d[0].size),
                    thin_provisioned=template.disks.apply(lambda d: d[0].thin_provisioned),
                )
            ],
            clone=vsphere.VirtualMachineCloneArgs(template_uuid=template.id),
            extra_config=spec.apply(guestinfo_extra_config),
            wait_for_guest_net_timeout=a.wait_for_guest_net_timeout,
            wait_for_guest_net_routable=spec.apply(
                lambda s: s.gateway4 is not None or s.gateway6 is not None
            ),
            ignored_guest_ips=spec.apply(ignored_guest_ips),
            opts=vm_opts,
        )
        self.ipv4 = pulumi.Output.all(self.vm.default_ip_address, spec).apply(
            lambda args: own_address(args[0], args[1], 4)
        )
        # Tools reports IPv6 addresses in no useful order; the configured one is authoritative,
        # tied to the VM so the pool waits for it.
        self.ipv6 = pulumi.Output.all(self.vm.id, spec).apply(
            lambda args: str(args[1].ipv6.ip) if args[1].ipv6 else None
        )
        self.digest = spec.apply(config_digest)
        self.register_outputs({"ipv4": self.ipv4, "ipv6": self.ipv6, "digest": self.digest})


def ignored_guest_ips(spec: ServerSpec) -> list[str]:
    """VIPs live on the server too; keep them out of the address the provider reports."""
    return [f"{v}/32" for v in spec.all_vips4] + [f"{v}/128" for v in spec.vips6]


def own_address(reported: str | None, spec: ServerSpec, family: int) -> str | None:
    """The reported address if it is the server's own, else the configured one (never a VIP)."""
    configured = spec.ipv4 if family == 4 else spec.ipv6
    vips = {str(v) for v in (spec.all_vips4 if family == 4 else spec.vips6)}
    try:
        ok = reported is not None and ipaddress.ip_address(reported).version == family
    except ValueError:
        ok = False
    if ok and reported not in vips:
        return reported
    return str(configured.ip) if configured is not None else None


# --------------------------------------------------------------------------- existing hosts


@dataclass(frozen=True, kw_only=True)
class ExistingDsrServerArgs:
    """Args of :class:`ExistingDsrServer`: the rendered files and how to reach the host."""

    spec: pulumi.Input[ServerSpec]
    """Addressing and VIPs; rendered into sysctl, modules-load and a tunnels-only netplan. An
    Output when a VIP is allocated by the controller (the apply then waits for it)."""
    host: str
    """SSH host name or address."""
    host_key: str
    """The server's SSH host public key (``ssh-ed25519 AAAA...``); always checked."""
    private_key: pulumi.Input[str]
    """SSH private key (secret)."""
    port: int = 22
    user: str = "ubuntu"
    stage_root: str | None = None
    """Write and validate under this directory instead of applying (safe staged mode)."""


class ExistingDsrServerArgsDict(TypedDict, total=False):
    """Dict twin of :class:`ExistingDsrServerArgs`."""

    spec: pulumi.Input[ServerSpec]
    host: str
    host_key: str
    private_key: pulumi.Input[str]
    port: int
    user: str
    stage_root: str | None


class ExistingDsrServer(pulumi.ComponentResource):
    """Applies the rendered DSR files to a running Ubuntu host over SSH, idempotently.

    The command re-runs when the rendered content changes (the digest is its trigger) and
    removes everything it added on delete; replacement deletes first so the old ``delete``
    never tears down what a new ``create`` just applied.
    """

    ipv4: pulumi.Output[str | None]
    ipv6: pulumi.Output[str | None]
    digest: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: ExistingDsrServerArgs | ExistingDsrServerArgsDict,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        a = coerce_args(ExistingDsrServerArgs, args)
        if not a.host_key or not a.host_key.strip():
            raise ValueError(
                f"ExistingDsrServer {resource_name}: host_key is required; the "
                "server's SSH host key is always verified"
            )
        super().__init__(type_token("ExistingDsrServer"), resource_name, None, opts)
        spec = pulumi.Output.from_input(a.spec)
        self.server_name = a.spec.name if isinstance(a.spec, ServerSpec) else resource_name
        digest = spec.apply(config_digest)
        as_root = _runner(a.user, staged=a.stage_root is not None)
        apply_script = spec.apply(
            lambda s: as_root(render_apply_script(s, stage_root=a.stage_root))
        )
        self.command = command.remote.Command(
            resource_name,
            connection=command.remote.ConnectionArgs(
                host=a.host,
                port=a.port,
                user=a.user,
                host_key=a.host_key.strip(),
                private_key=pulumi.Output.secret(a.private_key),
            ),
            # No `update`: without one the provider re-runs `create` (the same idempotent
            # script), and the state keeps one copy of the script instead of two; the engine
            # rewrites the whole state after every step, so each copy costs once per step.
            create=apply_script,
            delete=spec.apply(lambda s: as_root(render_remove_script(s, stage_root=a.stage_root))),
            triggers=[digest],
            opts=child_opts(
                self, delete_before_replace=True, additional_secret_outputs=["stdout", "stderr"]
            ),
        )
        # The addresses are facts of the config, so they stay known even in a preview where
        # the command changes; services order themselves after this component (depends_on).
        self.ipv4 = spec.apply(lambda s: str(s.ipv4.ip) if s.ipv4 else None)
        self.ipv6 = spec.apply(lambda s: str(s.ipv6.ip) if s.ipv6 else None)
        self.digest = digest
        self.register_outputs({"ipv4": self.ipv4, "ipv6": self.ipv6, "digest": self.digest})


def _runner(user: str, *, staged: bool) -> Callable[[str], str]:
    """Wrap a rendered sh script so it runs under sh whatever the login shell is.

    A live apply changes netplan, sysctl and tunnels, so a non-root user goes through
    `sudo -n` (NOPASSWD needed; never a password prompt). A staged run writes only under its
    stage root and needs no privilege.
    """
    prefix = "sh -c" if staged or user == "root" else "sudo -n sh -c"
    return lambda script: f"{prefix} {shlex.quote(script)}"


def read_host_key(text: str) -> str:
    """``type base64`` from a .pub or known_hosts line (drops host patterns and comments)."""
    for line in text.splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if fields[0].startswith("@"):
            fields = fields[1:]
        if not _is_key_type(fields[0]) and len(fields) > 1:
            fields = fields[1:]
        if len(fields) >= 2 and _is_key_type(fields[0]):
            return f"{fields[0]} {fields[1]}"
    raise ValueError("no SSH public key found (expected 'ssh-ed25519 AAAA...')")


def _is_key_type(word: str) -> bool:
    return word.startswith(("ssh-", "ecdsa-", "sk-"))
