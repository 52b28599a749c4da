"""Component wiring under Pulumi mocks: what gets registered, with which inputs."""

from __future__ import annotations

import copy
import dataclasses
import ipaddress
import shlex
import typing

import pulumi
import pytest
from avi_dsr import network_profile, pool, servers, service, virtual_service
from avi_dsr.config import parse_stack
from avi_dsr.preflight import ServiceFacts
from avi_dsr.program import SshMaterial, build
from avi_dsr.server import (
    ServerSpec,
    config_digest,
    render_apply_script,
    render_cloud_init,
    render_remove_script,
)
from dsr_mocks import (
    ALLOCATED,
    LOCAL_COMMAND,
    REMOTE_COMMAND,
    VSPHERE_PROVIDER,
    VSPHERE_VM,
    decode_guestinfo,
    is_secret,
    plain_text,
    pulumi_env,
)
from dsr_stacks import LAB6_SERVICES, LAB_VALUES

CONTROLLER_PASSWORD = "ctrl-s3cret-pw"
VCENTER_PASSWORD = "vc-s3cret-pw"
SSH_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-key-material\n-----END OPENSSH PRIVATE KEY-----\n"
)
SECRETS = {
    "avi-dsr:controllerPassword": CONTROLLER_PASSWORD,
    "avi-dsr:vcenterPassword": VCENTER_PASSWORD,
}
VM_ADDRESSES = {"web01": "198.51.100.11", "web02": "198.51.100.12", "web03": "198.51.100.13"}
AVI = "avi-dsr:avi:"


def deploy(values, *, material=None, vm_addresses=VM_ADDRESSES):
    """Register the whole deployment for ``values`` under mocks; returns (env, deployment)."""
    stack = parse_stack(values)
    ctx = pulumi_env(SECRETS, list(SECRETS), vm_addresses)
    env = ctx.__enter__()
    try:
        deployment = env.run(lambda: build(stack, material or SshMaterial({}, {})))
        resolved = {
            name: {
                "members": env.value(svc.pool_members),
                "url": env.value(svc.vs_url),
                "digests": env.value(svc.server_digests),
                "vip": env.value(svc.vip),
                "vip6": env.value(svc.vip6),
            }
            for name, svc in deployment.services.items()
        }
    finally:
        ctx.__exit__(None, None, None)
    return env, resolved


@pytest.fixture
def lab():
    return deploy(copy.deepcopy(LAB_VALUES))


def body_of(env, avi_class, name):
    return env.monitor.named(name, AVI + avi_class).body


def test_pool_members_are_the_servers_own_addresses_never_the_vip(lab):
    env, resolved = lab
    servers_ = body_of(env, "Pool", "web-pool")["servers"]
    addrs = [(s["ip"]["addr"], s["ip"]["type"]) for s in servers_]
    # one family per pool: the IPv4 service's members are the servers' IPv4 addresses only
    assert addrs == [("198.51.100.11", "V4"), ("198.51.100.12", "V4")]
    assert resolved["web"]["members"] == [a for a, _ in addrs]
    assert "203.0.113.10" not in str(servers_) and "2001:db8:100::10" not in str(servers_)


def test_vm_reporting_a_vip_still_gives_the_pool_its_own_address():
    _, resolved = deploy(
        copy.deepcopy(LAB_VALUES), vm_addresses={"web01": "203.0.113.10", "web02": None}
    )
    assert resolved["web"]["members"] == ["198.51.100.11", "198.51.100.12"]


DUAL = ServerSpec(
    name="web01",
    ipv4="198.51.100.11/24",
    ipv6="2001:db8:20::11/64",
    vips4=("203.0.113.10",),
    vips6=("2001:db8:100::10",),
)


@pytest.mark.parametrize(
    ("reported", "family", "expected"),
    [
        # the provider lists the tunnel (VIP) first: skipped for the NIC's own address
        (["203.0.113.10", "203.0.113.10", "198.51.100.11"], 4, "198.51.100.11"),
        # link-local and VIPs never; the address on the configured subnet wins over a bridge's
        (
            ["fe80::1", "2001:db8:100::10", "2001:db8:99::5", "2001:db8:20::11"],
            6,
            "2001:db8:20::11",
        ),
        (["172.17.0.1"], 4, "172.17.0.1"),  # only what the VM reports, even off the subnet
        # nothing usable reported (Tools not running, no waiting): the configured address
        ([None, "203.0.113.10", "fe80::1"], 4, "198.51.100.11"),
        ([None], 6, "2001:db8:20::11"),
    ],
)
def test_own_address_is_what_the_vm_reports_never_a_vip(reported, family, expected):
    assert servers.own_address(reported, DUAL, family) == expected


def test_objects_reference_each_other_and_use_the_naming_convention(lab):
    env, _ = lab
    names = {r.body["name"] for r in env.monitor.registered if r.typ.startswith(AVI)}
    assert names == {"web-np", "web-hm", "web-pool", "web-vsvip", "web-vs"}
    vs = body_of(env, "VirtualService", "web-vs")
    assert vs["network_profile_ref"] == "/api/networkprofile/networkprofile-web-np"
    assert vs["pool_ref"] == "/api/pool/pool-web-pool"
    assert vs["vsvip_ref"] == "/api/vsvip/vsvip-web-vsvip"
    assert vs["application_profile_ref"] == "/api/applicationprofile?name=System-L4-Application"
    assert vs["services"] == [{"port": 80}]
    assert body_of(env, "Pool", "web-pool")["health_monitor_refs"] == [
        "/api/healthmonitor/healthmonitor-web-hm"
    ]
    profile = body_of(env, "NetworkProfile", "web-np")["profile"]
    assert profile["type"] == "PROTOCOL_TYPE_TCP_FAST_PATH"
    assert profile["tcp_fast_path_profile"]["dsr_profile"] == {
        "dsr_type": "DSR_TYPE_L3",
        "dsr_encap_type": "ENCAP_IPINIP",
    }
    vip = body_of(env, "VsVip", "web-vsvip")["vip"]
    assert vip == [
        {
            "vip_id": "0",
            "ip_address": {"addr": "203.0.113.10", "type": "V4"},
            "placement_networks": [
                {
                    "network_ref": "/api/network?name=seg-vip&cloud=Default-Cloud",
                    "subnet": {"ip_addr": {"addr": "203.0.113.0", "type": "V4"}, "mask": 24},
                }
            ],
        }
    ]
    assert "ign_pool_net_reach" not in vs and "placement_networks" not in body_of(
        env, "Pool", "web-pool"
    )


def test_pool_uses_consistent_hash_and_the_service_port(lab):
    env, _ = lab
    body = body_of(env, "Pool", "web-pool")
    assert body["lb_algorithm"] == "LB_ALGORITHM_CONSISTENT_HASH"
    assert body["use_service_port"] is True and body["default_server_port"] == 80
    assert body_of(env, "HealthMonitor", "web-hm")["monitor_port"] == 80


def test_guestinfo_decodes_to_the_rendered_cloud_init(lab):
    env, _ = lab
    stack = parse_stack(copy.deepcopy(LAB_VALUES))
    vm = env.monitor.named("web01", VSPHERE_VM).plain
    extra = vm["extraConfig"]
    expected = render_cloud_init(stack.server_spec("web01"))
    assert decode_guestinfo(extra["guestinfo.userdata"]) == expected.user_data
    assert extra["guestinfo.userdata.encoding"] == "gzip+base64"
    assert extra["guestinfo.metadata.encoding"] == "gzip+base64"
    assert "web01" in decode_guestinfo(extra["guestinfo.metadata"])
    assert "customize" not in vm["clone"] and vm["clone"]["templateUuid"] == "tpl-uuid-1"
    assert vm["ignoredGuestIps"] == ["203.0.113.10/32", "2001:db8:100::10/128"]
    assert (vm["numCpus"], vm["memory"]) == (1, 2048)  # from the template lookup
    assert vm["disks"][0]["size"] == 16 and vm["resourcePoolId"] == "resgroup-1"


def test_vsphere_overrides_win_over_the_template():
    values = copy.deepcopy(LAB_VALUES)
    values["servers"][0]["vsphere"] = {
        "cpus": 2,
        "memoryMb": 4096,
        "diskGb": 20,
        "network": "seg-other",
    }
    env, _ = deploy(values)
    vm = env.monitor.named("web01", VSPHERE_VM).plain
    assert (vm["numCpus"], vm["memory"], vm["disks"][0]["size"]) == (2, 4096, 20)
    networks = [a["name"] for t, a in env.mocks.calls if t.endswith("getNetwork")]
    assert sorted(networks) == ["seg-other", "seg-web"]


def test_secrets_reach_resources_only_as_secrets(lab):
    env, _ = lab
    for r in env.monitor.registered:
        text = plain_text(r.inputs)
        assert CONTROLLER_PASSWORD not in text and VCENTER_PASSWORD not in text, r.urn
    avi = env.monitor.of_type("pulumi:providers:avi-dsr")
    assert len(avi) == 1 and is_secret(avi[0].inputs["password"])  # one per controller
    assert avi[0].plain["password"] == CONTROLLER_PASSWORD
    for r in env.monitor.registered:
        if r.typ.startswith(AVI):
            assert "password" not in r.inputs, r.urn  # the provider holds it, not each object
            assert env.monitor.provider_of(r) is avi[0], r.urn
    providers = env.monitor.of_type(VSPHERE_PROVIDER)
    assert len(providers) == 2  # one per VM
    for provider in providers:
        assert is_secret(provider.inputs["password"])
        assert provider.plain["password"] == VCENTER_PASSWORD


def test_each_vm_and_its_lookups_use_a_vcenter_provider_of_their_own(lab):
    # one vCenter session per VM: the provider's task waits share a session's default
    # PropertyCollector, which is not safe for two VMs at once
    env, _ = lab
    vms = env.monitor.of_type(VSPHERE_VM)
    assert sorted(vm.name for vm in vms) == ["web01", "web02"]
    for vm in vms:
        assert f"pulumi:providers:vsphere::vcenter-{vm.name}::" in vm.provider
    assert sorted({p.split("::")[-2] for p in env.mocks.call_providers}) == [
        "vcenter-web01",
        "vcenter-web02",
    ]


def test_no_duplicate_urns_and_components_are_parented(lab):
    env, _ = lab
    assert env.monitor.duplicate_urns() == []
    # the Avi objects sit right under the service: no component per object (issue 12)
    for name, avi_class in [
        ("web-np", "NetworkProfile"),
        ("web-hm", "HealthMonitor"),
        ("web-pool", "Pool"),
        ("web-vsvip", "VsVip"),
        ("web-vs", "VirtualService"),
    ]:
        obj = env.monitor.named(name, AVI + avi_class)
        assert env.monitor.ancestry(obj) == ["avi-dsr:index:L3DsrService"], name
    vm = env.monitor.named("web01", VSPHERE_VM)
    assert env.monitor.ancestry(vm) == ["avi-dsr:index:VsphereDsrServer"]


def test_outputs_link_to_the_controller_ui_and_carry_digests(lab):
    _, resolved = lab
    stack = parse_stack(copy.deepcopy(LAB_VALUES))
    assert resolved["web"]["url"] == (
        "https://avi.lab.example/#!/applications/virtualservice/virtualservice-web-vs/analytics"
    )
    assert resolved["web"]["digests"] == {
        n: config_digest(stack.server_spec(n)) for n in ("web01", "web02")
    }


def _inputs_by_urn(env):
    return {r.urn: r.plain for r in env.monitor.registered}


def test_adding_a_server_changes_only_the_pool_body():
    before, _ = deploy(copy.deepcopy(LAB_VALUES))
    values = copy.deepcopy(LAB_VALUES)
    values["servers"].append(
        dict(values["servers"][1], name="web03", ipv4="198.51.100.13/24", ipv6="2001:db8:20::13/64")
    )
    values["services"][0]["servers"].append("web03")
    after, _ = deploy(values)
    old, new = _inputs_by_urn(before), _inputs_by_urn(after)
    assert set(old) <= set(new)
    changed = sorted(u for u in old if old[u] != new[u])
    assert len(changed) == 1 and changed[0].endswith("::web-pool"), changed
    diff_keys = {k for k in old[changed[0]] if old[changed[0]][k] != new[changed[0]][k]}
    assert diff_keys == {"servers"}
    added = {u.rsplit("::", 1)[1] for u in set(new) - set(old)}
    # the component, its VM and its vCenter provider; nothing else replaced or renamed
    assert added == {"web03", "vcenter-web03"}


def test_a_server_shared_by_two_services_is_built_once_and_holds_both_vips():
    values = copy.deepcopy(LAB_VALUES)
    values["services"].append(
        {"name": "api", "vip": "203.0.113.11", "ports": [443], "servers": ["web01"]}
    )
    env, resolved = deploy(values)
    assert len(env.monitor.of_type(VSPHERE_VM)) == 2
    assert env.monitor.duplicate_urns() == []
    vm = env.monitor.named("web01", VSPHERE_VM).plain
    assert vm["ignoredGuestIps"] == ["203.0.113.10/32", "203.0.113.11/32", "2001:db8:100::10/128"]
    assert resolved["api"]["members"] == ["198.51.100.11"]


def _auto_values(*, existing=False):
    values = _existing_values() if existing else copy.deepcopy(LAB_VALUES)
    values["services"][0]["vip"] = "auto"
    return values


def test_an_allocated_vip_reaches_the_servers_that_must_hold_it():
    """vip: auto -> the VsVip is made first (under DsrVip), the VM is rendered from the address
    the controller allocated and waits for it, and the service uses that VsVip."""
    values = _auto_values()
    env, resolved = deploy(values)
    allocated = ALLOCATED["V4"]
    vsvip = env.monitor.named("web-vsvip", AVI + "VsVip")
    assert env.monitor.ancestry(vsvip) == ["avi-dsr:index:DsrVip"]
    assert vsvip.body["vip"] == [
        {
            "vip_id": "0",
            "auto_allocate_ip": True,
            "auto_allocate_ip_type": "V4_ONLY",
            "ipam_network_subnet": {
                "network_ref": "/api/network?name=seg-vip&cloud=Default-Cloud",
                "subnet": {"ip_addr": {"addr": "203.0.113.0", "type": "V4"}, "mask": 24},
            },
        }
    ]
    stack = parse_stack(values)
    vm = env.monitor.named("web01", VSPHERE_VM)
    assert vsvip.urn in vm.dependencies  # the VM is created after the allocation
    expected = render_cloud_init(stack.server_spec("web01", {"web": allocated}))
    assert decode_guestinfo(vm.plain["extraConfig"]["guestinfo.userdata"]) == expected.user_data
    assert allocated in expected.network_config
    assert vm.plain["ignoredGuestIps"] == [f"{allocated}/32", "2001:db8:100::10/128"]
    assert body_of(env, "VirtualService", "web-vs")["vsvip_ref"] == "/api/vsvip/vsvip-web-vsvip"
    assert len(env.monitor.of_type(AVI + "VsVip")) == 1
    assert resolved["web"]["vip"] == allocated and resolved["web"]["members"] == [
        "198.51.100.11",
        "198.51.100.12",
    ]


def test_an_allocated_vip_reaches_existing_servers_too():
    values = _auto_values(existing=True)
    material = SshMaterial({"web01": "ssh-ed25519 AAAAC3NzaHostKey"}, {"web01": SSH_KEY})
    env, _ = deploy(values, material=material)
    spec = parse_stack(values).server_spec("web01", {"web": ALLOCATED["V4"]})
    cmd = env.monitor.named("web01", REMOTE_COMMAND)
    # the digest of every file rendered from the spec that holds the allocated VIP
    assert cmd.plain["triggers"] == [config_digest(spec)]
    assert ipaddress.ip_address(ALLOCATED["V4"]) in spec.vips4


def test_a_vsvip_stored_without_an_address_fails_the_run():
    """An IPAM range with no free address must not leave servers without the VIP."""
    stack = parse_stack(_auto_values())
    env_ctx = pulumi_env(SECRETS, list(SECRETS), VM_ADDRESSES, allocate=False)
    refused = pytest.raises(Exception, match=r"stored VsVip web-vsvip without an IPv4 address")
    with env_ctx as env, refused:
        env.run(lambda: build(stack, SshMaterial({}, {})))


def test_routed_servers_and_server_networks_are_sent():
    values = copy.deepcopy(LAB_VALUES)
    values["services"][0]["placement"].update(
        routedServers=True, serverNetworks=[{"network": "seg-web", "subnet": "198.51.100.0/24"}]
    )
    env, _ = deploy(values)
    assert body_of(env, "VirtualService", "web-vs")["ign_pool_net_reach"] is True
    assert body_of(env, "Pool", "web-pool")["placement_networks"] == [
        {
            "network_ref": "/api/network?name=seg-web&cloud=Default-Cloud",
            "subnet": {"ip_addr": {"addr": "198.51.100.0", "type": "V4"}, "mask": 24},
        }
    ]


def test_services_carry_their_preflight_facts_under_their_config_keys():
    values = copy.deepcopy(LAB_VALUES)
    values["controller"]["apiVersion"] = "30.2.1"
    values["services"] = copy.deepcopy(LAB6_SERVICES)
    stack = parse_stack(values)
    with pulumi_env(SECRETS, list(SECRETS), VM_ADDRESSES) as env:
        deployment = env.run(lambda: build(stack, SshMaterial({}, {})))
    facts = {name: svc.facts for name, svc in deployment.services.items()}
    assert facts == {
        "web": ServiceFacts.of(stack.services[0], "avi-dsr:services[0]"),
        "web6": ServiceFacts.of(stack.services[1], "avi-dsr:services[1]"),
    }
    assert facts["web6"].ipv6 and not facts["web"].ipv6


def test_an_ipv6_service_pools_ipv6_addresses_behind_its_vip6():
    values = copy.deepcopy(LAB_VALUES)
    values["controller"]["apiVersion"] = "30.2.1"
    values["services"] = copy.deepcopy(LAB6_SERVICES)
    env, resolved = deploy(values)
    assert resolved["web6"]["members"] == ["2001:db8:20::11", "2001:db8:20::12"]
    assert (resolved["web6"]["vip"], resolved["web6"]["vip6"]) == (None, "2001:db8:100::10")
    assert [s["ip"]["type"] for s in body_of(env, "Pool", "web6-pool")["servers"]] == ["V6", "V6"]
    assert resolved["web"]["members"] == ["198.51.100.11", "198.51.100.12"]


def _existing_values(stage_root="/tmp/stage/web01"):
    values = copy.deepcopy(LAB_VALUES)
    values["servers"][0] = {
        "name": "web01",
        "kind": "existing",
        "ipv4": "198.51.100.11/24",
        "ipv6": "2001:db8:20::11/64",
        "ssh": {
            "host": "127.0.0.1",
            "port": 2222,
            "user": "root",
            "hostKey": "ssh-ed25519 AAAAC3NzaHostKey",
            "stageRoot": stage_root,
        },
    }
    return values


def test_existing_server_applies_the_rendered_script_over_checked_ssh():
    values = _existing_values()
    material = SshMaterial({"web01": "ssh-ed25519 AAAAC3NzaHostKey"}, {"web01": SSH_KEY})
    env, resolved = deploy(values, material=material)
    spec = parse_stack(values).server_spec("web01")
    cmd = env.monitor.named("web01", REMOTE_COMMAND)
    staged = "/tmp/stage/web01"
    # run by sh whatever the login shell, bounded by timeout; staged runs need no sudo
    assert unwrap_remote(cmd.plain["create"]) == (
        [],
        DEFAULT_SCRIPT_SECONDS,
        render_apply_script(spec, stage_root=staged),
    )
    # no `update`: the provider re-runs `create`, and the state holds one copy of the script
    assert "update" not in cmd.plain
    assert unwrap_remote(cmd.plain["delete"]) == (
        [],
        DEFAULT_SCRIPT_SECONDS,
        render_remove_script(spec, stage_root=staged),
    )
    assert cmd.plain["triggers"] == [config_digest(spec)]
    conn = cmd.plain["connection"]
    assert (conn["host"], conn["port"], conn["user"]) == ("127.0.0.1", 2222, "root")
    assert conn["hostKey"] == "ssh-ed25519 AAAAC3NzaHostKey"
    assert conn["privateKey"] == SSH_KEY
    assert (conn["perDialTimeout"], conn["dialErrorLimit"]) == (15, 3)
    # the bounded banner check runs here before the apply, and again before the remove
    check = env.monitor.named("web01-ssh-check", LOCAL_COMMAND)
    recheck = env.monitor.named("web01-ssh-check-remove", LOCAL_COMMAND)
    assert check.plain["interpreter"] == ["python3", "-c"]
    assert "127.0.0.1" in check.plain["create"] and "2222" in check.plain["create"]
    assert check.urn in cmd.dependencies
    assert recheck.plain["delete"] == check.plain["create"] and "create" not in recheck.plain
    assert cmd.urn in recheck.dependencies
    assert "secret-key-material" not in plain_text(cmd.inputs)
    assert resolved["web"]["members"] == ["198.51.100.11", "198.51.100.12"]
    pool = env.monitor.named("web-pool", AVI + "Pool")
    assert cmd.urn in pool.dependencies  # configured before the pool sends it traffic
    # only the Pool waits: the health monitor need not wait for server provisioning
    monitor = env.monitor.named("web-hm", AVI + "HealthMonitor")
    assert cmd.urn not in monitor.dependencies


@pytest.mark.parametrize(
    ("user", "stage_root", "sudo"),
    [("root", None, []), ("ubuntu", None, ["sudo", "-n"]), ("ubuntu", "/tmp/s", [])],
)
def test_existing_server_script_runs_as_root_only_when_live(user, stage_root, sudo):
    spec = ServerSpec(name="web01", ipv4="198.51.100.11/24", vips4=("203.0.113.10",))
    args = servers.ExistingDsrServerArgs(
        spec=spec,
        host="198.51.100.11",
        host_key="ssh-ed25519 AAAAC3NzaHostKey",
        private_key="k",
        user=user,
        stage_root=stage_root,
        command_timeout=45,
    )
    with pulumi_env() as env:
        env.run(lambda: servers.ExistingDsrServer("web01", args))
        cmd = env.monitor.named("web01", REMOTE_COMMAND)
    script = render_apply_script(spec, stage_root=stage_root)
    assert unwrap_remote(cmd.plain["create"]) == (sudo, 45, script)
    assert unwrap_remote(cmd.plain["delete"])[:2] == (sudo, 45)


DEFAULT_SCRIPT_SECONDS = 600  # the documented default of ssh.commandTimeout


def unwrap_remote(command: str) -> tuple[list[str], int, str]:
    """``sh -c '[sudo -n] timeout -k K N sh -c SCRIPT; ...report...'`` -> (sudo, N, SCRIPT)."""
    shell, flag, outer = shlex.split(command)
    assert (shell, flag) == ("sh", "-c")
    lexer = shlex.shlex(outer, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words = list(lexer)
    first = words[: words.index(";")]
    sudo = first[: first.index("timeout")]
    _, kill, _, seconds, inner_shell, inner_flag, script = first[len(sudo) :]
    assert (kill, inner_shell, inner_flag) == ("-k", "sh", "-c")
    assert any("timed out after" in w for w in words[len(first) :])
    return sudo, int(seconds), script


def test_ipv6_vip_is_refused_below_30_2_1_before_registering():
    from avi_dsr.avi import AviConnectionArgs
    from avi_dsr.config import PortRange

    conn = AviConnectionArgs(
        controller="avi.example", username="admin", password="x", api_version="22.1.4"
    )
    args = virtual_service.DsrVirtualServiceArgs(
        connection=conn,
        name="web-vs",
        vsvip_name="web-vsvip",
        vip=None,
        vip6="2001:db8:100::10",
        ports=(PortRange(80, 80),),
        network_profile_ref="np",
        pool_ref="pool",
    )
    with pulumi_env() as env:
        with pytest.raises(ValueError, match=r"IPv6 L3 DSR needs Avi 30\.2\.1 or later"):
            env.run(lambda: virtual_service.DsrVirtualService("web-vs", args))
        assert env.monitor.registered == []  # refused before the component registers


ARGS_PAIRS = [
    (network_profile.DsrNetworkProfileArgs, network_profile.DsrNetworkProfileArgsDict),
    (pool.DsrPoolArgs, pool.DsrPoolArgsDict),
    (virtual_service.DsrVirtualServiceArgs, virtual_service.DsrVirtualServiceArgsDict),
    (virtual_service.DsrVipArgs, virtual_service.DsrVipArgsDict),
    (servers.VsphereDsrServerArgs, servers.VsphereDsrServerArgsDict),
    (servers.ExistingDsrServerArgs, servers.ExistingDsrServerArgsDict),
    (service.L3DsrServiceArgs, service.L3DsrServiceArgsDict),
]


@pytest.mark.parametrize(("dc", "td"), ARGS_PAIRS, ids=[p[0].__name__ for p in ARGS_PAIRS])
def test_args_dataclass_and_typeddict_stay_in_sync(dc, td):
    names = {"Output": pulumi.Output, "T": typing.TypeVar("T")}  # pulumi.Input internals
    fields = typing.get_type_hints(dc, localns=names)
    assert [f.name for f in dataclasses.fields(dc)] == list(fields)
    assert fields == typing.get_type_hints(td, localns=names)


def test_components_accept_their_dict_args():
    from avi_dsr.avi import AviConnectionArgs
    from avi_dsr.config import NetworkProfileConfig

    conn = AviConnectionArgs(controller="avi.example", username="admin", password="x")
    with pulumi_env() as env:
        env.run(
            lambda: network_profile.DsrNetworkProfile(
                "dns-np",
                {
                    "connection": conn,
                    "name": "dns-np",
                    "protocol": "udp",
                    "profile": NetworkProfileConfig(idle_timeout=30),
                },
            )
        )
        body = env.monitor.named("dns-np", AVI + "NetworkProfile").body
        with pytest.raises(TypeError, match=r"unknown field\(s\) conection; allowed: "):
            network_profile.DsrNetworkProfile("x", {"conection": conn, "name": "x"})
    assert body["profile"]["udp_fast_path_profile"]["session_idle_timeout"] == 30


@pytest.mark.parametrize(
    ("api", "profile", "message"),
    [
        ("21.1.3", {"encap": "GRE"}, r"GRE encapsulation needs Avi 21\.1\.4 or later"),
        ("22.1.4", {"syn_protection": True}, r"SYN protection cannot work with DSR"),
        ("22.1.4", {"encap": "GRE", "dsr_type": "L2"}, r"GRE only applies to L3 DSR"),
        ("22.1.4", {"dsr_type": "L4"}, r"profile.dsr_type: must be one of L3, L2, got 'L4'"),
    ],
)
def test_network_profile_refuses_unsupported_dsr_before_registering(api, profile, message):
    from avi_dsr.avi import AviConnectionArgs
    from avi_dsr.config import NetworkProfileConfig

    conn = AviConnectionArgs(controller="avi.example", username="a", password="x", api_version=api)
    args = network_profile.DsrNetworkProfileArgs(
        connection=conn, name="np", profile=NetworkProfileConfig(**profile)
    )
    with pulumi_env() as env:
        with pytest.raises(ValueError, match=message):
            env.run(lambda: network_profile.DsrNetworkProfile("np", args))
        assert env.monitor.registered == []


def test_service_outputs_with_the_runtime_test_idiom():
    """The same wiring checked the classic way: return Output.all(...).apply(check)."""
    stack = parse_stack(copy.deepcopy(LAB_VALUES))

    @pulumi.runtime.test
    def program():
        deployment = build(stack, SshMaterial({}, {}))
        web = deployment.services["web"]

        def check(args):
            vip, members, url = args
            assert vip == "203.0.113.10" and vip not in members
            assert members == ["198.51.100.11", "198.51.100.12"]
            assert url.endswith("/virtualservice-web-vs/analytics")

        return pulumi.Output.all(web.vip, web.pool_members, web.vs_url).apply(check)

    with pulumi_env(SECRETS, list(SECRETS), VM_ADDRESSES):
        program()


def test_objects_keep_the_urns_they_had_under_the_per_object_components(lab):
    """Stacks made when each object had its own component (DsrPool, ...) must not see their
    objects replaced: each object carries an alias to its old parent."""
    env, _ = lab
    # urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>
    stack, project, types, _ = env.monitor.named("web", "avi-dsr:index:L3DsrService").urn.split(
        "::"
    )
    formerly = {
        "web-np": ("NetworkProfile", "DsrNetworkProfile", "web-np"),
        "web-hm": ("HealthMonitor", "DsrPool", "web-pool"),
        "web-pool": ("Pool", "DsrPool", "web-pool"),
        "web-vsvip": ("VsVip", "DsrVirtualService", "web-vs"),
        "web-vs": ("VirtualService", "DsrVirtualService", "web-vs"),
    }
    for name, (avi_class, component, component_name) in formerly.items():
        old_parent = f"{stack}::{project}::{types}$avi-dsr:index:{component}::{component_name}"
        assert env.monitor.named(name, AVI + avi_class).alias_parents == (old_parent,), name
