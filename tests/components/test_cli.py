"""`avi-dsr render`: good stacks write readable files; bad stacks exit non-zero with all errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from avi_dsr.cli import main
from avi_dsr.config import parse_stack
from avi_dsr.config.sources import values_from_stack_file
from avi_dsr.server import (
    render_apply_script,
    render_cloud_init,
    render_netplan,
    render_remove_script,
)

ROOT = Path(__file__).resolve().parents[2]
VM_FILES = {
    "sysctl.conf",
    "modules-load.conf",
    "netplan.yaml",
    "user-data",
    "meta-data",
    "network-config",
}
EXISTING_SERVER_FILES = {
    "sysctl.conf",
    "modules-load.conf",
    "netplan.yaml",
    "mss.nft",
    "avi-dsr-mss.service",
    "apply.sh",
    "remove.sh",
}
SERVICE_FILES = {
    "networkprofile.json",
    "healthmonitor.json",
    "pool.json",
    "vsvip.json",
    "virtualservice.json",
}


def test_lab_stack_renders_every_file(tmp_path, capsys):
    assert (
        main(["render", "--stack", str(ROOT / "stacks/Pulumi.lab.yaml"), "--out", str(tmp_path)])
        == 0
    )
    assert "wrote 17 files" in capsys.readouterr().out
    for server in ("web01", "web02"):
        assert {p.name for p in (tmp_path / "servers" / server).iterdir()} == VM_FILES
    assert {p.name for p in (tmp_path / "services/web").iterdir()} == SERVICE_FILES
    stack = parse_stack(values_from_stack_file(ROOT / "stacks/Pulumi.lab.yaml")[0])
    spec = stack.server_spec("web01")
    web01 = tmp_path / "servers/web01"
    assert (web01 / "user-data").read_text() == render_cloud_init(spec).user_data
    assert (web01 / "netplan.yaml").read_text() == render_netplan(spec)
    assert (web01 / "meta-data").read_text() == render_cloud_init(spec).meta_data


def test_rendered_payloads_name_their_refs_and_use_server_ips(tmp_path):
    main(["render", "--stack", str(ROOT / "stacks/Pulumi.lab.yaml"), "--out", str(tmp_path)])
    svc = tmp_path / "services/web"
    vs = json.loads((svc / "virtualservice.json").read_text())
    assert vs["pool_ref"] == "/api/pool?name=web-pool"
    assert vs["network_profile_ref"] == "/api/networkprofile?name=web-np"
    assert vs["vsvip_ref"] == "/api/vsvip?name=web-vsvip"
    pool = json.loads((svc / "pool.json").read_text())
    assert [s["ip"]["addr"] for s in pool["servers"]] == ["198.51.100.11", "198.51.100.12"]
    assert pool["health_monitor_refs"] == ["/api/healthmonitor?name=web-hm"]
    # the write-up's placement, written into the bodies that will be sent
    assert pool["placement_networks"] == [
        {
            "network_ref": "/api/network?name=seg-web&cloud=Default-Cloud",
            "subnet": {"ip_addr": {"addr": "198.51.100.0", "type": "V4"}, "mask": 24},
        }
    ]
    vsvip = json.loads((svc / "vsvip.json").read_text())
    assert vsvip["vip"] == [
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


def test_existing_servers_render_tunnels_only_netplan_and_staged_apply(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    main(["render", "--stack", str(ROOT / "stacks/Pulumi.existing.yaml"), "--out", str(tmp_path)])
    stack = parse_stack(values_from_stack_file(ROOT / "stacks/Pulumi.existing.yaml")[0])
    spec = stack.server_spec("web01")
    web01 = tmp_path / "servers/web01"
    assert (web01 / "netplan.yaml").read_text() == render_netplan(spec, tunnels_only=True)
    stage = f"{tmp_path}/home/.cache/avi-dsr/local/stage/web01"
    assert (web01 / "apply.sh").read_text() == render_apply_script(spec, stage_root=stage)
    assert (web01 / "apply.sh").stat().st_mode & 0o111
    assert (web01 / "remove.sh").read_text() == render_remove_script(spec, stage_root=stage)
    assert {p.name for p in web01.iterdir()} == EXISTING_SERVER_FILES
    assert "maxseg size set 1440" in (web01 / "mss.nft").read_text()


def test_prod_stack_renders_three_services(tmp_path, capsys):
    assert (
        main(["render", "--stack", str(ROOT / "stacks/Pulumi.prod.yaml"), "--out", str(tmp_path)])
        == 0
    )
    assert sorted(p.name for p in (tmp_path / "services").iterdir()) == ["api", "dns", "www"]
    api_vs = json.loads((tmp_path / "services/api/virtualservice.json").read_text())
    assert api_vs["services"] == [{"port": 443}, {"port": 8443, "port_range_end": 8445}]
    dns_hm = json.loads((tmp_path / "services/dns/healthmonitor.json").read_text())
    assert dns_hm["type"] == "HEALTH_MONITOR_DNS"


def test_render_says_which_vips_only_the_controller_can_tell(tmp_path, capsys):
    """prod's api VIP is allocated by IPAM: its servers are rendered without it, and say so."""
    main(["render", "--stack", str(ROOT / "stacks/Pulumi.prod.yaml"), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    for server in ("web11", "web12", "web13"):
        note = (tmp_path / "servers" / server / "PENDING-VIPS.txt").read_text()
        assert note == (
            f"{server} will also hold the IPv4 VIP of service 'api', which the controller "
            "allocates from Avi network seg-prod-vip during `pulumi up`; the files under "
            f"servers/{server}/ leave it out\n"
        )
        assert f"avi-dsr: not known yet: {note.strip()}" in out
    assert not (tmp_path / "servers/dns11/PENDING-VIPS.txt").exists()
    assert "203.0.113.10/32" in (tmp_path / "servers/web11/netplan.yaml").read_text()
    vsvip = json.loads((tmp_path / "services/api/vsvip.json").read_text())
    assert vsvip["vip"][0]["auto_allocate_ip"] is True and "ip_address" not in vsvip["vip"][0]


def test_bad_stack_exits_non_zero_listing_every_error(tmp_path, capsys):
    document = yaml.safe_load((ROOT / "stacks/Pulumi.lab.yaml").read_text())
    config = document["config"]
    config["avi-dsr:services"][0]["vip"] = "198.51.100.11"
    config["avi-dsr:services"][0]["ports"] = ["90-80"]
    config["avi-dsr:servers"][1]["gateway4"] = "192.0.2.1"
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text(yaml.safe_dump(document))
    assert main(["render", "--stack", str(bad), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "3 problems in the stack config:" in err
    assert "avi-dsr:servers[1].gateway4: 192.0.2.1 is outside 198.51.100.0/24" in err
    assert "avi-dsr:services[0].vip: 198.51.100.11 is the address of server 'web01'" in err
    assert "avi-dsr:services[0].ports[0]: range '90-80' ends before it starts" in err
    assert not (tmp_path / "out").exists()


def test_plaintext_secret_in_a_stack_file_is_refused(tmp_path, capsys):
    document = yaml.safe_load((ROOT / "stacks/Pulumi.local.yaml").read_text())
    document["config"]["avi-dsr:controllerPassword"] = "admin"
    bad = tmp_path / "Pulumi.plain.yaml"
    bad.write_text(yaml.safe_dump(document))
    assert main(["render", "--stack", str(bad), "--out", str(tmp_path / "out")]) == 1
    assert "avi-dsr:controllerPassword: must be encrypted" in capsys.readouterr().err


def test_console_script_runs_without_a_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "avi_dsr.cli",
            "render",
            "--stack",
            str(tmp_path / "missing.yaml"),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "cannot read the stack file" in result.stderr and "Traceback" not in result.stderr
