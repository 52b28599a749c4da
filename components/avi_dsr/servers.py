"""DSR-ready servers: new vSphere VMs (cloud-init via guestinfo) or existing hosts (over SSH).

Both expose the same outputs, which is all a service needs: the server's own addresses (for the
pool; never a VIP) and the digest of its rendered config.
"""

# No `from __future__ import annotations`: avi_dsr.package subclasses these components, and the
# SDK analyzer reads the output annotations of the whole class hierarchy as real types.

import ipaddress
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypedDict

import pulumi
import pulumi_command as command
import pulumi_vsphere as vsphere

from avi_dsr.component import checked_args, child_opts, type_token
from avi_dsr.config import ServerConfig, VcenterConfig
from avi_dsr.config.typed import check_existing_server_args, check_vsphere_server_args
from avi_dsr.server import (
    ServerSpec,
    config_digest,
    guestinfo_extra_config,
    render_apply_script,
    render_remove_script,
)
from avi_dsr.ssh_probe import INTERPRETER as PROBE_INTERPRETER
from avi_dsr.ssh_probe import render_ssh_probe


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
    """Minutes to wait for VMware Tools to report the guest's address; then `up` fails on this
    VM (0: do not wait; with no address reported yet, the pool gets the configured one)."""


def vsphere_server_args(
    spec: pulumi.Input[ServerSpec],
    vcenter: VcenterConfig,
    server: ServerConfig,
    provider: pulumi.ProviderResource | None = None,
) -> VsphereDsrServerArgs:
    """A validated stack config's VM: the vCenter defaults, overridden per server."""
    o = server.vsphere
    assert o is not None  # parse_stack guarantees it for kind vsphere
    wait = o.wait_for_guest_net_minutes
    return VsphereDsrServerArgs(
        spec=spec,
        datacenter=vcenter.datacenter,
        cluster=vcenter.cluster,
        host=vcenter.host,
        datastore=o.datastore or vcenter.datastore,
        network=o.network or vcenter.network,
        template=o.template or vcenter.template,
        folder=o.folder or vcenter.folder,
        cpus=o.cpus,
        memory_mb=o.memory_mb,
        disk_gb=o.disk_gb,
        provider=provider,
        **({"wait_for_guest_net_timeout": wait} if wait is not None else {}),
    )


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
        a = checked_args(
            "VsphereDsrServer", resource_name, VsphereDsrServerArgs, args, check_vsphere_server_args
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
        reported = pulumi.Output.all(self.vm.default_ip_address, self.vm.guest_ip_addresses, spec)
        self.ipv4 = reported.apply(lambda r: own_address([r[0], *(r[1] or [])], r[2], 4))
        self.ipv6 = reported.apply(lambda r: own_address([r[0], *(r[1] or [])], r[2], 6))
        self.digest = spec.apply(config_digest)
        self.register_outputs({"ipv4": self.ipv4, "ipv6": self.ipv6, "digest": self.digest})


def ignored_guest_ips(spec: ServerSpec) -> list[str]:
    """VIPs live on the server too: a reported VIP must not end the provider's wait for the
    guest's address (the list's only use; the addresses it reports still include them)."""
    return [f"{v}/32" for v in spec.all_vips4] + [f"{v}/128" for v in spec.vips6]


def own_address(reported: list[str | None], spec: ServerSpec, family: int) -> str | None:
    """The server's own address of one family, as the VM reports it: never a VIP.

    Tools lists every address of the guest, the VIPs on the tunnels included, in an order that
    says nothing (the provider sorts NICs by device id, which puts the tunnels first). So: skip
    VIPs and link-local, loopback and multicast addresses, and prefer one on the configured
    subnet (a guest may also hold bridge or DHCP addresses). Only when the VM reports no usable
    address (its Tools are not running, or waiting is disabled) is the configured one used.
    """
    configured = spec.ipv4 if family == 4 else spec.ipv6
    vips = {*spec.all_vips4, *spec.vips6}
    usable: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for text in reported:
        try:
            address = ipaddress.ip_address(text or "")
        except ValueError:
            continue
        if address.version != family or address in vips or address in usable:
            continue
        if address.is_link_local or address.is_loopback or address.is_multicast:
            continue
        usable.append(address)
    on_subnet = [a for a in usable if configured is not None and a in configured.network]
    chosen = (on_subnet or usable or [configured.ip if configured is not None else None])[0]
    return str(chosen) if chosen is not None else None


# --------------------------------------------------------------------------- existing hosts


DEFAULT_CONNECT_TIMEOUT = 15
"""pulumi-command's own perDialTimeout default."""
DEFAULT_COMMAND_TIMEOUT = 600
"""The scripts write a few files and run netplan: seconds, unless the host is stuck."""
DIAL_ATTEMPTS = 3
"""Connection attempts before the run fails (pulumi-command's dialErrorLimit; its default of 10,
with backoff between attempts, makes an unreachable host take minutes to report)."""


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
    connect_timeout: int = DEFAULT_CONNECT_TIMEOUT
    """Seconds to wait for the server to answer SSH, per connection attempt."""
    command_timeout: int = DEFAULT_COMMAND_TIMEOUT
    """Seconds the apply or remove script may run on the server before it is stopped."""


class ExistingDsrServerArgsDict(TypedDict, total=False):
    """Dict twin of :class:`ExistingDsrServerArgs`."""

    spec: pulumi.Input[ServerSpec]
    host: str
    host_key: str
    private_key: pulumi.Input[str]
    port: int
    user: str
    stage_root: str | None
    connect_timeout: int
    command_timeout: int


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
        a = checked_args(
            "ExistingDsrServer",
            resource_name,
            ExistingDsrServerArgs,
            args,
            check_existing_server_args,
        )
        super().__init__(type_token("ExistingDsrServer"), resource_name, None, opts)
        spec = pulumi.Output.from_input(a.spec)
        self.server_name = a.spec.name if isinstance(a.spec, ServerSpec) else resource_name
        digest = spec.apply(config_digest)
        run = _runner(
            self.server_name, a.user, staged=a.stage_root is not None, seconds=a.command_timeout
        )
        apply_script = spec.apply(
            lambda s: run(render_apply_script(s, stage_root=a.stage_root), "apply")
        )
        probe = render_ssh_probe(
            name=self.server_name,
            host=a.host,
            port=a.port,
            seconds=a.connect_timeout,
            attempts=DIAL_ATTEMPTS,
        )
        # The SSH connection of pulumi-command has no deadline once TCP connects, so a bounded
        # probe runs on this machine first: before the apply (create) and, from a resource that
        # depends on the command and is therefore deleted before it, before the remove script.
        self.ssh_check = command.local.Command(
            f"{resource_name}-ssh-check",
            create=probe,
            interpreter=PROBE_INTERPRETER,
            triggers=[digest, a.host, a.port],
            opts=child_opts(self),
        )
        self.command = command.remote.Command(
            resource_name,
            connection=command.remote.ConnectionArgs(
                host=a.host,
                port=a.port,
                user=a.user,
                host_key=a.host_key.strip(),
                private_key=pulumi.Output.secret(a.private_key),
                per_dial_timeout=a.connect_timeout,
                dial_error_limit=DIAL_ATTEMPTS,
            ),
            # No `update`: without one the provider re-runs `create` (the same idempotent
            # script), and the state keeps one copy of the script instead of two; the engine
            # rewrites the whole state after every step, so each copy costs once per step.
            create=apply_script,
            delete=spec.apply(
                lambda s: run(render_remove_script(s, stage_root=a.stage_root), "remove")
            ),
            triggers=[digest],
            opts=child_opts(
                self,
                depends_on=[self.ssh_check],
                delete_before_replace=True,
                additional_secret_outputs=["stdout", "stderr"],
            ),
        )
        self.ssh_check_remove = command.local.Command(
            f"{resource_name}-ssh-check-remove",
            delete=probe,
            interpreter=PROBE_INTERPRETER,
            triggers=[a.host, a.port],
            opts=child_opts(self, depends_on=[self.command], delete_before_replace=True),
        )
        # The addresses are facts of the config, so they stay known even in a preview where
        # the command changes; services order themselves after this component (depends_on).
        self.ipv4 = spec.apply(lambda s: str(s.ipv4.ip) if s.ipv4 else None)
        self.ipv6 = spec.apply(lambda s: str(s.ipv6.ip) if s.ipv6 else None)
        self.digest = digest
        self.register_outputs({"ipv4": self.ipv4, "ipv6": self.ipv6, "digest": self.digest})


def _runner(name: str, user: str, *, staged: bool, seconds: int) -> Callable[[str, str], str]:
    """Wrap a rendered sh script: run it under sh whatever the login shell is, for at most
    ``seconds`` (coreutils ``timeout``), and say which server timed out.

    A live apply changes netplan, sysctl and tunnels, so a non-root user goes through
    `sudo -n` (NOPASSWD needed; never a password prompt); ``timeout`` runs under sudo, so it
    may signal the root script. A staged run writes only under its stage root and needs no
    privilege.
    """
    sudo = "" if staged or user == "root" else "sudo -n "

    def wrap(script: str, what: str) -> str:
        limited = f"{sudo}timeout -k {KILL_AFTER} {seconds} sh -c {shlex.quote(script)}"
        message = f"avi-dsr: server {name}: the {what} script timed out after {seconds} s"
        # timeout exits 124 when it stopped the script, 137 when it had to kill it
        report = f'case "$rc" in 124|137) echo {shlex.quote(message)} >&2 ;; esac'
        return "sh -c " + shlex.quote(f'{limited}; rc=$?; {report}; exit "$rc"')

    return wrap


KILL_AFTER = 10
"""Seconds between the TERM that ends a timed-out script and a KILL."""


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
