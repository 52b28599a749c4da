"""The validated stack: typed specs that components and renderers consume, and ConfigError."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from avi_dsr.config.fields import IPAddress
from avi_dsr.controller_address import DEFAULT_API_VERSION, DEFAULT_TENANT, base_url
from avi_dsr.server import ServerSpec

NAMESPACE = "avi-dsr"
SECRET_KEYS = ("controllerPassword", "vcenterPassword", "sshPrivateKey")
PLAIN_KEYS = ("controller", "vcenter", "ssh", "servers", "services")
KNOWN_KEYS = PLAIN_KEYS + SECRET_KEYS

MIN_DSR_VERSION = "18.2.3"
MIN_GRE_VERSION = "21.1.4"
MIN_IPV6_DSR_VERSION = "30.2.1"
HTTP_CODES = {"any": "HTTP_ANY", **{f"{d}xx": f"HTTP_{d}XX" for d in "12345"}}


class ConfigError(Exception):
    """Every problem in a stack config, one per line, each naming its key and the fix."""

    def __init__(self, problems: Iterable[object]) -> None:
        self.problems = [str(p) for p in problems]
        count = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the stack config:\n{lines}"
        )


@dataclass(frozen=True)
class ControllerConfig:
    address: str
    username: str = "admin"
    tenant: str = DEFAULT_TENANT
    api_version: str = DEFAULT_API_VERSION
    verify_tls: bool = True
    ca_bundle: str | None = None

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
    type: str  # "tcp" | "http"
    port: int | None = None  # None: the service's first port
    path: str = "/"
    codes: tuple[str, ...] = ("2xx",)
    interval: int = 10
    timeout: int = 4


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
    name: str
    vip: ipaddress.IPv4Address
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

    @property
    def server_names(self) -> tuple[str, ...]:
        return tuple(m.server for m in self.members)


@dataclass(frozen=True)
class StackSpec:
    controller: ControllerConfig
    servers: tuple[ServerConfig, ...]
    services: tuple[ServiceSpec, ...]
    vcenter: VcenterConfig | None = None

    def server(self, name: str) -> ServerConfig:
        return next(s for s in self.servers if s.name == name)

    def vips_of(
        self, server: str
    ) -> tuple[tuple[ipaddress.IPv4Address, ...], tuple[ipaddress.IPv6Address, ...]]:
        """The VIPs a server must hold: those of every service that lists it."""
        mine = [s for s in self.services if server in s.server_names]
        vips4 = sorted({s.vip for s in mine})
        vips6 = sorted({s.vip6 for s in mine if s.vip6 is not None})
        return tuple(vips4), tuple(vips6)

    def server_spec(self, name: str) -> ServerSpec:
        """The renderer's view of a server (Contract 4), VIPs included."""
        cfg = self.server(name)
        vips4, vips6 = self.vips_of(name)
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
        )
