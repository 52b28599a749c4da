"""`__main__.py` under mocks with each stack file: the expected resources, nothing else."""

from __future__ import annotations

import json
import runpy
from collections import Counter
from pathlib import Path

import pulumi
import pytest
import yaml
from avi_dsr.checkpoints import unsafe_without_checkpoints
from avi_dsr.config import parse_stack
from dsr_mocks import pulumi_env

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "__main__.py"
AVI = "avi-dsr:avi:"
SECRET_VALUES = {
    "avi-dsr:controllerPassword": "admin",
    "avi-dsr:vcenterPassword": "vc-pw",
    "avi-dsr:sshPrivateKey": "unused",
}


def stack_config(stack: str) -> tuple[dict[str, str], list[str]]:
    """A stack file's config as the engine hands it over: objects as JSON, secrets decrypted."""
    raw = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    config = {
        k: v if isinstance(v, str) else json.dumps(v)
        for k, v in raw.items()
        if not (isinstance(v, dict) and "secure" in v)
    }
    config["avi-dsr:controllerPassword"] = SECRET_VALUES["avi-dsr:controllerPassword"]
    if "avi-dsr:vcenter" in config:
        config["avi-dsr:vcenterPassword"] = SECRET_VALUES["avi-dsr:vcenterPassword"]
    secret_keys = [k for k in config if k in SECRET_VALUES]
    return config, secret_keys


def run_stack(stack: str):
    config, secret_keys = stack_config(stack)
    with pulumi_env(config, secret_keys, vm_addresses={}) as env:
        env.run(lambda: runpy.run_path(str(MAIN), run_name="__main__"))
        outputs = {k: env.value(v) for k, v in env.exports.items()}
    return env, outputs


def resource_set(env) -> Counter:
    return Counter((r.typ.rsplit(":", 1)[-1], r.name) for r in env.monitor.registered)


def avi_objects(service: str, monitor: bool = True) -> list[tuple[str, str]]:
    names = [
        ("L3DsrService", service),
        ("NetworkProfile", f"{service}-np"),
        ("Pool", f"{service}-pool"),
        ("VsVip", f"{service}-vsvip"),
        ("VirtualService", f"{service}-vs"),
    ]
    return names + ([("HealthMonitor", f"{service}-hm")] if monitor else [])


def allocated_avi_objects(service: str) -> list[tuple[str, str]]:
    """A service whose VIP the controller allocates: its VsVip is made ahead, under DsrVip."""
    made_ahead = [("DsrVip", f"{service}-vsvip")]
    return made_ahead + avi_objects(service)


def vsphere_server(name: str) -> list[tuple[str, str]]:
    """A VM with a vCenter provider of its own (one vCenter session per VM)."""
    return [("vsphere", f"vcenter-{name}"), ("VsphereDsrServer", name), ("VirtualMachine", name)]


def existing_server(name: str) -> list[tuple[str, str]]:
    """The remote command plus the bounded SSH checks before its apply and its remove."""
    return [
        ("ExistingDsrServer", name),
        ("Command", name),
        ("Command", f"{name}-ssh-check"),
        ("Command", f"{name}-ssh-check-remove"),
    ]


@pytest.fixture
def local_home(tmp_path, monkeypatch):
    """The local stack's key files, under a throwaway HOME (`~` in the stack expands there)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    ssh = tmp_path / ".cache/avi-dsr/local/ssh"
    ssh.mkdir(parents=True)
    (ssh / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nlocal\n")
    (ssh / "ssh_host_ed25519_key.pub").write_text("ssh-ed25519 AAAAC3NzaLocalHost root@local\n")
    return tmp_path


EXPECTED = {
    "lab": [
        ("avi-dsr", "avi@avi.lab.example"),
        *vsphere_server("web01"),
        *vsphere_server("web02"),
        *avi_objects("web"),
    ],
    "prod": [
        ("avi-dsr", "avi@avi.prod.example"),
        *[r for n in ("web11", "web12", "web13", "dns11", "dns12") for r in vsphere_server(n)],
        *avi_objects("www"),
        *allocated_avi_objects("api"),
        *avi_objects("dns"),
    ],
    "lab6": [
        ("avi-dsr", "avi@avi.lab.example"),
        *vsphere_server("web01"),
        *vsphere_server("web02"),
        *avi_objects("web"),
        *avi_objects("web6"),
    ],
    "local": [
        ("avi-dsr", "avi@127.0.0.1-19443"),
        *vsphere_server("web01"),
        *vsphere_server("web02"),
        *avi_objects("web"),
    ],
    "existing": [
        ("avi-dsr", "avi@127.0.0.1-19443"),
        *existing_server("web01"),
        *existing_server("web02"),
        *avi_objects("web"),
    ],
}


@pytest.mark.parametrize("stack", sorted(EXPECTED))
def test_stack_registers_the_expected_resources(stack, local_home):
    env, outputs = run_stack(stack)
    assert resource_set(env) == Counter(EXPECTED[stack])
    assert env.monitor.duplicate_urns() == []
    assert set(outputs) == {"services", "servers"}


def test_lab_outputs(local_home):
    _, outputs = run_stack("lab")
    web = outputs["services"]["web"]
    assert (web["vip"], web["vip6"]) == ("203.0.113.10", None)
    assert web["poolMembers"] == ["198.51.100.11", "198.51.100.12"]
    assert web["vsUrl"].startswith("https://avi.lab.example/#!/applications/virtualservice/")
    assert set(web["serverDigests"]) == {"web01", "web02"}


def test_prod_dns_service_is_udp_fast_path(local_home):
    env, _ = run_stack("prod")
    body = env.monitor.named("dns-np", AVI + "NetworkProfile").body
    assert body["profile"]["type"] == "PROTOCOL_TYPE_UDP_FAST_PATH"
    assert body["profile"]["udp_fast_path_profile"]["dsr_profile"]["dsr_type"] == "DSR_TYPE_L3"
    vs = env.monitor.named("dns-vs", AVI + "VirtualService").body
    assert vs["services"] == [{"port": 53}]


def test_local_stack_mirrors_the_lab_on_ipv4_and_22_1_4():
    local, lab = (stack_config(name)[0] for name in ("local", "lab"))
    assert json.loads(local["avi-dsr:controller"])["apiVersion"] == "22.1.4"
    assert [k for k in lab if k not in local] == []
    for server_local, server_lab in zip(
        json.loads(local["avi-dsr:servers"]), json.loads(lab["avi-dsr:servers"]), strict=True
    ):
        ipv4_only = {k: v for k, v in server_lab.items() if k not in ("ipv6", "gateway6")}
        ipv4_only["vsphere"] = {**ipv4_only["vsphere"], "waitForGuestNetMinutes": 2}
        assert server_local == ipv4_only
    (service_local,) = json.loads(local["avi-dsr:services"])
    (service_lab,) = json.loads(lab["avi-dsr:services"])
    assert service_local == {k: v for k, v in service_lab.items() if k != "prepareVip6"}
    vcenter_local = json.loads(local["avi-dsr:vcenter"])
    vcenter_lab = json.loads(lab["avi-dsr:vcenter"])
    inventory = ("datacenter", "cluster", "datastore", "folder", "template", "network")
    assert {k: vcenter_local[k] for k in inventory} == {k: vcenter_lab[k] for k in inventory}


def test_existing_stack_stages_under_the_cache_and_checks_the_host_key(local_home):
    env, _ = run_stack("existing")
    cmd = env.monitor.named("web02", "command:remote:Command").plain
    assert cmd["connection"]["hostKey"] == "ssh-ed25519 AAAAC3NzaLocalHost"
    assert cmd["connection"]["port"] == 2222 and cmd["connection"]["user"] == "root"
    assert f"{local_home}/.cache/avi-dsr/local/stage/web02" in cmd["create"]
    vs = env.monitor.named("web-vs", AVI + "VirtualService")
    assert env.monitor.provider_of(vs).plain["controller"] == "http://127.0.0.1:19443"


def test_bad_config_fails_cleanly_with_every_problem_and_registers_nothing(local_home):
    config, secret_keys = stack_config("lab")
    services = json.loads(config["avi-dsr:services"])
    services[0]["ports"] = [0]
    services[0]["servers"] = ["web01", "web09"]
    config["avi-dsr:services"] = json.dumps(services)
    del config["avi-dsr:controllerPassword"]
    with pulumi_env(config, [k for k in secret_keys if k in config]) as env:
        with pytest.raises(pulumi.RunError) as caught:
            env.run(lambda: runpy.run_path(str(MAIN), run_name="__main__"))
        assert env.monitor.registered == []
    assert str(caught.value).splitlines() == [
        "3 problems in the stack config:",
        "  - avi-dsr:services[0].ports[0]: port must be between 1 and 65535, got 0",
        "  - avi-dsr:services[0].servers[1]: unknown server 'web09'; define it in "
        "avi-dsr:servers (known: web01, web02)",
        "  - avi-dsr:controllerPassword: is required; set it with "
        "`pulumi config set --secret avi-dsr:controllerPassword`",
    ]


def test_missing_key_file_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    config, secret_keys = stack_config("existing")
    with pulumi_env(config, secret_keys) as env:
        with pytest.raises(pulumi.RunError, match=r"servers\[0\]\.ssh\.hostKeyFile: file "):
            env.run(lambda: runpy.run_path(str(MAIN), run_name="__main__"))
        assert env.monitor.registered == []


def test_skip_checkpoints_is_refused_for_a_stack_that_clones_vms(local_home, monkeypatch):
    """Without checkpoints a crashed run forgets what it made: only crash-safe creates may."""
    monkeypatch.setenv("PULUMI_SKIP_CHECKPOINTS", "true")
    config, secret_keys = stack_config("lab")
    with pulumi_env(config, secret_keys) as env:
        with pytest.raises(pulumi.RunError, match=r"PULUMI_SKIP_CHECKPOINTS=true .*web01, web02"):
            env.run(lambda: runpy.run_path(str(MAIN), run_name="__main__"))
        assert env.monitor.registered == []


def test_skip_checkpoints_is_fine_for_existing_servers_and_previews(local_home, monkeypatch):
    monkeypatch.setenv("PULUMI_SKIP_CHECKPOINTS", "1")
    env, _ = run_stack("existing")  # existing servers only: every create is crash-safe
    assert env.monitor.named("web-vs", AVI + "VirtualService")
    raw = yaml.safe_load((ROOT / "stacks" / "Pulumi.lab.yaml").read_text())["config"]
    values = {k.split(":", 1)[1]: v for k, v in raw.items() if "secure" not in str(v)}
    lab = parse_stack(values, secrets_present={"controllerPassword", "vcenterPassword"})
    assert unsafe_without_checkpoints(lab, {"PULUMI_SKIP_CHECKPOINTS": "1"}, True) is None
    assert unsafe_without_checkpoints(lab, {"PULUMI_SKIP_CHECKPOINTS": "false"}, False) is None
    assert unsafe_without_checkpoints(lab, {}, False) is None
