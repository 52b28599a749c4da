"""Checks 0-10 judged from measurements: table-driven; every threshold shown to fail too."""

import copy

import pytest

from lab.scenario import verdicts


def good_download() -> dict:
    return {
        "curl": {"code": 200, "size": 2 << 20, "time": 3.0},
        "lb_rx_bytes": 34000,
        "lb_return_bytes": 0,
        "lb_tx_bytes": 4500,
        "client_rx_bytes": 2_200_000,
        "tunnel_rx_packets": {"dsr4": 70},
        "pcap": {
            "lb_src_vip": 0,
            "server_plain_replies_from_vip": 1500,
            "server_encapsulated_out": 0,
            "server_encapsulated_in": 70,
            "client_from_vip": 1500,
        },
    }


def good_state(applied: bool) -> dict:
    """A snapshot of the existing server (live.SNAPSHOT sections), before or after apply."""
    tunnels = ["dsr4@NONE: <NOARP,UP,LOWER_UP> ipip remote any local 198.51.100.31"] * applied
    return {
        "addresses": ["ens192 inet 198.51.100.31/24", *(["dsr4 inet 203.0.113.10/32"] * applied)],
        "links": ["ens192@if9: <BROADCAST,UP>", "tunl0@NONE: <NOARP>", *tunnels],
        "routes": ["default via 198.51.100.1 dev ens192"],
        "sysctl": [f"net.ipv4.conf.all.arp_ignore = {int(applied)}"],
        "files": ["/etc/netplan/50-existing.yaml 600", *(["/etc/avi-dsr/mss.nft 600"] * applied)],
        "nft": ["table inet avi_dsr {"] * applied,
        "units": ["enabled", "active"] if applied else ["disabled", "inactive"],
        "rc": 0,
    }


def good_existing() -> dict:
    script = {"rc": 0, "seconds": 20.0, "stdout": [], "stderr": []}
    traffic = {
        "whoami": "live1",
        "curl": {"code": 200, "size": 2 << 20},
        "lb_rx_bytes": 35_000,  # the client's ACKs: 1.6 % of the download, as measured
        "client_rx_bytes": 2_200_000,
    }
    return {
        "server": "live1",
        "families": ["v4", "gre"],
        "apply": script,
        "reapply": {
            **script,
            "stdout": ["avi-dsr live1: tunnels already as rendered; netplan not re-applied"],
        },
        "remove": script,
        "states": {
            "before": good_state(False),
            "applied": good_state(True),
            "reapplied": good_state(True),
            "removed": good_state(False),
        },
        "traffic": {"v4": traffic, "gre": copy.deepcopy(traffic)},
        "syn_ack_mss": {"v4": [1440], "gre": [1436]},
        "after_remove": {"v4": {"code": 0}, "gre": {"code": 0}},
    }


def good_facts() -> dict:
    udp = {
        "answers": [
            {"id": i, "ok": True, "server": f"srv{i % 3 + 1}", "from": "203.0.113.10:53"}
            for i in range(6)
        ],
        "pool": ["srv1", "srv2", "srv3"],
        "expected_from": "203.0.113.10:53",
        "lb_src_vip": 0,
        "server_replies_from_vip": 2,
    }
    return {
        "cloud_init": {
            "status": "done",
            "status_rc": 0,
            "schema_rc": 0,
            "schema": "Valid cloud-config: system userdata",
            "log_warnings": [],
        },
        "has_v6_vip": False,
        "has_gre_vip": True,
        "v4": good_download(),
        "gre": {**good_download(), "tunnel_rx_packets": {"dsr4gre": 70}},
        "pool": {
            "servers": {"v4": ["srv1", "srv2", "srv3"], "gre": ["srv1", "srv2"]},
            "answers": {
                "v4": ["srv1", "srv2", "srv3", "srv1", "srv2", "srv3"],
                "gre": ["srv1", "srv2", "srv1", "srv2"],
            },
            "tunnel_rx_packets": {"srv1": 8, "srv2": 8, "srv3": 8},
        },
        "tunnels": [
            {
                "name": "dsr4",
                "kind": "ipip",
                "local": "198.51.100.11",
                "expected_local": "198.51.100.11",
                "rx_packets": 70,
                "fallback": "tunl0",
                "fallback_rx_packets": 0,
                "other_tunnels_rx_packets": {"dsr4gre": 0},
            },
            {
                "name": "dsr4gre",
                "kind": "gre",
                "family": "gre",
                "local": "198.51.100.11",
                "expected_local": "198.51.100.11",
                "rx_packets": 70,
                "fallback": "gre0",
                "fallback_rx_packets": 0,
                "other_tunnels_rx_packets": {"dsr4": 0},
            },
        ],
        "neighbour": {"arp_sender_vip": 0, "arp_probe_seen": 1, "arp_own_sender": 2},
        "mtu": {
            "v4": {
                "download": {"code": 200, "size": 2 << 20},
                "upload_size": 2 << 20,
                "upload": {"code": 200, "received": 2 << 20},
                "syn_ack_mss": [1440],
                "oversize_encapsulated": 0,
                "largest_encapsulated": 1500,
            },
            "gre": {
                "download": {"code": 200, "size": 2 << 20},
                "upload_size": 2 << 20,
                "upload": {"code": 200, "received": 2 << 20},
                "syn_ack_mss": [1436],
                "oversize_encapsulated": 0,
                "largest_encapsulated": 1500,
            },
        },
        "negative": [
            {
                "control": "no-vip",
                "server": "neg-novip",
                "family": "v4",
                "curl": {"code": 0},
                "kernel_counters": {"IpInAddrErrors": 3},
                "server_rx_packets": 3,
            },
            {
                "control": "no-mss",
                "server": "neg-nomss",
                "family": "v4",
                "curl": {"code": 0, "expected": 262144},
                "kernel_counters": {},
                "lb_kernel_counters": {"IcmpOutDestUnreachs": 4},
                "server_rx_packets": 5,
            },
            {
                "control": "gre-vip-on-ipip",
                "server": "neg-gre",
                "family": "gre",
                "curl": {"code": 0},
                "kernel_counters": {"IcmpOutDestUnreachs": 3},
                "server_rx_packets": 3,
            },
        ],
        "udp": {"v4": udp},
        "existing": good_existing(),
    }


def by_check(results, check):
    return [r for r in results if r.check == check]


def test_good_facts_pass_every_check_and_v6_is_skipped_without_a_v6_vip():
    results = verdicts.evaluate(good_facts())
    assert [r.check for r in results] == [0, 1, 2, 3, 4, 5, 6, 9, 6, 7, 7, 8, 10]
    assert all(r.passed for r in results if r.check != 2), [r.problems for r in results]
    assert by_check(results, 2)[0].passed is None
    assert verdicts.summary_line(results) == "12 passed, 0 failed, 1 skipped"


def test_gre_download_is_skipped_only_when_the_render_has_no_gre_vip():
    facts = good_facts()
    facts["has_gre_vip"] = False
    assert by_check(verdicts.evaluate(facts), 9)[0].passed is None
    del facts["gre"]
    facts["has_gre_vip"] = True
    assert by_check(verdicts.evaluate(facts), 9)[0].passed is False


def _set(facts: dict, path: str, value) -> None:
    *parents, leaf = path.split(".")
    node = facts
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(leaf)] = value
    else:
        node[leaf] = value


@pytest.mark.parametrize(
    ("check", "path", "value", "problem"),
    [
        (0, "cloud_init.status", "running", "cloud-init status 'running'"),
        (0, "cloud_init.status_rc", 1, "(rc 1)"),
        (0, "cloud_init.schema_rc", 1, "schema --system rejected"),
        (
            0,
            "cloud_init.log_warnings",
            ["schema.py[WARNING]: Invalid cloud-config provided"],
            "cloud-init.log: schema.py[WARNING]",
        ),
        (1, "v4.curl.code", 0, "download failed"),
        (1, "v4.curl.size", 1000, "download failed"),
        (1, "v4.lb_return_bytes", 30_000, "towards the client crossed the LB"),  # 1.4 %
        (1, "v4.pcap.lb_src_vip", 2, "source = VIP crossed the LB"),
        (1, "v4.pcap.server_plain_replies_from_vip", 0, "no unencapsulated reply"),
        (1, "v4.pcap.server_encapsulated_out", 5, "encapsulated packets"),
        (3, "pool.answers.v4", ["srv1"] * 6, "answers from ['srv1']"),
        (3, "pool.tunnel_rx_packets.srv3", 0, "srv3: its tunnel received nothing"),
        (4, "tunnels.0.name", "tunl0", "kernel fallback device"),
        (4, "tunnels.0.local", None, "local is None"),
        (4, "tunnels.0.rx_packets", 0, "received no packets"),
        (4, "tunnels.0.fallback_rx_packets", 9, "tunl0: received 9"),
        (5, "neighbour.arp_sender_vip", 1, "ARP packets with sender = VIP"),
        (5, "neighbour.arp_probe_seen", 0, "inconclusive"),
        (6, "mtu.v4.upload", {"code": 0}, "upload"),
        (6, "mtu.v4.syn_ack_mss", [1460], "MSS 1460 > 1440"),
        (6, "mtu.v4.syn_ack_mss", [], "no SYN-ACK"),
        (6, "mtu.v4.oversize_encapsulated", 4, "> 1500 B"),
        (7, "negative.0.curl", {"code": 200}, "did not fail"),
        (7, "negative.0.server_rx_packets", 0, "proves nothing"),
        (6, "negative.1.curl", {"code": 200, "received": 9, "expected": 9}, "did not fail"),
        (6, "negative.1.curl", {"code": 200, "received": 262144, "expected": 262144}, "not fail"),
        (8, "udp.v4.answers.0.from", "198.51.100.11:53", "not from VIP"),
        (8, "udp.v4.answers.1.ok", False, "unanswered"),
        (8, "udp.v4.lb_src_vip", 1, "crossed the LB"),
        # GRE: the same DSR rules through the GRE VIP, its own tunnel, its own MSS budget
        (9, "gre.curl.code", 0, "download failed"),
        (9, "gre.pcap.lb_src_vip", 3, "source = VIP crossed the LB"),
        (3, "pool.answers.gre", ["srv1"] * 4, "gre: answers from ['srv1']"),
        (4, "tunnels.1.other_tunnels_rx_packets", {"dsr4": 12}, "another encapsulation"),
        (4, "tunnels.1.fallback_rx_packets", 5, "gre0: received 5"),
        (6, "mtu.gre.syn_ack_mss", [1440], "MSS 1440 > 1436"),
        (7, "negative.2.curl", {"code": 200}, "did not fail"),
        # the existing server, live over SSH
        (10, "existing.apply.rc", 1, "apply exited 1"),
        (10, "existing.remove.rc", 2, "remove exited 2"),
        (10, "existing.traffic.gre.whoami", "srv1", "answered by 'srv1'"),
        (10, "existing.traffic.v4.lb_rx_bytes", 2_000_000, "did not bypass"),
        (10, "existing.traffic.v4.curl", {"code": 0}, "download failed"),
        (10, "existing.syn_ack_mss.v4", [1460], "MSS 1460 > 1440"),
        (10, "existing.syn_ack_mss.gre", [], "no SYN-ACK"),
        (10, "existing.states.applied.nft", [], "MSS clamp is not loaded"),
        (10, "existing.states.reapplied.units", ["enabled", "failed"], "second apply changed"),
        (10, "existing.reapply.stdout", ["avi-dsr live1: netplan applied"], "re-applied netplan"),
        (10, "existing.states.removed.sysctl", ["net.ipv4.conf.all.arp_ignore = 1"], "sysctl"),
        (10, "existing.states.removed.files", ["/etc/avi-dsr/mss.nft 600"], "files differs"),
        (10, "existing.states.applied", good_state(False), "apply changed nothing"),
        (10, "existing.after_remove.gre", {"code": 200}, "still answer: ['gre']"),
    ],
)
def test_each_fault_fails_its_check_and_names_the_problem(check, path, value, problem):
    facts = copy.deepcopy(good_facts())
    _set(facts, path, value)
    failed = [r for r in by_check(verdicts.evaluate(facts), check) if r.passed is not True]
    assert len(failed) == 1 and failed[0].passed is False
    assert any(problem in p for p in failed[0].problems), failed[0].problems


def test_missing_evidence_fails_the_check_instead_of_crashing():
    facts = good_facts()
    del facts["mtu"]
    del facts["negative"]
    results = verdicts.evaluate(facts)
    assert by_check(results, 6)[0].passed is False
    assert "missing evidence" in by_check(results, 6)[0].detail
    assert by_check(results, 7)[0].passed is False
