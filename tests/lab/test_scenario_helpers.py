"""Helpers of the in-guest scenario: LB rules, sysctl extraction, drop-reason counters, the
command log."""

import json
import re

import pytest

from lab import seed
from lab.scenario import run, shell, topo
from lab.topology import TOPOLOGY

TOPO = json.loads(json.dumps(TOPOLOGY.to_json_dict()))


def test_lb_rules_put_each_server_in_its_services_only_and_quiesce_inactive_ones():
    rules = topo.ipvs_rules(TOPO, "-e", {"srv2"}).splitlines()
    ipip = [s for s in TOPO["servers"] if "ipip" in s["services"]]
    gre = [s for s in TOPO["servers"] if "gre" in s["services"]]
    assert len(rules) == 4 * len(ipip) + len(gre)
    assert "-e -t 203.0.113.10:80 -r 198.51.100.12:80 -i -w 1" in rules
    assert "-e -u [2001:db8:f::10]:53 -r [2001:db8:d::12]:53 -i -w 1" in rules
    assert "-e -t 203.0.113.10:80 -r 198.51.100.11:80 -i -w 0" in rules
    assert "-e -t 203.0.113.20:80 -r 198.51.100.12:80 -i --tun-type gre -w 1" in rules
    # srv3 is in the IP-in-IP service only: never a GRE real server
    assert not [r for r in rules if "203.0.113.20" in r and "198.51.100.13" in r]


def test_lb_setup_creates_the_virtual_services_in_tunnel_mode_gre_for_the_gre_vip():
    rules = topo.ipvs_rules(TOPO, "-a", set()).splitlines()
    services = [r for r in rules if r.startswith("-A")]
    assert services == [
        "-A -t 203.0.113.10:80 -s rr",
        "-A -u 203.0.113.10:53 -s rr",
        "-A -t [2001:db8:f::10]:80 -s rr",
        "-A -u [2001:db8:f::10]:53 -s rr",
        "-A -t 203.0.113.20:80 -s rr",
    ]
    assert all(" -i " in r for r in rules if r.startswith("-a"))
    gre = [r for r in rules if r.startswith("-a -t 203.0.113.20:80")]
    assert gre and all("--tun-type gre" in r for r in gre)
    assert not [r for r in rules if "--tun-type" in r and "203.0.113.20" not in r]


def test_sysctl_files_come_from_the_rendered_user_data():
    user_data = seed.render_seed(TOPOLOGY.servers[1])["user-data"]
    files = topo.sysctl_files(user_data)
    assert len(files) == 1
    path, content = files[0]
    assert path.startswith("/etc/sysctl.d/")
    assert "net.ipv4.conf.all.rp_filter = 2" in content


@pytest.mark.parametrize(
    ("counter", "kept"),
    [
        ("TcpExtIPReversePathFilter", True),
        ("IpInAddrErrors", True),
        ("Icmp6OutPktTooBigs", True),
        ("IcmpOutDestUnreachs", True),
        ("IpInReceives", False),
        ("TcpActiveOpens", False),
    ],
)
def test_only_counters_that_explain_a_drop_are_kept(counter, kept):
    assert (counter in run.explaining({counter: 1})) is kept


def test_every_command_is_logged_with_elapsed_time_duration_exit_code_and_output(capsys):
    proc = shell.run_logged(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (proc.returncode, proc.stdout) == (3, "out\n")
    log = capsys.readouterr().out
    assert re.fullmatch(
        r" *\d+\.\d \[root\] \$ sh -c 'echo out; echo err >&2; exit 3'  \(\d+\.\ds rc=3\)\n"
        r"    out\n    stderr: err\n",
        log,
    ), log
    with pytest.raises(shell.CommandFailed, match=r"\[root\] false exited 1"):
        shell.sh("false")
    assert shell.sh("false", check=False) == ""


def test_a_long_command_is_logged_with_a_short_stand_in(capsys):
    shell.run_logged(["sh", "-c", "true", "x" * 5000], shown="<long script>")
    log = capsys.readouterr().out
    assert "sh -c true <long script>" in log and "xxxx" not in log
