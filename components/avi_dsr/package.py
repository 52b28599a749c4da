"""The components as a Pulumi package: the same classes, with args every language can send.

Programs in other languages (YAML, TypeScript, Go, ...) reach the components through the avi-dsr
plugin (`Construct`), which can only pass plain, documented values. So each component here takes
the shapes of the stack config (docs/design.md, Contract 5) — a service as in
`avi-dsr:services[i]`, a server as in `avi-dsr:servers[i]` — and validates them with the very
`parse_stack` a stack runs, so every rule and message has one home. Python programs keep the typed
classes (avi_dsr.L3DsrService & co.); these subclasses only translate.

The Avi controller and vCenter come from providers in the resource options (`providers:`), as
for any component.
"""

# No `from __future__ import annotations`: the SDK's analyzer reads these annotations as types.
import re
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi

from avi_dsr import network_profile, pool, servers, service, virtual_service
from avi_dsr.config import ConfigError, StackSpec, parse_stack
from avi_dsr.preflight import ServiceFacts

# --------------------------------------------------------------------------- plain args
# Field names are the stack config's in snake_case; the schema shows them in camelCase, exactly
# the stack config's keys.


class HealthMonitorSpec(TypedDict):
    """A service's health monitor (`healthMonitor` of a service in the stack config)."""

    type: str
    """`tcp` or `http` for TCP services, `udp` or `dns` for UDP services."""
    port: NotRequired[int]
    """Monitor port; default the service's first port."""
    path: NotRequired[str]
    """HTTP path (type http)."""
    codes: NotRequired[list[str]]
    """HTTP codes such as `2xx` (type http)."""
    interval: NotRequired[int]
    """Seconds between probes (1-3600)."""
    timeout: NotRequired[int]
    """Seconds to wait for an answer (less than interval)."""
    request: NotRequired[str]
    """UDP request payload (type udp)."""
    response: NotRequired[str]
    """Expected UDP response (type udp)."""
    query_name: NotRequired[str]
    """Name to resolve (type dns)."""
    record_type: NotRequired[str]
    """`A` or `AAAA` (type dns)."""


class NetworkProfileSpec(TypedDict):
    """The DSR network profile (`networkProfile` of a service)."""

    dsr_type: NotRequired[str]
    """`L3` (default) or `L2`."""
    encap: NotRequired[str]
    """`IPINIP` (default) or `GRE` (IPv4 only)."""
    idle_timeout: NotRequired[int]
    """Session idle timeout in seconds (Avi's default for the protocol when unset)."""
    syn_protection: NotRequired[bool]
    """Must stay false: SYN protection cannot work with DSR."""


class ServerNetworkSpec(TypedDict):
    """An Avi network the Service Engines reach servers on (pool placement)."""

    network: str
    """Avi network name."""
    subnet: str
    """Its subnet, e.g. 198.51.100.0/24."""


class PlacementSpec(TypedDict):
    """Where the VIP lives and how SEs reach the servers (`placement` of a service)."""

    vip_network: NotRequired[str]
    """Avi network of the VIP (the IPAM network with vip `auto`)."""
    vip_subnet: NotRequired[str]
    """IPv4 subnet of the VIP on vip_network."""
    vip6_subnet: NotRequired[str]
    """IPv6 subnet of the VIP on vip_network."""
    server_networks: NotRequired[list[ServerNetworkSpec]]
    """Pool placement networks."""
    routed_servers: NotRequired[bool]
    """Servers are routed hops away from the SEs (sets ign_pool_net_reach; L3 DSR only)."""


class MemberSpec(TypedDict):
    """A pool member (`servers` entry of a service)."""

    name: str
    """A server's name (an entry of `servers`)."""
    ratio: NotRequired[int]
    """Weight 1-20."""
    enabled: NotRequired[bool]
    """false: drained."""


class AdoptSpec(TypedDict):
    """Existing Avi objects to take over instead of creating them, by name or uuid."""

    network_profile: NotRequired[str]
    health_monitor: NotRequired[str]
    pool: NotRequired[str]
    vsvip: NotRequired[str]
    virtual_service: NotRequired[str]


class DsrServiceSpec(TypedDict):
    """One DSR service, as an `avi-dsr:services[i]` entry of the stack config."""

    name: str
    """Service name; the Avi objects are `<name>-np`, `-hm`, `-pool`, `-vsvip`, `-vs`."""
    vip: NotRequired[str]
    """IPv4 VIP, or `auto` (allocated from placement.vip_network)."""
    vip6: NotRequired[str]
    """IPv6 VIP (Avi 30.2.1+), or `auto`; a service has one family."""
    prepare_vip6: NotRequired[str]
    """An IPv6 VIP the servers hold on dsr6 that no Avi object carries yet."""
    protocol: NotRequired[str]
    """`tcp` (default) or `udp`."""
    ports: list[str]
    """Ports or ranges: `80`, `8000-8010`."""
    servers: list[MemberSpec]
    """Pool members (their addresses come from `servers` of the component)."""
    health_monitor: NotRequired[HealthMonitorSpec]
    network_profile: NotRequired[NetworkProfileSpec]
    placement: NotRequired[PlacementSpec]
    cloud: NotRequired[str]
    """Avi cloud (default Default-Cloud)."""
    se_group: NotRequired[str]
    """SE group (default Default-Group)."""
    vrf: NotRequired[str]
    """VRF context (default global)."""
    tenant: NotRequired[str]
    """Tenant (default: the provider's)."""
    enabled: NotRequired[bool]
    wait_for_up_seconds: NotRequired[int]
    """How long `up` waits for OPER_UP after a change (0: do not wait; default 600)."""
    adopt: NotRequired[AdoptSpec]


class ServerAddressSpec(TypedDict):
    """A pool member's addresses: the server's own, never a VIP."""

    name: str
    """The name a service's `servers` entry uses."""
    ipv4: NotRequired[str]
    """The server's IPv4 address with prefix, e.g. 198.51.100.11/24."""
    ipv6: NotRequired[str]
    """The server's IPv6 address with prefix."""
    address: NotRequired[pulumi.Input[str]]
    """The address to pool (e.g. a VM's reported address); default the address of ipv4/ipv6."""


class SshSpec(TypedDict):
    """How to reach an existing server (`ssh` of an existing server)."""

    host: str
    port: NotRequired[int]
    user: NotRequired[str]
    host_key: str
    """The server's SSH host public key, `ssh-ed25519 AAAA...` (always checked)."""
    stage_root: NotRequired[str]
    """Write and validate under this directory instead of applying (staged mode)."""
    connect_timeout: NotRequired[int]
    """Seconds to wait for the SSH handshake."""
    command_timeout: NotRequired[int]
    """Seconds the apply or remove script may run."""


class VsphereSpec(TypedDict):
    """Per-VM sizing and placement overrides (`vsphere` of a vsphere server)."""

    cpus: NotRequired[int]
    memory_mb: NotRequired[int]
    disk_gb: NotRequired[int]
    datastore: NotRequired[str]
    network: NotRequired[str]
    folder: NotRequired[str]
    template: NotRequired[str]
    wait_for_guest_net_minutes: NotRequired[int]
    """How long `up` waits for VMware Tools to report the VM's address (default 10)."""


class DsrServerSpec(TypedDict):
    """One DSR real server, as an `avi-dsr:servers[i]` entry of the stack config."""

    name: str
    interface: NotRequired[str]
    ipv4: NotRequired[str]
    gateway4: NotRequired[str]
    ipv6: NotRequired[str]
    gateway6: NotRequired[str]
    dns: NotRequired[list[str]]
    search: NotRequired[list[str]]
    ubuntu: NotRequired[str]
    """`22.04` or `24.04`."""
    mtu: NotRequired[int]
    ssh: NotRequired[SshSpec]
    """For an existing server."""
    vsphere: NotRequired[VsphereSpec]
    """For a vSphere VM."""


class VcenterSpec(TypedDict):
    """Where VMs go (`avi-dsr:vcenter` without the connection: that is the vsphere provider)."""

    datacenter: str
    datastore: str
    network: str
    template: str
    cluster: NotRequired[str]
    host: NotRequired[str]
    folder: NotRequired[str]


class VipsSpec(TypedDict):
    """The VIPs a server holds, by tunnel type (the VIPs of the services that pool it)."""

    ipip: NotRequired[list[str]]
    """IPv4 VIPs of IP-in-IP services (tunnel dsr4)."""
    ip6ip6: NotRequired[list[str]]
    """IPv6 VIPs (tunnel dsr6)."""
    gre: NotRequired[list[str]]
    """IPv4 VIPs of GRE services (tunnel dsr4gre)."""


# ------------------------------------------------------------------------------ parsing


def _camel(value: Any) -> Any:
    """snake_case keys -> the stack config's camelCase, recursively."""
    if isinstance(value, Mapping):
        return {_camel_key(k): _camel(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_camel(v) for v in value]
    return value


def _camel_key(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _plain(what: str, value: Any) -> Any:
    """Config-shaped args must be literal values: the rules need to see them before registering."""
    if isinstance(value, pulumi.Output):
        raise ValueError(f"{what} must be given as literal values, not outputs of other resources")
    if isinstance(value, Mapping):
        return {k: _plain(f"{what}.{k}", v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(f"{what}[{i}]", v) for i, v in enumerate(value)]
    return value


_PLACEHOLDER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlaceholderKeyOnlyForRuleChecks0000"


def _parse(component: str, values: dict[str, Any], keys: Mapping[str, str]) -> StackSpec:
    """parse_stack over a stack built from the args; problems name the args, not stack keys."""
    try:
        return parse_stack(values)
    except ConfigError as err:
        lines = [_rename(p, keys) for p in err.problems]
        raise ValueError(f"{component}: " + "; ".join(lines)) from None


def _rename(problem: str, keys: Mapping[str, str]) -> str:
    for stack_key, arg in keys.items():
        problem = re.sub(rf"^{re.escape(stack_key)}(?=[.\[:]|$)", arg, problem)
    return problem


def _service_stack(args: Mapping[str, Any], api_version: str | None) -> dict[str, Any]:
    if isinstance(args.get("servers"), pulumi.Output):
        raise ValueError("servers must be a list literal (each entry's address may be an output)")
    service = _camel(_plain("service", args["service"]))
    members = _plain(
        "servers", [{k: v for k, v in s.items() if k != "address"} for s in args["servers"]]
    )
    controller = {"address": "avi.invalid"}  # not contacted: only the rules run
    if api_version:
        controller["apiVersion"] = api_version
    ssh = {"host": "127.0.0.1", "hostKey": _PLACEHOLDER_KEY}  # rules only; never used
    return {
        "controller": controller,
        "servers": [{**_camel(m), "kind": "existing", "ssh": ssh} for m in members],
        "services": [service],
    }


# ----------------------------------------------------------------------------- components


class _AddressOnly:
    """What L3DsrService needs of a server it does not manage: its pooled addresses."""

    def __init__(self, spec: Mapping[str, Any], config: Any) -> None:
        address = spec.get("address")
        ipv4 = str(config.ipv4.ip) if config.ipv4 else None
        ipv6 = str(config.ipv6.ip) if config.ipv6 else None
        family6 = config.ipv4 is None
        self.server_name = config.name
        self.ipv4 = pulumi.Output.from_input(address if address and not family6 else ipv4)
        self.ipv6 = pulumi.Output.from_input(address if address and family6 else ipv6)
        self.digest = pulumi.Output.from_input("")


class L3DsrServiceArgs(TypedDict):
    """Args of L3DsrService for every language."""

    service: DsrServiceSpec
    """The service, as an `avi-dsr:services[i]` entry."""
    servers: pulumi.Input[list[ServerAddressSpec]]
    """The pool members' own addresses (from VsphereDsrServer/ExistingDsrServer outputs, or any)."""
    api_version: NotRequired[str]
    """The provider's apiVersion, when set: gates IPv6 VIPs and GRE before any request."""
    controller_url: NotRequired[str]
    """Controller UI base URL for the vsUrl output."""


class L3DsrService(service.L3DsrService):
    """A DSR service end to end: network profile, monitor, consistent-hash pool, VsVip and an L4
    virtual service that is verified up. Give the Avi provider in `providers`."""

    vip: pulumi.Output[str | None]
    vip6: pulumi.Output[str | None]
    vs_uuid: pulumi.Output[str]
    vs_url: pulumi.Output[str | None]
    oper_status: pulumi.Output[str | None]
    pool_members: pulumi.Output[list[str]]

    def __init__(
        self, name: str, args: L3DsrServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        stack = _parse(
            f"L3DsrService {name}",
            _service_stack(args, args.get("api_version")),
            {
                "avi-dsr:services[0]": "service",
                "avi-dsr:servers": "servers",
                "avi-dsr:controller.apiVersion": "apiVersion",
            },
        )
        members = {s["name"]: s for s in args.get("servers") or ()}
        super().__init__(
            name,
            service.L3DsrServiceArgs(
                connection=None,
                service=stack.services[0],
                servers={c.name: _AddressOnly(members[c.name], c) for c in stack.servers},
                controller_url=args.get("controller_url"),
                config_key="service",
            ),
            opts,
        )


# The parts of a service, for programs that wire them differently; each takes the same service
# spec (and is validated the same way) and builds only its objects.


class DsrNetworkProfileArgs(TypedDict):
    """Args of DsrNetworkProfile for every language."""

    service: DsrServiceSpec
    """The service whose profile this is (its name, protocol and networkProfile count)."""
    servers: pulumi.Input[list[ServerAddressSpec]]
    """The service's members (checked with the service)."""
    api_version: NotRequired[str]


class DsrNetworkProfile(network_profile.DsrNetworkProfile):
    """The TCP or UDP fast-path profile with a DSR profile (`<service>-np`)."""

    ref: pulumi.Output[str]
    uuid: pulumi.Output[str]

    def __init__(
        self, name: str, args: DsrNetworkProfileArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        svc, facts = _one_service("DsrNetworkProfile", name, args)
        super().__init__(name, service.network_profile_args(svc, None, facts), opts)


class DsrPoolArgs(TypedDict):
    """Args of DsrPool for every language."""

    service: DsrServiceSpec
    """The service whose pool (and monitor) this is."""
    servers: pulumi.Input[list[ServerAddressSpec]]
    """The members' own addresses."""
    api_version: NotRequired[str]


class DsrPool(pool.DsrPool):
    """The consistent-hash pool of the servers' own addresses and its monitor (`<service>-pool`)."""

    ref: pulumi.Output[str]
    uuid: pulumi.Output[str]
    members: pulumi.Output[list[str]]

    def __init__(
        self, name: str, args: DsrPoolArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        svc, facts = _one_service("DsrPool", name, args)
        addresses = {
            s.server_name: (s.ipv4, s.ipv6)
            for s in _address_only(args, _member_configs(name, args))
        }
        super().__init__(name, service.pool_args(svc, None, facts, addresses), opts)


class DsrVirtualServiceArgs(TypedDict):
    """Args of DsrVirtualService for every language."""

    service: DsrServiceSpec
    """The service whose VsVip and virtual service these are."""
    servers: pulumi.Input[list[ServerAddressSpec]]
    """The service's members (checked with the service)."""
    network_profile_ref: pulumi.Input[str]
    """`ref` of the service's DsrNetworkProfile."""
    pool_ref: pulumi.Input[str]
    """`ref` of the service's DsrPool."""
    api_version: NotRequired[str]


class DsrVirtualService(virtual_service.DsrVirtualService):
    """The VsVip and the System-L4-Application virtual service, verified up (`<service>-vs`)."""

    ref: pulumi.Output[str]
    uuid: pulumi.Output[str]
    vsvip_uuid: pulumi.Output[str]
    oper_status: pulumi.Output[str | None]

    def __init__(
        self, name: str, args: DsrVirtualServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        svc, facts = _one_service("DsrVirtualService", name, args)
        super().__init__(
            name,
            service.virtual_service_args(
                svc,
                None,
                facts,
                network_profile_ref=args["network_profile_ref"],
                pool_ref=args["pool_ref"],
            ),
            opts,
        )


def _one_service(component: str, name: str, args: Mapping[str, Any]) -> tuple[Any, dict]:
    stack = _service_stack_spec(component, name, args)
    svc = stack.services[0]
    return svc, ServiceFacts.of(svc, "service").wire()


def _service_stack_spec(component: str, name: str, args: Mapping[str, Any]) -> StackSpec:
    return _parse(
        f"{component} {name}",
        _service_stack(args, args.get("api_version")),
        {
            "avi-dsr:services[0]": "service",
            "avi-dsr:servers": "servers",
            "avi-dsr:controller.apiVersion": "apiVersion",
        },
    )


def _member_configs(name: str, args: Mapping[str, Any]) -> Sequence[Any]:
    return _service_stack_spec("DsrPool", name, args).servers


def _address_only(args: Mapping[str, Any], configs: Sequence[Any]) -> list[_AddressOnly]:
    given = {s["name"]: s for s in args.get("servers") or ()}
    return [_AddressOnly(given[c.name], c) for c in configs]


# The servers, for programs that manage them with the package too. A server holds the VIPs of
# the services that pool it, each on the tunnel of its encapsulation.


class ExistingDsrServerArgs(TypedDict):
    """Args of ExistingDsrServer for every language."""

    server: DsrServerSpec
    """The server, as an `avi-dsr:servers[i]` entry of kind existing (`ssh` with `hostKey`)."""
    vips: VipsSpec
    """The VIPs it holds."""
    private_key: pulumi.Input[str]
    """The SSH private key (a secret)."""


class ExistingDsrServer(servers.ExistingDsrServer):
    """An existing Ubuntu server made DSR-ready over SSH (host key checked), idempotently."""

    ipv4: pulumi.Output[str | None]
    ipv6: pulumi.Output[str | None]
    digest: pulumi.Output[str]

    def __init__(
        self, name: str, args: ExistingDsrServerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        stack = _server_stack_spec("ExistingDsrServer", name, args, "existing")
        config = stack.servers[0]
        ssh = config.ssh
        if ssh is None or not ssh.host_key:
            raise ValueError(f"ExistingDsrServer {name}: server.ssh.hostKey is required")
        timeouts = {
            k: v
            for k, v in (
                ("connect_timeout", ssh.connect_timeout),
                ("command_timeout", ssh.command_timeout),
            )
            if v is not None
        }
        super().__init__(
            name,
            servers.ExistingDsrServerArgs(
                spec=stack.server_spec(config.name),
                host=ssh.host,
                port=ssh.port,
                user=ssh.user,
                host_key=servers.read_host_key(ssh.host_key),
                private_key=pulumi.Output.secret(args["private_key"]),
                stage_root=ssh.stage_root,
                **timeouts,
            ),
            opts,
        )


class VsphereDsrServerArgs(TypedDict):
    """Args of VsphereDsrServer for every language (the vCenter connection is the vsphere
    provider in the resource options)."""

    server: DsrServerSpec
    """The server, as an `avi-dsr:servers[i]` entry of kind vsphere."""
    vcenter: VcenterSpec
    """Where the VM goes."""
    vips: VipsSpec
    """The VIPs it holds."""


class VsphereDsrServer(servers.VsphereDsrServer):
    """A VM cloned from an Ubuntu template, DSR-ready at first boot (cloud-init via guestinfo);
    its outputs are the addresses the VM reports, never a VIP."""

    ipv4: pulumi.Output[str | None]
    ipv6: pulumi.Output[str | None]
    digest: pulumi.Output[str]

    def __init__(
        self, name: str, args: VsphereDsrServerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        stack = _server_stack_spec("VsphereDsrServer", name, args, "vsphere")
        config, vc = stack.servers[0], stack.vcenter
        assert vc is not None  # parse_stack guarantees it for kind vsphere
        super().__init__(
            name,
            servers.vsphere_server_args(stack.server_spec(config.name), vc, config),
            opts,
        )


_VIP_KINDS = (("ipip", "vip", "IPINIP"), ("ip6ip6", "vip6", "IPINIP"), ("gre", "vip", "GRE"))


def _server_stack_spec(component: str, name: str, args: Mapping[str, Any], kind: str) -> StackSpec:
    """parse_stack over the server plus one placeholder service per VIP (ports 1), which is how
    the stack config says which VIPs a server holds and on which tunnel."""
    server = {**_camel(_plain("server", args["server"])), "kind": kind}
    vips = _plain("vips", args.get("vips") or {})
    services, keys = [], {"avi-dsr:servers[0]": "server", "avi-dsr:vcenter": "vcenter"}
    for arg, field, encap in _VIP_KINDS:
        for i, vip in enumerate(vips.get(arg) or ()):
            keys[f"avi-dsr:services[{len(services)}].{field}"] = f"vips.{arg}[{i}]"
            services.append(
                {
                    "name": f"vip{len(services)}",
                    field: vip,
                    "ports": [1],
                    "servers": [server.get("name")],
                    "networkProfile": {"encap": encap},
                }
            )
    if not services:
        raise ValueError(f"{component} {name}: vips: give at least one VIP the server holds")
    values: dict[str, Any] = {
        "controller": {"address": "avi.invalid", "apiVersion": "30.2.1"},  # rules only
        "servers": [server],
        "services": services,
    }
    if kind == "vsphere":
        vcenter = _camel(_plain("vcenter", args["vcenter"]))
        values["vcenter"] = {"server": "vcenter.invalid", "username": "rules-only", **vcenter}
    return _parse(f"{component} {name}", values, keys)
