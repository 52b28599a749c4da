"""`ServerSpec`: what one DSR real server needs, validated so renderers never emit nonsense.

The config layer validates too, but the renderers are public functions: a spec that reaches them
must already be coherent (VIPs of the right family, on a server that has that family, not equal to
the server's own address, ...). All problems are reported at once, each naming its field.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from avi_dsr.ipcheck import parse_address, parse_interface
from avi_dsr.textcheck import describe

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface

UBUNTU_RELEASES = ("22.04", "24.04")
MIN_UNDERLAY_MTU = 1280
MAX_UNDERLAY_MTU = 9216
# The v6 default route gets mtu = underlay - 40 on 22.04, which IPv6 requires to stay >= 1280.
MIN_UNDERLAY_MTU_WITH_IPV6 = 1320
TUNNEL_NAMES = ("dsr4", "dsr6", "dsr4gre")
# the kernel's per-namespace fallback devices of ipip, ip6_tunnel, sit and ip_gre
FALLBACK_TUNNEL_NAMES = ("tunl0", "ip6tnl0", "sit0", "gre0", "gretap0", "erspan0")
RESERVED_INTERFACE_NAMES = (*TUNNEL_NAMES, "lo", *FALLBACK_TUNNEL_NAMES)

# Matched with fullmatch: `re.match` with `$` also accepts a trailing newline ("web01\n"), which
# would end up in the rendered scripts and YAML.
_HOSTNAME_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_INTERFACE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,14}")


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of a spec; `field` uses the ServerSpec attribute name."""

    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"


class ServerSpecError(ValueError):
    """Raised by `ServerSpec` with every problem found, so users fix them in one round."""

    def __init__(self, name: str, errors: Iterable[FieldError]) -> None:
        self.server = name
        self.errors: tuple[FieldError, ...] = tuple(errors)
        lines = "\n".join(f"  - {error}" for error in self.errors)
        super().__init__(f"server {describe(name)} is not a valid DSR server spec:\n{lines}")


@dataclass(frozen=True)
class ServerSpec:
    """One Ubuntu real server: its own addressing plus the VIPs it must accept (Contract 4).

    Strings are accepted wherever an address is expected and converted; VIP lists are
    de-duplicated and sorted (their order has no meaning), DNS order is kept (it is a preference).
    """

    name: str
    interface: str = "ens192"
    ipv4: ipaddress.IPv4Interface | None = None
    gateway4: ipaddress.IPv4Address | None = None
    ipv6: ipaddress.IPv6Interface | None = None
    gateway6: ipaddress.IPv6Address | None = None
    dns: tuple[IPAddress, ...] = ()
    search: tuple[str, ...] = ()
    vips4: tuple[ipaddress.IPv4Address, ...] = ()
    vips6: tuple[ipaddress.IPv6Address, ...] = ()
    ubuntu_release: str = "22.04"
    underlay_mtu: int = 1500
    gre_vips4: tuple[ipaddress.IPv4Address, ...] = ()
    """IPv4 VIPs of GRE services: held on tunnel `dsr4gre`, never on `dsr4` (IP-in-IP)."""

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        normalized = _normalize(self, errors)
        # VIPs keep their given positions until checked, so messages index the user's list
        positions = {field: normalized.pop(field) for field in VIP_FIELDS}
        for field, value in normalized.items():
            object.__setattr__(self, field, value)
        for field, indexed in positions.items():
            object.__setattr__(self, field, tuple(sorted({vip for _, vip in indexed})))
        unparsable = {error.field for error in errors}
        errors.extend(_invariant_errors(self, unparsable, positions))
        if errors:
            raise ServerSpecError(str(self.name), errors)

    @property
    def needs_ipip(self) -> bool:
        """True when the server holds IPv4 VIPs, i.e. needs tunnel `dsr4` and module `ipip`."""
        return bool(self.vips4)

    @property
    def needs_ip6ip6(self) -> bool:
        """True when the server holds IPv6 VIPs: it needs tunnel `dsr6` and module `ip6_tunnel`."""
        return bool(self.vips6)

    @property
    def needs_gre(self) -> bool:
        """True when the server holds GRE VIPs: it needs tunnel `dsr4gre` and module `ip_gre`."""
        return bool(self.gre_vips4)

    @property
    def all_vips4(self) -> tuple[ipaddress.IPv4Address, ...]:
        """Every IPv4 VIP the server holds, whatever its tunnel (never the server's address)."""
        return tuple(sorted({*self.vips4, *self.gre_vips4}))


VIP_FIELDS = ("vips4", "vips6", "gre_vips4")


_SINGLE_ADDRESSES = (
    ("ipv4", ipaddress.IPv4Interface, "an IPv4 address with prefix such as 198.51.100.11/24"),
    ("gateway4", ipaddress.IPv4Address, "an IPv4 address such as 198.51.100.1"),
    ("ipv6", ipaddress.IPv6Interface, "an IPv6 address with prefix such as 2001:db8:20::11/64"),
    ("gateway6", ipaddress.IPv6Address, "an IPv6 address such as 2001:db8:20::1"),
)


def _normalize(spec: ServerSpec, errors: list[FieldError]) -> dict[str, Any]:
    """Convert strings/lists to the declared types; record a FieldError for what cannot be."""
    out: dict[str, Any] = {}
    for field, kind, example in _SINGLE_ADDRESSES:
        out[field] = _coerce_single(getattr(spec, field), field, kind, errors, example)
    out["vips4"] = _coerce_vips(spec.vips4, "vips4", 4, errors)
    out["vips6"] = _coerce_vips(spec.vips6, "vips6", 6, errors)
    out["gre_vips4"] = _coerce_vips(spec.gre_vips4, "gre_vips4", 4, errors)
    out["dns"] = _coerce_dns(spec.dns, errors)
    out["search"] = _as_tuple(spec.search, "search", errors)
    return out


def _coerce_single(
    value: Any, field: str, kind: type, errors: list[FieldError], example: str
) -> Any:
    """Parse via str() so objects of the wrong kind (an interface given as a gateway) fail too.

    Interfaces must spell their prefix: a silent /32 on the ethernet would be a bad guess.
    """
    if value is None:
        return None
    wants_prefix = kind in (ipaddress.IPv4Interface, ipaddress.IPv6Interface)
    try:
        parsed = parse_interface(value) if wants_prefix else parse_address(value)
    except ValueError:
        parsed = None
    if isinstance(parsed, kind) and (not wants_prefix or "/" in str(value)):
        return parsed
    errors.append(FieldError(field, f"{describe(value)} is not valid; expected {example}"))
    return None


def _as_tuple(value: Any, field: str, errors: list[FieldError]) -> tuple[Any, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        errors.append(FieldError(field, f"must be a list, got {describe(value)}"))
        return ()
    return tuple(value)


def _coerce_vips(
    value: Any, field: str, family: int, errors: list[FieldError]
) -> list[tuple[int, Any]]:
    """Parse VIPs of one family; a VIP of the other family gets a hint where it belongs."""
    other = "vips6" if family == 4 else "vips4"
    if field == "gre_vips4":
        # Avi documents GRE for IPv4 L3 DSR only (see avi_dsr.config's encap rule)
        other = "vips6 of an IP-in-IP service: GRE DSR is IPv4 only"
    vips: list[tuple[int, Any]] = []
    for index, item in enumerate(_as_tuple(value, field, errors)):
        where = f"{field}[{index}]"
        try:
            vip = parse_address(item)
        except ValueError:
            errors.append(
                FieldError(
                    where,
                    f"{describe(item)} is not an IP address; give a bare "
                    "address without prefix, such as 203.0.113.10",
                )
            )
            continue
        if vip.version != family:
            errors.append(
                FieldError(where, f"{vip} is an IPv{vip.version} address; put it in {other}")
            )
            continue
        vips.append((index, vip))
    return vips


def _coerce_dns(value: Any, errors: list[FieldError]) -> tuple[Any, ...]:
    servers: list[Any] = []
    for index, item in enumerate(_as_tuple(value, "dns", errors)):
        try:
            server = parse_address(item)
        except ValueError:
            errors.append(FieldError(f"dns[{index}]", f"{describe(item)} is not an IP address"))
            continue
        if server not in servers:
            servers.append(server)
    return tuple(servers)


def _invariant_errors(
    spec: ServerSpec, unparsable: set[str], vip_positions: dict[str, list[tuple[int, Any]]]
) -> list[FieldError]:
    """Cross-field rules on the normalized spec; fields that did not parse are None there,
    so rules that would only repeat their error are skipped."""
    errors: list[FieldError] = []
    errors += _name_errors(spec)
    errors += _interface_errors(spec)
    if spec.ipv4 is None and spec.ipv6 is None and not unparsable & {"ipv4", "ipv6"}:
        errors.append(FieldError("ipv4", "the server needs an address: set ipv4 and/or ipv6"))
    for family in (4, 6):
        if f"ipv{family}" not in unparsable:
            errors += _family_errors(spec, family, vip_positions[f"vips{family}"])
    if "ipv4" not in unparsable:
        errors += _vip_errors(spec, 4, "gre_vips4", vip_positions["gre_vips4"])
    errors += _one_tunnel_per_vip_errors(spec, vip_positions["gre_vips4"])
    errors += _search_errors(spec)
    errors += _release_and_mtu_errors(spec)
    return errors


def _name_errors(spec: ServerSpec) -> list[FieldError]:
    if not isinstance(spec.name, str) or not _is_hostname(spec.name):
        return [
            FieldError(
                "name",
                f"{describe(spec.name)} is not a valid host name; use letters, "
                "digits and '-' (labels of 1-63 characters, e.g. web01)",
            )
        ]
    return []


def _interface_errors(spec: ServerSpec) -> list[FieldError]:
    problem = interface_problem(spec.interface)
    return [FieldError("interface", problem)] if problem else []


def interface_problem(value: Any) -> str | None:
    """The interface-name rule, shared with the stack config (``servers[i].interface``)."""
    if not isinstance(value, str) or not _INTERFACE_NAME.fullmatch(value):
        return (
            f"{describe(value)} is not a Linux interface name; "
            "use 1-15 characters from letters, digits, '_', '.', '-' (e.g. ens192)"
        )
    if value in RESERVED_INTERFACE_NAMES:
        return (
            f"{describe(value)} is reserved for tunnels/loopback; "
            "give the server's ethernet interface (e.g. ens192)"
        )
    return None


def domain_problem(value: Any) -> str | None:
    """The DNS search-domain rule, shared with the stack config (``servers[i].search``)."""
    if isinstance(value, str) and _is_hostname(value):
        return None
    return f"{describe(value)} is not a valid DNS domain (e.g. lab.example)"


def _family_errors(
    spec: ServerSpec, family: int, indexed_vips: list[tuple[int, Any]]
) -> list[FieldError]:
    """Rules shared by IPv4 and IPv6: gateway inside the subnet, VIPs usable and not our own."""
    own_field, gw_field = f"ipv{family}", f"gateway{family}"
    own, gateway = getattr(spec, own_field), getattr(spec, gw_field)
    errors: list[FieldError] = []
    if own is not None and not _is_usable_host(own):
        errors.append(
            FieldError(own_field, f"{own} is not a usable unicast host address in {own.network}")
        )
    if gateway is not None:
        if own is None:
            errors.append(
                FieldError(
                    gw_field, f"is set but {own_field} is not; set {own_field} or remove {gw_field}"
                )
            )
        elif gateway == own.ip:
            errors.append(
                FieldError(
                    gw_field, f"{gateway} is the server's own address; give the router's address"
                )
            )
        elif gateway not in own.network and not (family == 6 and gateway.is_link_local):
            # IPv6 routers are commonly link-local (rendered on-link); an IPv4 gateway off the
            # subnet is refused by the kernel ("Nexthop has invalid gateway")
            errors.append(
                FieldError(
                    gw_field,
                    f"{gateway} is outside {own_field}'s subnet "
                    f"{own.network}; use a router in that subnet",
                )
            )
    return errors + _vip_errors(spec, family, f"vips{family}", indexed_vips)


def _vip_errors(
    spec: ServerSpec, family: int, vips_field: str, indexed_vips: list[tuple[int, Any]]
) -> list[FieldError]:
    """VIPs need the family's own address (the tunnel's local) and must be usable, not ours."""
    own_field = f"ipv{family}"
    own, gateway = getattr(spec, own_field), getattr(spec, f"gateway{family}")
    tunnel = "dsr4gre" if vips_field == "gre_vips4" else f"dsr{family}"
    errors: list[FieldError] = []
    if indexed_vips and own is None:
        errors.append(
            FieldError(
                vips_field,
                f"the server holds IPv{family} VIPs but has no "
                f"{own_field}; the {tunnel} tunnel needs it as its local "
                f"address: set {own_field} or drop the VIPs",
            )
        )
    for index, vip in indexed_vips:
        problem = _vip_problem(vip, own, gateway)
        if problem:
            errors.append(FieldError(f"{vips_field}[{index}]", problem))
    return errors


def _one_tunnel_per_vip_errors(
    spec: ServerSpec, indexed_gre_vips: list[tuple[int, Any]]
) -> list[FieldError]:
    """A VIP's service has one encapsulation, so the VIP sits on exactly one tunnel."""
    return [
        FieldError(
            f"gre_vips4[{index}]",
            f"{vip} is also in vips4; a VIP belongs to one service and so to one "
            "encapsulation: list it in vips4 (IP-in-IP) or gre_vips4 (GRE), not both",
        )
        for index, vip in indexed_gre_vips
        if vip in spec.vips4
    ]


def _vip_problem(vip: Any, own: Any, gateway: Any) -> str | None:
    if own is not None and vip == own.ip:
        return (
            f"{vip} is the server's own address; the pool uses the server's address and "
            "the VIP must be a different one"
        )
    if gateway is not None and vip == gateway:
        return f"{vip} is the gateway's address; a VIP must not be the router"
    if (
        vip.is_multicast
        or vip.is_unspecified
        or vip.is_loopback
        or vip.is_link_local
        or vip == ipaddress.IPv4Address("255.255.255.255")
    ):
        return f"{vip} is not a unicast address usable as a VIP"
    if own is not None and _is_subnet_edge(vip, own.network):
        return f"{vip} is the network or broadcast address of {own.network}"
    return None


def _search_errors(spec: ServerSpec) -> list[FieldError]:
    return [
        FieldError(f"search[{index}]", problem)
        for index, domain in enumerate(spec.search)
        if (problem := domain_problem(domain))
    ]


def _release_and_mtu_errors(spec: ServerSpec) -> list[FieldError]:
    errors: list[FieldError] = []
    if spec.ubuntu_release not in UBUNTU_RELEASES:
        errors.append(
            FieldError(
                "ubuntu_release",
                f"{describe(spec.ubuntu_release)} is not supported; "
                f"use one of {', '.join(UBUNTU_RELEASES)}",
            )
        )
    mtu = spec.underlay_mtu
    low = MIN_UNDERLAY_MTU_WITH_IPV6 if spec.ipv6 is not None else MIN_UNDERLAY_MTU
    if isinstance(mtu, bool) or not isinstance(mtu, int) or not low <= mtu <= MAX_UNDERLAY_MTU:
        why = " (IPv6 routes need underlay - 40 >= 1280)" if spec.ipv6 is not None else ""
        errors.append(
            FieldError(
                "underlay_mtu",
                f"{describe(mtu)} must be an integer between {low} and {MAX_UNDERLAY_MTU}{why}",
            )
        )
    return errors


def _is_hostname(text: str) -> bool:
    """Dot-separated labels (one trailing dot allowed, as in a fully qualified name)."""
    return 0 < len(text) <= 253 and all(
        _HOSTNAME_LABEL.fullmatch(label) for label in text.removesuffix(".").split(".")
    )


def _is_usable_host(own: Any) -> bool:
    address = own.ip
    if address.is_multicast or address.is_unspecified or address.is_loopback:
        return False
    return not _is_subnet_edge(address, own.network)


def _is_subnet_edge(address: Any, network: Any) -> bool:
    """The network or broadcast address of an IPv4 subnet that has them (/31, /32 do not)."""
    return (
        address.version == 4
        and network.prefixlen < 31
        and address in (network.network_address, network.broadcast_address)
    )
