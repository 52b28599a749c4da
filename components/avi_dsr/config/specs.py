"""The validated stack: typed specs that components and renderers consume, and ConfigError."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from avi_dsr.config.fields import IPAddress, summarize
from avi_dsr.controller_address import DEFAULT_TENANT, base_url
from avi_dsr.server import ServerSpec

# The version constants live in avi_dsr.versions; re-exported here for the config readers.
from avi_dsr.versions import MIN_DSR_VERSION as MIN_DSR_VERSION
from avi_dsr.versions import MIN_GRE_VERSION as MIN_GRE_VERSION
from avi_dsr.versions import MIN_IPV6_DSR_VERSION as MIN_IPV6_DSR_VERSION
from avi_dsr.versions import NEWEST_KNOWN_API_VERSION as NEWEST_KNOWN_API_VERSION

NAMESPACE = "avi-dsr"
SECRET_KEYS = ("controllerPassword", "vcenterPassword", "sshPrivateKey")
PLAIN_KEYS = ("controller", "vcenter", "ssh", "servers", "services", "placement")
KNOWN_KEYS = PLAIN_KEYS + SECRET_KEYS

ADOPT_KINDS = ("networkProfile", "healthMonitor", "pool", "vsvip", "virtualService")
HTTP_CODES = {"any": "HTTP_ANY", **{f"{d}xx": f"HTTP_{d}XX" for d in "12345"}}
DNS_RECORD_TYPES = {"A": "DNS_RECORD_A", "AAAA": "DNS_RECORD_AAAA"}
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(Exception):
    """Every problem in a stack config, one per line, each naming its key and the fix."""

    def __init__(self, problems: Iterable[object]) -> None:
        self.problems = [str(p) for p in problems]
        count = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in summarize(self.problems))
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the stack config:\n{lines}"
        )


@dataclass(frozen=True)
class ControllerConfig:
    address: str
    username: str = "admin"
    tenant: str = DEFAULT_TENANT
    api_version: str | None = None
    """X-Avi-Version; None: the controller's own version, capped at NEWEST_KNOWN_API_VERSION."""
    verify_tls: bool = True
    ca_bundle: str | None = None
    connect_timeout: int = 10
    read_timeout: int = 60

    @property
    def base_url(self) -> str:
        """The URL the providers talk to (https unless given; a bare IPv6 address bracketed)."""
        return base_url(self.address)


@dataclass(frozen=True)
class VcenterConfig:
    server: str
    username: str
    datacenter: str
    datastore: str
    network: str
    template: str
    cluster: str | None = None
    host: str | None = None
    folder: str | None = None
    allow_unverified_ssl: bool = False


@dataclass(frozen=True)
class VsphereOverrides:
    """Per-VM sizing and placement; ``None`` means "from the template / vcenter config"."""

    cpus: int | None = None
    memory_mb: int | None = None
    disk_gb: int | None = None
    datastore: str | None = None
    network: str | None = None
    folder: str | None = None
    template: str | None = None
    wait_for_guest_net_minutes: int | None = None


@dataclass(frozen=True)
class SshConfig:
    """How to reach an existing server. Key material is read by the program, not stored here."""

    host: str
    port: int = 22
    user: str = "ubuntu"
    host_key: str | None = None
    host_key_file: str | None = None
    private_key_file: str | None = None
    stage_root: str | None = None
    connect_timeout: int | None = None
    command_timeout: int | None = None


@dataclass(frozen=True)
class ServerConfig:
    name: str
    kind: str  # "vsphere" | "existing"
    interface: str = "ens192"
    ipv4: ipaddress.IPv4Interface | None = None
    gateway4: ipaddress.IPv4Address | None = None
    ipv6: ipaddress.IPv6Interface | None = None
    gateway6: ipaddress.IPv6Address | None = None
    dns: tuple[IPAddress, ...] = ()
    search: tuple[str, ...] = ()
    ubuntu: str = "22.04"
    mtu: int = 1500
    vsphere: VsphereOverrides | None = None
    ssh: SshConfig | None = None


@dataclass(frozen=True)
class PortRange:
    start: int
    end: int

    def __str__(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}-{self.end}"


@dataclass(frozen=True)
class HealthMonitorConfig:
    type: str  # "tcp" | "http" (TCP services) | "udp" | "dns" (UDP services)
    port: int | None = None  # None: the service's first port
    path: str = "/"
    codes: tuple[str, ...] = ("2xx",)
    interval: int = 10
    timeout: int = 4
    request: str | None = None  # udp: datagram to send
    response: str | None = None  # udp: keyword the answer must contain
    query_name: str | None = None  # dns: name to resolve (required for dns)
    record_type: str = "A"  # dns: "A" | "AAAA"


def vip_family(vip6: object | None, auto_allocate: str | None) -> int:
    """4 or 6: a service with an IPv6 VIP, or one allocated as ``V6``, is an IPv6 service."""
    return 6 if vip6 is not None or auto_allocate == "V6" else 4


@dataclass(frozen=True)
class ServerNetwork:
    """An Avi network (port group) and subnet through which the Service Engines reach servers."""

    network: str
    subnet: IPNetwork


@dataclass(frozen=True)
class PlacementConfig:
    """Where the controller places a service (Avi's VsVip/pool placement, docs/design.md).

    ``vip_network`` is the Avi network the VIP lives on: with a static VIP it becomes the VsVip's
    placement network (with ``vip_subnet``/``vip6_subnet``), with ``vip: auto`` the network whose
    IPAM range the controller allocates the VIP from. ``server_networks`` become the pool's
    placement networks; ``routed_servers`` sets the virtual service's ``ign_pool_net_reach`` for
    servers routed hops away from every Service Engine network (L3 DSR only).
    """

    vip_network: str | None = None
    vip_subnet: ipaddress.IPv4Network | None = None
    vip6_subnet: ipaddress.IPv6Network | None = None
    server_networks: tuple[ServerNetwork, ...] = ()
    routed_servers: bool = False


@dataclass(frozen=True)
class NetworkProfileConfig:
    dsr_type: str = "L3"  # "L3" | "L2"
    encap: str = "IPINIP"  # "IPINIP" | "GRE"
    idle_timeout: int | None = None  # None: Avi's default for the protocol
    syn_protection: bool = False


@dataclass(frozen=True)
class MemberConfig:
    server: str
    ratio: int = 1
    enabled: bool = True


@dataclass(frozen=True)
class ServiceSpec:
    """One DSR service of one address family: an IPv4 VIP (``vip``), an IPv6 VIP (``vip6``), or
    one the controller allocates (``auto_allocate`` "V4"/"V6", from ``placement.vip_network``).

    One family per service: a pool mixing IPv4 and IPv6 servers behind a dual-stack VIP can hash
    a flow to a server of the other family, which Avi does not document for DSR. A dual-stack
    name is two services sharing the servers.
    """

    name: str
    vip: ipaddress.IPv4Address | None
    ports: tuple[PortRange, ...]
    members: tuple[MemberConfig, ...]
    vip6: ipaddress.IPv6Address | None = None
    protocol: str = "tcp"
    health_monitor: HealthMonitorConfig | None = None
    network_profile: NetworkProfileConfig = NetworkProfileConfig()
    cloud: str = "Default-Cloud"
    se_group: str = "Default-Group"
    vrf: str = "global"
    tenant: str = DEFAULT_TENANT
    enabled: bool = True
    auto_allocate: str | None = None  # "V4" | "V6": the controller's IPAM picks the VIP
    placement: PlacementConfig = field(default_factory=PlacementConfig)
    prepared_vip6: ipaddress.IPv6Address | None = None
    """An IPv6 VIP the servers already hold (tunnel dsr6) but no Avi object carries yet."""
    wait_for_up_seconds: int = 600
    """After a create or change, how long `up` waits for OPER_UP (0: do not wait). A fresh SE
    group may have to boot Service Engines first, which takes minutes."""
    adopt: tuple[tuple[str, str], ...] = ()
    """(object kind, existing name or uuid) to take over instead of creating, e.g.
    (("pool", "legacy-pool"),); kinds as in `ADOPT_KINDS`."""

    def adopted(self, kind: str) -> str | None:
        return dict(self.adopt).get(kind)

    @property
    def server_names(self) -> tuple[str, ...]:
        return tuple(m.server for m in self.members)

    @property
    def family(self) -> int:
        """4 or 6: the family of the VIP and of every pool member."""
        return vip_family(self.vip6, self.auto_allocate)

    @property
    def static_vip(self) -> IPAddress | None:
        """The configured VIP; None when the controller allocates it."""
        return self.vip6 if self.family == 6 else self.vip


@dataclass(frozen=True)
class StackSpec:
    controller: ControllerConfig
    servers: tuple[ServerConfig, ...]
    services: tuple[ServiceSpec, ...]
    vcenter: VcenterConfig | None = None

    def server(self, name: str) -> ServerConfig:
        return next(s for s in self.servers if s.name == name)

    def services_of(self, server: str) -> tuple[ServiceSpec, ...]:
        return tuple(s for s in self.services if server in s.server_names)

    def _held_vips(
        self, server: str, allocated: Mapping[str, str | IPAddress] | None
    ) -> list[tuple[ServiceSpec, IPAddress]]:
        """(service, VIP) for every VIP ``server`` holds: static, allocated (when known) and the
        IPv6 VIPs services prepare."""
        held = []
        for service in self.services_of(server):
            vip = service.static_vip
            if vip is None and allocated and service.name in allocated:
                vip = ipaddress.ip_address(str(allocated[service.name]))
            held += [(service, v) for v in (vip, service.prepared_vip6) if v is not None]
        return held

    def vips_of(
        self, server: str, allocated: Mapping[str, str | IPAddress] | None = None
    ) -> tuple[tuple[ipaddress.IPv4Address, ...], tuple[ipaddress.IPv6Address, ...]]:
        """The IP-in-IP / ip6ip6 VIPs a server must hold: those of every service that lists it
        (GRE services' IPv4 VIPs go to :meth:`gre_vips_of`). ``allocated`` maps service name ->
        the VIP the controller allocated; services whose VIP is not known yet are left out
        (see :meth:`pending_vips`)."""
        held = self._held_vips(server, allocated)
        vips4 = sorted(
            {v for s, v in held if isinstance(v, ipaddress.IPv4Address) and not _is_gre(s)}
        )
        vips6 = sorted({v for _, v in held if isinstance(v, ipaddress.IPv6Address)})
        return tuple(vips4), tuple(vips6)

    def gre_vips_of(
        self, server: str, allocated: Mapping[str, str | IPAddress] | None = None
    ) -> tuple[ipaddress.IPv4Address, ...]:
        """The VIPs a server holds on its GRE tunnel: the IPv4 VIPs of the GRE services that
        list it (the config refuses IPv6 with GRE)."""
        held = self._held_vips(server, allocated)
        return tuple(
            sorted({v for s, v in held if isinstance(v, ipaddress.IPv4Address) and _is_gre(s)})
        )

    def pending_vips(
        self, server: str, allocated: Mapping[str, str | IPAddress] | None = None
    ) -> tuple[ServiceSpec, ...]:
        """Services of ``server`` whose VIP the controller allocates and is not known yet."""
        return tuple(
            s
            for s in self.services_of(server)
            if s.auto_allocate is not None and s.name not in (allocated or {})
        )

    def server_spec(
        self, name: str, allocated: Mapping[str, str | IPAddress] | None = None
    ) -> ServerSpec:
        """The renderer's view of a server (Contract 4), VIPs included (allocated ones too),
        each VIP on the tunnel type of its service's encapsulation."""
        cfg = self.server(name)
        vips4, vips6 = self.vips_of(name, allocated)
        return ServerSpec(
            name=cfg.name,
            interface=cfg.interface,
            ipv4=cfg.ipv4,
            gateway4=cfg.gateway4,
            ipv6=cfg.ipv6,
            gateway6=cfg.gateway6,
            dns=cfg.dns,
            search=cfg.search,
            vips4=vips4,
            vips6=vips6,
            ubuntu_release=cfg.ubuntu,
            underlay_mtu=cfg.mtu,
            gre_vips4=self.gre_vips_of(name, allocated),
        )


def _is_gre(service: ServiceSpec) -> bool:
    return service.network_profile.encap == "GRE"
