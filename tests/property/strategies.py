"""Hypothesis strategies: anything YAML can hold, and stack configs that are valid or nearly.

The nearly-valid ones matter most: a random document is refused at the first key, while a valid
config with one odd value reaches every reader and, when accepted, the renderers. Values are
drawn from the edges on purpose (63-character names, interface names with dots, stage roots
with quotes and `$`, every printable character in an HTTP path, MTU and port extremes).
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHnbDemdjlvUVRHxGx5gDqAyUdwVzJfMkCZcVNqGmTc4"

# Text that breaks things: controls, separators, quotes, shell and YAML syntax, non-ASCII.
NASTY = "\n\r\t\x00\x1b\x7f\u0085\u2028\u200b\ufeff \"'`$;&|#:/\\{}[]*!%@,?=.-_é中"
nasty_text = st.text(
    alphabet=st.one_of(st.sampled_from(NASTY), st.characters(codec="utf-8")), max_size=40
)

# Anything a YAML document (or a Pulumi config value) can hold.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**310),  # more digits than repr() likes
    st.floats(allow_nan=True, allow_infinity=True),
    nasty_text,
    st.sampled_from(["", "80", "8000-8010", "198.51.100.11/24", "22.04", "tcp", "web01"]),
)
yaml_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(nasty_text, inner, max_size=4)
    ),
    max_leaves=12,
)

# --------------------------------------------------------------------- valid building blocks

server_names = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", fullmatch=True)
service_names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}", fullmatch=True)
interfaces = st.one_of(
    st.sampled_from(["ens192", "eth0", "enp0s3", "ens1.100", "bond_0"]),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,14}", fullmatch=True).filter(
        lambda n: n not in ("dsr4", "dsr6", "lo", "tunl0", "ip6tnl0", "sit0")
    ),
)
domains = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z]{2,10}){0,3}", fullmatch=True)
stage_roots = st.one_of(
    st.just("/tmp/avi-dsr-stage"),
    st.builds(
        lambda parts: "/tmp/" + "/".join(parts),
        st.lists(
            st.text(
                alphabet=string.ascii_letters + string.digits + " '\"$`;&|*?-_.",
                min_size=1,
                max_size=12,
            ).filter(lambda p: p not in (".", "..")),
            min_size=1,
            max_size=3,
        ),
    ),
)
http_paths = st.builds(
    lambda tail: "/" + tail,
    st.text(alphabet=[chr(c) for c in range(0x21, 0x7F)], max_size=60),
)
ports = st.one_of(
    st.integers(min_value=1, max_value=65535),
    st.builds(
        lambda a, n: f"{a}-{min(a + n, 65535)}",
        st.integers(min_value=1, max_value=65535),
        st.integers(min_value=0, max_value=50),
    ),
)

SUBNETS = ("198.51.100", "192.0.2", "10.20.30")


@st.composite
def servers(draw: Any, names: list[str]) -> list[dict[str, Any]]:
    """Servers on one or more /24s, each with its own address, some dual stack."""
    hosts = draw(
        st.lists(
            st.integers(min_value=2, max_value=254),
            min_size=len(names),
            max_size=len(names),
            unique=True,
        )
    )
    out = []
    for name, host in zip(names, hosts, strict=True):
        subnet = draw(st.sampled_from(SUBNETS))
        server: dict[str, Any] = {
            "name": name,
            "kind": draw(st.sampled_from(["vsphere", "existing"])),
            "interface": draw(interfaces),
            "ipv4": f"{subnet}.{host}/24",
            "ubuntu": draw(st.sampled_from(["22.04", "24.04"])),
        }
        if draw(st.booleans()):
            server["gateway4"] = f"{subnet}.1"
        if draw(st.booleans()):
            server["ipv6"] = f"2001:db8:20::{host:x}/64"
            if draw(st.booleans()):
                server["gateway6"] = draw(st.sampled_from(["2001:db8:20::1", "fe80::1"]))
        low = 1320 if "ipv6" in server else 1280
        server["mtu"] = draw(st.sampled_from([low, 1500, 9000, 9216]))
        server["dns"] = draw(
            st.lists(st.sampled_from([f"{subnet}.53", "2001:db8::53"]), max_size=2)
        )
        server["search"] = draw(st.lists(domains, max_size=2))
        if server["kind"] == "existing":
            server["ssh"] = {
                "host": f"{subnet}.{host}",
                "user": draw(st.sampled_from(["root", "ubuntu", "svc_deploy", "a.b-c"])),
                "port": draw(st.sampled_from([22, 2222, 65535])),
                "hostKey": HOST_KEY,
                "stageRoot": draw(st.one_of(st.none(), stage_roots)),
            }
            if server["ssh"]["stageRoot"] is None:
                del server["ssh"]["stageRoot"]
        else:
            server["vsphere"] = {"cpus": draw(st.integers(1, 128))}
        out.append(server)
    return out


@st.composite
def services(draw: Any, server_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = draw(st.lists(service_names, min_size=1, max_size=2, unique=True))
    vips = draw(
        st.lists(
            st.integers(min_value=1, max_value=254),
            min_size=len(names),
            max_size=len(names),
            unique=True,
        )
    )
    out = []
    for name, vip in zip(names, vips, strict=True):
        members = draw(
            st.lists(st.sampled_from([s["name"] for s in server_list]), min_size=1, unique=True)
        )
        protocol = draw(st.sampled_from(["tcp", "udp"]))
        service: dict[str, Any] = {
            "name": name,
            "vip": f"203.0.113.{vip}",
            "protocol": protocol,
            "ports": draw(st.lists(ports, min_size=1, max_size=3)),
            "servers": members,
        }
        if all("ipv6" in s for s in server_list if s["name"] in members) and draw(st.booleans()):
            del service["vip"]  # one family per service: IPv6-only
            service["vip6"] = f"2001:db8:100::{vip:x}"
        monitor = draw(st.sampled_from([None, "tcp", "http"]))
        if monitor == "http":
            service["healthMonitor"] = {
                "type": "http",
                "path": draw(http_paths),
                "codes": draw(st.lists(st.sampled_from(["2xx", "3xx", "any"]), max_size=2)),
            }
        elif monitor == "tcp":
            service["healthMonitor"] = {"type": "tcp"}
        service["networkProfile"] = {
            "dsrType": "L3",
            "encap": draw(st.sampled_from(["IPINIP", "GRE"])),
        }
        out.append(service)
    return out


@st.composite
def stack_values(draw: Any) -> dict[str, Any]:
    """A stack config that is valid by construction, save for what the rules refuse on
    purpose (overlapping ports, VIP families the servers lack...)."""
    names = draw(st.lists(server_names, min_size=1, max_size=3, unique=True))
    server_list = draw(servers(names))
    return {
        "controller": {
            "address": draw(st.sampled_from(["avi.lab.example", "https://10.0.0.5:8443"])),
            "apiVersion": draw(st.sampled_from(["22.1.4", "30.2.1"])),
        },
        "vcenter": {
            "server": "vc.lab.example",
            "username": "administrator@vsphere.local",
            "datacenter": "dc-01",
            "cluster": "cluster-01",
            "datastore": "ds-01",
            "network": "seg-web",
            "template": "ubuntu-2204-tpl",
        },
        "servers": server_list,
        "services": draw(services(server_list)),
    }


def paths_in(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document a value could be swapped out."""
    found = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            found += paths_in(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += paths_in(value, (*prefix, index))
    return found


@st.composite
def mutated_stack_values(draw: Any) -> dict[str, Any]:
    """A valid-by-construction config with one to three values replaced by anything."""
    document = draw(stack_values())
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        places = paths_in(document)
        where = draw(st.sampled_from(places))
        node = document
        for part in where[:-1]:
            node = node[part]
        node[where[-1]] = draw(yaml_values)
    return document
