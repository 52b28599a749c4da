"""The lab's addresses, in one place: host-side seed rendering and the in-guest scenario both read
them (the scenario gets them as topology.json), so the two can never disagree.

Only documentation prefixes are used; they exist only inside the guest, which has no NIC.
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass, field

CLIENT_NET4 = ipaddress.IPv4Network("192.0.2.0/24")
CLIENT_NET6 = ipaddress.IPv6Network("2001:db8:c::/64")
SERVER_NET4 = ipaddress.IPv4Network("198.51.100.0/24")
SERVER_NET6 = ipaddress.IPv6Network("2001:db8:d::/64")
VIP4 = ipaddress.IPv4Address("203.0.113.10")
VIP6 = ipaddress.IPv6Address("2001:db8:f::10")
GRE_VIP4 = ipaddress.IPv4Address("203.0.113.20")  # the VIP of a service with encap GRE
TCP_PORT = 80
UDP_PORT = 53


@dataclass(frozen=True)
class LabServer:
    """One real server: where it lives in the guest and how it is configured.

    namespace "" is the guest's root namespace, configured by cloud-init from the seed ISO; the
    others are network namespaces configured from their own rendered netplan, except role
    "existing": a booted container configured over SSH by the rendered apply script.
    """

    name: str
    host: int  # last octet / last hextet of its address on the server segment
    namespace: str
    role: str  # "pool" (serves in the positive checks), "negative:<control>" or "existing"
    variant: str = "rendered"  # which render variant configures it
    # the services it is a member of: "ipip" (VIP4 + VIP6, IP-in-IP) and/or "gre" (GRE_VIP4)
    services: tuple[str, ...] = ("ipip",)

    @property
    def ipv4(self) -> ipaddress.IPv4Interface:
        return ipaddress.IPv4Interface(f"{SERVER_NET4.network_address + self.host}/24")

    @property
    def ipv6(self) -> ipaddress.IPv6Interface:
        # same digits as the IPv4 host part (::11 for .11) so addresses are easy to read in pcaps
        return ipaddress.IPv6Interface(
            f"{SERVER_NET6.network_address + int(str(self.host), 16)}/64"
        )


@dataclass(frozen=True)
class LabTopology:
    """Everything the scenario needs to build client, router, LB and servers."""

    interface: str = "ens192"
    client4: str = "192.0.2.2/24"
    client6: str = "2001:db8:c::2/64"
    router_client4: str = "192.0.2.1/24"
    router_client6: str = "2001:db8:c::1/64"
    router_server4: str = "198.51.100.1/24"
    router_server6: str = "2001:db8:d::1/64"
    lb4: str = "198.51.100.2/24"
    lb6: str = "2001:db8:d::2/64"
    vip4: str = str(VIP4)
    vip6: str = str(VIP6)
    gre_vip4: str = str(GRE_VIP4)
    tcp_port: int = TCP_PORT
    udp_port: int = UDP_PORT
    servers: tuple[LabServer, ...] = field(default_factory=tuple)

    def to_json_dict(self) -> dict:
        data = asdict(self)
        data["servers"] = [
            {**asdict(s), "ipv4": str(s.ipv4), "ipv6": str(s.ipv6)} for s in self.servers
        ]
        return data


GATEWAY4 = ipaddress.IPv4Address("198.51.100.1")
GATEWAY6 = ipaddress.IPv6Address("2001:db8:d::1")

BOTH = ("ipip", "gre")
SERVERS: tuple[LabServer, ...] = (
    # srv1 and srv2 are in both services: each VIP on the tunnel of its own encapsulation
    LabServer("srv1", 11, "", "pool", services=BOTH),
    LabServer("srv2", 12, "srv2", "pool", services=BOTH),
    LabServer("srv3", 13, "srv3", "pool"),
    LabServer("neg-rpf", 21, "neg-rpf", "negative:strict-rp-filter", "strict-rp-filter"),
    LabServer("neg-novip", 22, "neg-novip", "negative:no-vip", "no-vip"),
    LabServer("neg-notun", 23, "neg-notun", "negative:no-tunnel", "no-tunnel"),
    LabServer("neg-nomss", 24, "neg-nomss", "negative:no-mss", "no-mss"),
    # the GRE blackhole this project had: a GRE service's VIP rendered onto the IP-in-IP tunnel
    LabServer(
        "neg-gre", 25, "neg-gre", "negative:gre-vip-on-ipip", "gre-vip-on-ipip", services=("gre",)
    ),
    # an existing server: configured live over SSH by the rendered apply script, then removed
    LabServer("live1", 31, "live1", "existing", services=BOTH),
)

TOPOLOGY = LabTopology(servers=SERVERS)
