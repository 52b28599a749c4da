"""cloud-init payloads: real `cloud-init schema`, real datasource/renderer code, guestinfo."""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from avi_dsr.server import (
    MODULES_LOAD_PATH,
    SYSCTL_PATH,
    guestinfo_extra_config,
    render_cloud_init,
    render_modules_load,
    render_netplan,
    render_sysctl,
)
from avi_dsr.server.modules import required_modules
from server_cases import CASES, spec
from server_tools import CLOUD_INIT, SYSTEM_PYTHON

# Runs inside Debian's python3: the VMware datasource's metadata processing, then the same
# parse + netplan render that cloud-init's distro code does at init-local (no postcmds).
PASSTHROUGH = """
import sys
from cloudinit.net import netplan, network_state
from cloudinit.sources.DataSourceVMware import load_json_or_yaml, process_metadata

metadata = process_metadata(load_json_or_yaml(open(sys.argv[1]).read()))
config = metadata["network"]["config"]
renderer = netplan.Renderer(config={"postcmds": False})
state = network_state.parse_net_config_data(config, renderer=renderer)
renderer.render_network_state(state, target=sys.argv[2])
"""


@pytest.mark.parametrize("case", sorted(CASES))
def test_user_data_passes_real_cloud_init_schema(case, cloud_init_schema):
    result = cloud_init_schema(render_cloud_init(spec(case)).user_data)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Valid cloud-config" in result.stdout


def test_schema_check_can_fail(cloud_init_schema):
    """Control: a user-data with a misspelt write_files key is rejected by the same harness."""
    broken = render_cloud_init(spec("v4-only-2204")).user_data.replace("permissions:", "perms:")
    result = cloud_init_schema(broken)
    assert result.returncode != 0
    assert "perms" in result.stdout + result.stderr


def test_network_config_schema_where_cloud_init_can(tmp_path):
    """cloud-init 22.4 has no network-config schema mode (`--schema-type` came later and needs
    netplan's Python API); there the netplan tests validate the very same text instead."""
    if not Path(CLOUD_INIT).exists():
        pytest.skip("cloud-init not installed")
    helptext = subprocess.run(
        [CLOUD_INIT, "schema", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    if "--schema-type" not in helptext:
        pytest.skip("this cloud-init cannot validate network-config (22.4: -c/--annotate only)")
    path = tmp_path / "network-config"
    path.write_text(render_cloud_init(spec("dual-stack-2204")).network_config)
    result = subprocess.run(
        [CLOUD_INIT, "schema", "--schema-type", "network-config", "-c", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_user_data_writes_files_and_applies_them(case):
    server = spec(case)
    text = render_cloud_init(server).user_data
    assert text.startswith("#cloud-config\n")
    document = yaml.safe_load(text)
    assert document["hostname"] == "web01"
    assert document["write_files"] == [
        {
            "path": SYSCTL_PATH,
            "owner": "root:root",
            "permissions": "0644",
            "content": render_sysctl(server),
        },
        {
            "path": MODULES_LOAD_PATH,
            "owner": "root:root",
            "permissions": "0644",
            "content": render_modules_load(server),
        },
    ]
    assert document["runcmd"] == [["modprobe", m] for m in required_modules(server)] + [
        ["sysctl", "-p", SYSCTL_PATH]
    ]
    assert document["updates"] == {"network": {"when": ["boot-new-instance"]}}
    for secret_key in ("password", "chpasswd", "ssh_authorized_keys", "users", "ssh_keys"):
        assert secret_key not in text


@pytest.mark.parametrize("case", sorted(CASES))
def test_meta_data_and_network_config(case):
    server = spec(case)
    payloads = render_cloud_init(server)
    meta = yaml.safe_load(payloads.meta_data)
    assert list(meta) == ["instance-id", "local-hostname", "network"]
    assert meta["local-hostname"] == "web01"
    assert meta["instance-id"].startswith("web01-")
    assert meta["network"] == yaml.safe_load(render_netplan(server))["network"]
    assert payloads.network_config == render_netplan(server)


def test_a_gre_server_loads_ip_gre_at_first_boot_and_every_boot():
    document = yaml.safe_load(render_cloud_init(spec("ipip-and-gre-2204")).user_data)
    assert ["modprobe", "ip_gre"] in document["runcmd"]
    modules = document["write_files"][1]["content"].splitlines()
    assert "ip_gre" in modules and "ipip" in modules


def test_instance_id_follows_the_config():
    base = render_cloud_init(spec("dual-stack-2204")).meta_data
    same = render_cloud_init(spec("dual-stack-2204")).meta_data
    assert yaml.safe_load(base)["instance-id"] == yaml.safe_load(same)["instance-id"]
    for change in (
        {"vips4": ["203.0.113.99"]},
        {"vips4": [], "gre_vips4": ["203.0.113.10"]},  # same VIP, now a GRE service's
        {"underlay_mtu": 9000},
        {"ubuntu_release": "24.04"},
        {"dns": ["198.51.100.53"]},
        {"name": "web02"},
    ):
        changed = render_cloud_init(spec("dual-stack-2204", **change)).meta_data
        assert yaml.safe_load(changed)["instance-id"] != yaml.safe_load(base)["instance-id"], change


@pytest.mark.skipif(not Path(SYSTEM_PYTHON).exists(), reason="Debian python3 not installed")
@pytest.mark.parametrize("case", ["dual-stack-2204", "several-vips-2404"])
def test_cloud_init_passes_our_network_through_to_netplan(case, tmp_path):
    """The real VMware datasource + netplan renderer code keep `tunnels` verbatim."""
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import cloudinit"], capture_output=True, timeout=60
    )
    if probe.returncode != 0:
        pytest.skip("cloud-init's Python package is not importable by /usr/bin/python3")
    server = spec(case)
    meta_path = tmp_path / "meta-data"
    meta_path.write_text(render_cloud_init(server).meta_data)
    target = tmp_path / "target"
    result = subprocess.run(
        [SYSTEM_PYTHON, "-c", PASSTHROUGH, str(meta_path), str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    written = yaml.safe_load((target / "etc/netplan/50-cloud-init.yaml").read_text())
    assert written == yaml.safe_load(render_netplan(server))


def _decode(value: str) -> str:
    return gzip.decompress(base64.b64decode(value)).decode()


@pytest.mark.parametrize("case", sorted(CASES))
def test_guestinfo_decodes_back_to_the_rendered_payloads(case):
    server = spec(case)
    extra = guestinfo_extra_config(server)
    assert sorted(extra) == [
        "guestinfo.metadata",
        "guestinfo.metadata.encoding",
        "guestinfo.userdata",
        "guestinfo.userdata.encoding",
    ]
    assert extra["guestinfo.metadata.encoding"] == "gzip+base64"
    assert extra["guestinfo.userdata.encoding"] == "gzip+base64"
    payloads = render_cloud_init(server)
    assert _decode(extra["guestinfo.metadata"]) == payloads.meta_data
    assert _decode(extra["guestinfo.userdata"]) == payloads.user_data
    # gzip header: MTIME (bytes 4-7) is zero, so the bytes never depend on the clock
    assert base64.b64decode(extra["guestinfo.userdata"])[4:8] == b"\0\0\0\0"


def test_guestinfo_bytes_are_identical_across_processes():
    code = (
        "import json; from server_cases import spec; "
        "from avi_dsr.server import guestinfo_extra_config, config_digest; "
        "s = spec('several-vips-2404'); "
        "print(json.dumps([guestinfo_extra_config(s), config_digest(s)]))"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(Path(__file__).parent)}
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
        )
        assert proc.returncode == 0, proc.stderr
        outputs.add(proc.stdout)
    assert len(outputs) == 1
    extra, _digest = json.loads(outputs.pop())
    assert extra == guestinfo_extra_config(spec("several-vips-2404"))
