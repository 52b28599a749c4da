"""Stack config validation: data in -> exact problems out, all at once."""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

import pytest
from avi_dsr.config import (
    ConfigError,
    PlacementConfig,
    PortRange,
    ServerNetwork,
    parse_stack,
)
from dsr_stacks import LAB6_SERVICES, LAB_VALUES


def _with(change: dict[str, Any]) -> dict[str, Any]:
    """LAB_VALUES with dotted-path changes applied (``None`` deletes the key)."""
    values = copy.deepcopy(LAB_VALUES)
    for path, new in change.items():
        *head, last = path.split(".")
        node: Any = values
        for part in head:
            node = node[int(part)] if part.isdigit() else node[part]
        if new is None:
            del node[int(last) if last.isdigit() else last]
        elif last.isdigit():
            node[int(last)] = new
        else:
            node[last] = new
    return values


def problems_of(values: dict[str, Any], **kwargs: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_stack(values, **kwargs)
    return caught.value.problems


def test_lab_config_parses_into_the_expected_spec():
    stack = parse_stack(copy.deepcopy(LAB_VALUES))
    service = stack.services[0]
    assert service.ports == (PortRange(80, 80),)
    assert service.server_names == ("web01", "web02")
    assert (service.family, service.vip6, service.auto_allocate) == (4, None, None)
    assert service.placement == PlacementConfig(
        vip_network="seg-vip", vip_subnet=ipaddress.ip_network("203.0.113.0/24")
    )
    # the write-up's IPv6 preparation: the servers hold the IPv6 VIP on dsr6, Avi never sees it
    assert stack.vips_of("web01") == (
        (ipaddress.ip_address("203.0.113.10"),),
        (ipaddress.ip_address("2001:db8:100::10"),),
    )
    spec = stack.server_spec("web02")
    assert str(spec.ipv4) == "198.51.100.12/24" and spec.vips6
    assert stack.controller.api_version == "22.1.4"


def test_api_version_is_optional_and_then_gates_nothing_here():
    """Unset, the providers use the controller's version; vip6 is then checked by preflight."""
    values = _with({"controller.apiVersion": None})
    values["services"] = copy.deepcopy(LAB6_SERVICES)
    stack = parse_stack(values)
    assert stack.controller.api_version is None
    assert [s.family for s in stack.services] == [4, 6]


def test_ipv6_variant_is_one_service_per_family_sharing_the_servers():
    values = _with({"controller.apiVersion": "30.2.1"})
    values["services"] = copy.deepcopy(LAB6_SERVICES)
    stack = parse_stack(values)
    web, web6 = stack.services
    assert (web.vip, web.vip6, web6.vip, web6.vip6) == (
        ipaddress.ip_address("203.0.113.10"),
        None,
        None,
        ipaddress.ip_address("2001:db8:100::10"),
    )
    assert web6.placement.vip6_subnet == ipaddress.ip_network("2001:db8:100::/64")
    assert stack.vips_of("web02") == (
        (ipaddress.ip_address("203.0.113.10"),),
        (ipaddress.ip_address("2001:db8:100::10"),),
    )


def test_auto_vip_is_allocated_from_the_vip_network_and_pending_until_known():
    stack = parse_stack(_with({"services.0.vip": "auto", "services.0.placement.vipSubnet": None}))
    web = stack.services[0]
    assert (web.auto_allocate, web.vip, web.static_vip) == ("V4", None, None)
    assert web.placement.vip_network == "seg-vip" and web.placement.vip_subnet is None
    assert stack.vips_of("web01")[0] == ()
    assert stack.pending_vips("web01") == (web,)
    allocated = {"web": "203.0.113.77"}
    assert stack.vips_of("web01", allocated)[0] == (ipaddress.ip_address("203.0.113.77"),)
    assert stack.pending_vips("web01", allocated) == ()
    assert stack.server_spec("web01", allocated).vips4 == (ipaddress.ip_address("203.0.113.77"),)


def test_stack_default_placement_applies_key_by_key_and_server_networks_per_service():
    values = copy.deepcopy(LAB_VALUES)
    values["placement"] = {
        "vipNetwork": "seg-vip",
        "vipSubnet": "203.0.113.0/24",
        "serverNetworks": [
            {"network": "seg-web", "subnet": "198.51.100.0/24"},
            {"network": "seg-dns", "subnet": "192.0.2.0/24"},
        ],
    }
    values["services"][0]["placement"] = {"routedServers": True}
    values["services"].append(
        {"name": "api", "vip": "203.0.113.11", "ports": [443], "servers": ["web01"]}
    )
    web, api = parse_stack(values).services
    expected_networks = (ServerNetwork("seg-web", ipaddress.ip_network("198.51.100.0/24")),)
    assert web.placement == PlacementConfig(
        vip_network="seg-vip",
        vip_subnet=ipaddress.ip_network("203.0.113.0/24"),
        server_networks=expected_networks,  # seg-dns holds none of its servers: not sent
        routed_servers=True,
    )
    assert api.placement.server_networks == expected_networks
    assert api.placement.routed_servers is False


CASES = [
    (
        "missing controller",
        {"controller": None},
        ["avi-dsr:controller: is required, e.g. {address: avi.example.com, username: admin}"],
    ),
    (
        "controller address with a path",
        {"controller.address": "https://avi.lab.example/api"},
        [
            "avi-dsr:controller.address: controller 'https://avi.lab.example/api' is not a valid "
            "address: use 'host', 'host:port' or 'https://host[:port]' with no path"
        ],
    ),
    (
        "bad server ip",
        {"servers.0.ipv4": "198.51.100.300/24"},
        ["avi-dsr:servers[0].ipv4: must be an IPv4 address with prefix, got '198.51.100.300/24'"],
    ),
    (
        "ip without prefix",
        {"servers.0.ipv4": "198.51.100.11"},
        ["avi-dsr:servers[0].ipv4: needs a prefix length, e.g. '198.51.100.11/24'"],
    ),
    (
        "vip in the wrong family",
        {"services.0.vip": "2001:db8:100::10"},
        [
            "avi-dsr:services[0].vip: 2001:db8:100::10 is an IPv6 address; this key takes IPv4 "
            "(put IPv6 VIPs in 'vip6')"
        ],
    ),
    (
        "vip equal to a server ip",
        {"services.0.vip": "198.51.100.11"},
        [
            "avi-dsr:services[0].vip: 198.51.100.11 is the address of server 'web01'; the VIP must "
            "be a separate address"
        ],
    ),
    (
        "duplicate servers",
        {"servers.1.name": "web01", "services.0.servers": ["web01"]},
        [
            "avi-dsr:servers[1].name: duplicate server 'web01' (also avi-dsr:servers[0]); names "
            "must be unique"
        ],
    ),
    (
        "unknown server referenced",
        {"services.0.servers": ["web01", "web03"]},
        [
            "avi-dsr:services[0].servers[1]: unknown server 'web03'; define it in avi-dsr:servers "
            "(known: web01, web02)"
        ],
    ),
    (
        "port out of range",
        {"services.0.ports": [80, 70000]},
        ["avi-dsr:services[0].ports[1]: port must be between 1 and 65535, got 70000"],
    ),
    (
        "bad range",
        {"services.0.ports": ["8010-8000"]},
        [
            "avi-dsr:services[0].ports[0]: range '8010-8000' ends before it starts; write "
            '"8000-8010"'
        ],
    ),
    (
        "overlapping ports",
        {"services.0.ports": ["8000-8010", 8005]},
        [
            "avi-dsr:services[0].ports[1]: 8005 overlaps 8000-8010 (avi-dsr:services[0].ports[0]); "
            "list each port once"
        ],
    ),
    (
        "ipv6 vip below 30.2.1",
        {
            "services.0.vip": None,
            "services.0.prepareVip6": None,
            "services.0.placement": None,
            "services.0.vip6": "2001:db8:100::10",
        },
        [
            "avi-dsr:services[0].vip6: IPv6 L3 DSR needs Avi 30.2.1 or later (Avi 22.1.4 "
            'supports DSR for IPv4 only); set avi-dsr:controller.apiVersion to "30.2.1" (now '
            "22.1.4) or remove vip6"
        ],
    ),
    (
        "gre below 21.1.4",
        {
            "controller.apiVersion": "21.1.3",
            "services.0.networkProfile": {"encap": "GRE"},
        },
        [
            "avi-dsr:services[0].networkProfile.encap: GRE encapsulation needs Avi 21.1.4 or later "
            "(apiVersion is 21.1.3); use IPINIP or raise avi-dsr:controller.apiVersion"
        ],
    ),
    (
        "l2 with servers on two subnets",
        {
            "servers.1.ipv4": "192.0.2.12/24",
            "servers.1.gateway4": "192.0.2.1",
            "services.0.networkProfile": {"dsrType": "L2"},
        },
        [
            "avi-dsr:services[0].networkProfile.dsrType: L2 DSR needs every server on one subnet "
            "(with the Service Engines), but they span 192.0.2.0/24, 198.51.100.0/24; use dsrType "
            "L3 or move the servers"
        ],
    ),
    (
        "ssl is not applicable",
        {"services.0.ssl": True},
        [
            "avi-dsr:services[0].ssl: SSL does not apply to DSR (an L4 fast path: replies bypass "
            "the Service Engine); terminate TLS on the servers and remove this key"
        ],
    ),
    (
        "typo in a key",
        {"services.0.healthMonitor": {"typ": "tcp"}},
        [
            "avi-dsr:services[0].healthMonitor.typ: unknown key; did you mean 'type'?",
            "avi-dsr:services[0].healthMonitor.type: is required",
        ],
    ),
    (
        "udp with syn protection",
        {
            "services.0.protocol": "udp",
            "services.0.healthMonitor": {"type": "udp"},
            "services.0.networkProfile": {"synProtection": True},
        },
        [
            "avi-dsr:services[0].networkProfile.synProtection: only applies to TCP services; "
            "remove it"
        ],
    ),
    (
        "duplicate services",
        {
            "services": [
                dict(LAB_VALUES["services"][0]),
                dict(LAB_VALUES["services"][0], vip="203.0.113.11", vip6=None),
            ]
        },
        [
            "avi-dsr:services[1].name: duplicate service 'web' (also avi-dsr:services[0]); names "
            "must be unique"
        ],
    ),
    (
        "vsphere server without vcenter",
        {"vcenter": None},
        [
            "avi-dsr:vcenter: is required when a server has kind: vsphere (server, username, "
            "datacenter, cluster or host, datastore, network, template)"
        ],
    ),
    (
        "existing server without host key",
        {
            "servers.0": {
                "name": "web01",
                "kind": "existing",
                "ipv4": "198.51.100.11/24",
                "ipv6": "2001:db8:20::11/64",
                "ssh": {"user": "root"},
            }
        },
        [
            "avi-dsr:servers[0].ssh.hostKey: is required (or hostKeyFile): the server's SSH host "
            "key is always checked; get it with `ssh-keyscan -t ed25519 <host>`"
        ],
    ),
    (
        "ports not a list",
        {"services.0.ports": 80},
        ["avi-dsr:services[0].ports: must be a list, got 80"],
    ),
    (
        "service without servers",
        {"services.0.servers": None},
        ["avi-dsr:services[0].servers: needs at least one server name from avi-dsr:servers"],
    ),
    (
        "member ratio out of range",
        {"services.0.servers": ["web01", {"name": "web02", "ratio": 50}]},
        ["avi-dsr:services[0].servers[1].ratio: must be between 1 and 20, got 50"],
    ),
    (
        "http monitor with a bad code",
        {"services.0.healthMonitor": {"type": "http", "codes": ["200"]}},
        [
            "avi-dsr:services[0].healthMonitor.codes[0]: must be one of any, 1xx, 2xx, 3xx, "
            "4xx, 5xx, got '200'"
        ],
    ),
    (
        "udp idle timeout out of range",
        {
            "services.0.protocol": "udp",
            "services.0.healthMonitor": None,
            "services.0.networkProfile": {"idleTimeout": 7200},
        },
        ["avi-dsr:services[0].networkProfile.idleTimeout: must be between 2 and 3600, got 7200"],
    ),
    (
        "unsupported ubuntu",
        {"servers.1.ubuntu": 20.04},
        ["avi-dsr:servers[1].ubuntu: must be one of 22.04, 24.04 (quoted), got 20.04"],
    ),
    (
        "ssh block on a vsphere server",
        {"servers.1.ssh": {"host": "198.51.100.12"}},
        ["avi-dsr:servers[1].ssh: only applies to kind: existing; remove it"],
    ),
    (
        "apiVersion as a YAML number: one problem, no version-gated guesses",
        {"controller.apiVersion": 30.2},
        ['avi-dsr:controller.apiVersion: must be a quoted string such as "22.1.4"'],
    ),
    (
        "malformed apiVersion: no version-gated guesses",
        {"controller.apiVersion": "30.2"},
        ["avi-dsr:controller.apiVersion: must look like \"22.1.4\", got '30.2'"],
    ),
    (
        "services not a list",
        {"services": {"name": "web"}},
        ["avi-dsr:services: must be a list, got {'name': 'web'}"],
    ),
    (
        "vcenter not a mapping",
        {"vcenter": "vc.lab.example"},
        ["avi-dsr:vcenter: must be a mapping (key: value), got 'vc.lab.example'"],
    ),
    (
        "member problems name the member's own index",
        {"servers.0.ipv6": None, "servers.0.gateway6": None, "services.0.servers": ["x", "web01"]},
        [
            "avi-dsr:services[0].servers[0]: unknown server 'x'; define it in avi-dsr:servers "
            "(known: web01, web02)",
            "avi-dsr:services[0].servers[1]: server 'web01' has no ipv6, but prepareVip6 puts "
            "2001:db8:100::10 on its dsr6 tunnel; give the server ipv6",
        ],
    ),
    (
        "one service with both families",
        {"services.0.vip6": "2001:db8:100::10", "controller.apiVersion": "30.2.1"},
        [
            "avi-dsr:services[0].vip6: one service cannot have both vip and vip6: its pool "
            "would mix IPv4 and IPv6 servers and Avi's consistent hash can send a flow to a "
            "server of the other family (Avi does not document mixed-family DSR pools); make "
            "two services, e.g. 'web' with vip and 'web6' with vip6, listing the same servers"
        ],
    ),
    (
        "no vip at all",
        {"services.0.vip": None},
        [
            "avi-dsr:services[0].vip: is required: the IPv4 VIP (e.g. 203.0.113.10), or auto to "
            "have the controller allocate it; an IPv6-only service sets vip6 instead"
        ],
    ),
    (
        "syn protection with dsr",
        {"services.0.networkProfile": {"synProtection": True}},
        [
            "avi-dsr:services[0].networkProfile.synProtection: SYN protection cannot work with "
            "DSR: the Service Engine would have to complete the handshake, but the server's "
            "SYN-ACK goes straight to the client; remove it (or set false)"
        ],
    ),
    (
        "udp service with a tcp monitor",
        {"services.0.protocol": "udp"},
        [
            "avi-dsr:services[0].healthMonitor.type: a UDP service needs a UDP monitor: udp "
            "(HEALTH_MONITOR_UDP) or dns (HEALTH_MONITOR_DNS); a tcp monitor checks a listener "
            "the clients do not use"
        ],
    ),
    (
        "tcp service with a dns monitor",
        {"services.0.healthMonitor": {"type": "dns", "queryName": "www.lab.example"}},
        [
            "avi-dsr:services[0].healthMonitor.type: a TCP service needs a TCP monitor: tcp "
            "(HEALTH_MONITOR_TCP) or http (HEALTH_MONITOR_HTTP); a dns monitor checks a listener "
            "the clients do not use"
        ],
    ),
    (
        "dns monitor needs a name to query, and only its own keys",
        {
            "services.0.protocol": "udp",
            "services.0.healthMonitor": {"type": "dns", "path": "/", "recordType": "MX"},
        },
        [
            "avi-dsr:services[0].healthMonitor.path: only applies to type: http; remove it",
            "avi-dsr:services[0].healthMonitor.queryName: is required",
            "avi-dsr:services[0].healthMonitor.recordType: must be one of A, AAAA, got 'MX'",
        ],
    ),
    (
        "auto vip without a network to allocate from",
        {"services.0.vip": "auto", "services.0.placement": None},
        [
            "avi-dsr:services[0].vip: auto asks the controller's IPAM for the VIP, which needs "
            "the Avi network to allocate from: set avi-dsr:services[0].placement.vipNetwork (or "
            "avi-dsr:placement.vipNetwork)"
        ],
    ),
    (
        "vip outside its placement subnet",
        {"services.0.placement.vipSubnet": "192.0.2.0/24"},
        [
            "avi-dsr:services[0].vip: 203.0.113.10 is outside "
            "avi-dsr:services[0].placement.vipSubnet 192.0.2.0/24"
        ],
    ),
    (
        "vip is the subnet's broadcast address",
        {"services.0.vip": "203.0.113.255"},
        [
            "avi-dsr:services[0].vip: 203.0.113.255 is the network or broadcast address of "
            "203.0.113.0/24"
        ],
    ),
    (
        "subnet with host bits",
        {"services.0.placement.vipSubnet": "203.0.113.1/24"},
        [
            "avi-dsr:services[0].placement.vipSubnet: 203.0.113.1/24 has host bits set; the "
            "subnet is 203.0.113.0/24"
        ],
    ),
    (
        "static vip on a network without its subnet",
        {"services.0.placement.vipSubnet": None},
        [
            "avi-dsr:services[0].placement.vipSubnet: is required with vipNetwork for a static "
            "VIP: the subnet of that network holding 203.0.113.10, e.g. 203.0.113.0/24"
        ],
    ),
    (
        "subnet without a network",
        {"services.0.placement.vipNetwork": None},
        [
            "avi-dsr:services[0].placement.vipSubnet: needs vipNetwork, the Avi network that "
            "holds 203.0.113.0/24"
        ],
    ),
    (
        "ipv6 subnet on an ipv4 service",
        {"services.0.placement.vip6Subnet": "2001:db8:100::/64"},
        [
            "avi-dsr:services[0].placement.vip6Subnet: only applies to IPv6 services; this one "
            "is IPv4 (use vipSubnet)"
        ],
    ),
    (
        "server network holding none of the servers",
        {
            "services.0.placement.serverNetworks": [
                {"network": "seg-web", "subnet": "198.51.100.0/24"},
                {"network": "seg-dns", "subnet": "192.0.2.0/24"},
                {"network": "seg-x"},
            ]
        },
        [
            "avi-dsr:services[0].placement.serverNetworks[2].subnet: is required (the servers' "
            "subnet on that network)",
            "avi-dsr:services[0].placement.serverNetworks[1].subnet: 192.0.2.0/24 holds none of "
            "the service's IPv4 servers (web01 198.51.100.11, web02 198.51.100.12); list the "
            "subnets the Service Engines reach the servers on",
        ],
    ),
    (
        "routed servers with l2 dsr",
        {
            "services.0.networkProfile": {"dsrType": "L2"},
            "services.0.placement.routedServers": True,
        },
        [
            "avi-dsr:services[0].placement.routedServers: routed servers need L3 DSR: L2 DSR "
            "rewrites MAC addresses and reaches only servers on a Service Engine's own segment; "
            "use dsrType L3 or remove routedServers"
        ],
    ),
    (
        "prepared ipv6 vip on an ipv6 service",
        {
            "controller.apiVersion": "30.2.1",
            "services.0.vip": None,
            "services.0.vip6": "2001:db8:100::20",
            "services.0.placement": None,
        },
        [
            "avi-dsr:services[0].prepareVip6: only applies to IPv4 services (it readies the "
            "servers for an IPv6 VIP that no Avi object carries yet); this service already has "
            "vip6: remove prepareVip6"
        ],
    ),
    (
        "apiVersion newer than the project knows",
        {"controller.apiVersion": "31.1.1"},
        [
            "avi-dsr:controller.apiVersion: 31.1.1 is newer than the newest Avi release avi-dsr "
            'knows (30.2.1), so its bodies could not be checked; use "30.2.1" (a newer '
            "controller accepts it) or leave apiVersion unset to use the controller's version"
        ],
    ),
    (
        "a default subnet without a network is reported once, not per service",
        {
            "services": [
                {"name": "web", "vip": "203.0.113.10", "ports": [80], "servers": ["web01"]},
                {"name": "api", "vip": "203.0.113.11", "ports": [443], "servers": ["web02"]},
            ],
            "placement": {"vipSubnet": "203.0.113.0/24"},
        },
        [
            "avi-dsr:placement.vipSubnet: needs vipNetwork, the Avi network that holds "
            "203.0.113.0/24"
        ],
    ),
    (
        "typo in the stack default placement",
        {"placement": {"vipNetwrok": "seg-vip"}},
        ["avi-dsr:placement.vipNetwrok: unknown key; did you mean 'vipNetwork'?"],
    ),
    (
        "stack default subnet that does not hold the vip",
        {
            "services.0.placement": None,
            "placement": {"vipNetwork": "seg-vip", "vipSubnet": "192.0.2.0/24"},
        },
        [
            "avi-dsr:services[0].vip: 203.0.113.10 is outside avi-dsr:placement.vipSubnet "
            "192.0.2.0/24"
        ],
    ),
    (
        "gateway outside the subnet",
        {"servers.0.gateway4": "192.0.2.1"},
        [
            "avi-dsr:servers[0].gateway4: 192.0.2.1 is outside 198.51.100.0/24; the gateway "
            "must be on the server's subnet"
        ],
    ),
]


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_reports_exact_problems(change, expected):
    assert problems_of(_with(change)) == expected


def test_every_problem_is_reported_at_once():
    values = _with(
        {
            "servers.0.ipv4": "not-an-ip/24",
            "services.0.vip6": "2001:db8:100::10",
            "services.0.ports": [0],
            "services.0.servers": ["web01", "nope"],
        }
    )
    problems = problems_of(values)
    keys = [p.split(":", 2)[1] for p in problems]
    assert keys == [
        "servers[0].ipv4",
        "services[0].vip6",
        "services[0].ports[0]",
        "services[0].servers[1]",
    ], problems


def test_error_message_lists_every_problem_with_its_key():
    with pytest.raises(ConfigError) as caught:
        parse_stack(_with({"services.0.ports": [0, 99999]}))
    text = str(caught.value)
    assert text.startswith("2 problems in the stack config:\n")
    assert "  - avi-dsr:services[0].ports[0]: port must be between 1 and 65535, got 0" in text
    assert "  - avi-dsr:services[0].ports[1]:" in text


def test_deploy_mode_requires_the_secrets():
    problems = problems_of(copy.deepcopy(LAB_VALUES), secrets_present=[])
    assert problems == [
        "avi-dsr:vcenterPassword: is required for vsphere servers; set it with "
        "`pulumi config set --secret avi-dsr:vcenterPassword`",
        "avi-dsr:controllerPassword: is required; set it with "
        "`pulumi config set --secret avi-dsr:controllerPassword`",
    ]
    parse_stack(
        copy.deepcopy(LAB_VALUES), secrets_present=["controllerPassword", "vcenterPassword"]
    )


def test_unknown_top_level_key_is_flagged():
    values = copy.deepcopy(LAB_VALUES)
    values["service"] = []
    assert problems_of(values) == ["avi-dsr:service: unknown key; did you mean 'services'?"]


@pytest.mark.parametrize(
    ("address", "url"),
    [
        ("avi.lab.example", "https://avi.lab.example"),
        ("http://127.0.0.1:19443/", "http://127.0.0.1:19443"),
        ("2001:db8::5", "https://[2001:db8::5]"),
    ],
)
def test_controller_url_is_the_one_the_providers_use(address, url):
    """The vs_url output must point where the providers talk, bare IPv6 included."""
    stack = parse_stack(_with({"controller.address": address}))
    assert stack.controller.base_url == url


def test_link_local_ipv6_gateway_is_accepted():
    """The renderer routes via a link-local IPv6 router on-link; the config must let it through."""
    stack = parse_stack(_with({"servers.0.gateway6": "fe80::1"}))
    assert str(stack.server_spec("web01").gateway6) == "fe80::1"
    assert problems_of(_with({"servers.0.gateway4": "169.254.0.1"})) == [
        "avi-dsr:servers[0].gateway4: 169.254.0.1 is outside 198.51.100.0/24; the gateway "
        "must be on the server's subnet"
    ]


def test_renderer_rules_surface_under_config_keys():
    """The renderer's own ServerSpec checks (here: IPv6 needs MTU >= 1320) use config keys."""
    problems = problems_of(_with({"servers.0.mtu": 1300}))
    assert len(problems) == 1 and problems[0].startswith("avi-dsr:servers[0].mtu: "), problems


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        ([80], (PortRange(80, 80),)),
        (["8000-8010", 443], (PortRange(8000, 8010), PortRange(443, 443))),
        ([" 53 "], (PortRange(53, 53),)),
    ],
)
def test_ports_parse(ports, expected):
    stack = parse_stack(_with({"services.0.ports": ports}))
    assert stack.services[0].ports == expected


def test_ssh_defaults_merge_and_tilde_expands(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    values = _with(
        {
            "servers.0": {
                "name": "web01",
                "kind": "existing",
                "ipv4": "198.51.100.11/24",
                "ipv6": "2001:db8:20::11/64",
                "ssh": {
                    "host": "127.0.0.1",
                    "hostKey": "ssh-ed25519 AAAAC3",
                    "stageRoot": "~/stage",
                },
            }
        }
    )
    values["ssh"] = {"user": "root", "port": 2222, "privateKeyFile": "~/id"}
    ssh = parse_stack(values).server("web01").ssh
    assert (ssh.host, ssh.port, ssh.user) == ("127.0.0.1", 2222, "root")
    assert ssh.private_key_file == f"{tmp_path}/id" and ssh.stage_root == f"{tmp_path}/stage"


def test_wait_adopt_and_controller_timeouts_parse():
    stack = parse_stack(
        _with(
            {
                "services.0.waitForUpSeconds": 0,
                "services.0.adopt": {"pool": "legacy-pool", "vsvip": "legacy-vsvip"},
                "controller.connectTimeout": 5,
                "controller.readTimeout": 120,
            }
        )
    )
    service = stack.services[0]
    assert service.wait_for_up_seconds == 0
    assert service.adopted("pool") == "legacy-pool" and service.adopted("vsvip") == "legacy-vsvip"
    assert service.adopted("virtualService") is None
    assert (stack.controller.connect_timeout, stack.controller.read_timeout) == (5, 120)
    default = parse_stack(copy.deepcopy(LAB_VALUES))
    assert default.services[0].wait_for_up_seconds == 600
    assert (default.controller.connect_timeout, default.controller.read_timeout) == (10, 60)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"services.0.waitForUpSeconds": -1}, "avi-dsr:services[0].waitForUpSeconds: must be"),
        ({"services.0.adopt": {"poool": "x"}}, "avi-dsr:services[0].adopt.poool"),
        ({"services.0.adopt": {"pool": " "}}, "avi-dsr:services[0].adopt.pool: must be a non"),
        ({"services.0.adopt": "web-pool"}, "avi-dsr:services[0].adopt"),
        ({"controller.readTimeout": 0}, "avi-dsr:controller.readTimeout: must be between 1"),
        ({"controller.connectTimeout": "5s"}, "avi-dsr:controller.connectTimeout: must be an"),
    ],
)
def test_bad_wait_adopt_and_timeouts_name_their_key(change, expected):
    assert any(p.startswith(expected) for p in problems_of(_with(change))), problems_of(
        _with(change)
    )
