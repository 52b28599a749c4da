"""Checks 0-8 judged from measurements: table-driven; every threshold shown to fail too."""

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
        "v4": good_download(),
        "pool": {
            "servers": ["srv1", "srv2", "srv3"],
            "answers": {"v4": ["srv1", "srv2", "srv3", "srv1", "srv2", "srv3"]},
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
            }
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
            }
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
        ],
        "udp": {"v4": udp},
    }


def by_check(results, check):
    return [r for r in results if r.check == check]


def test_good_facts_pass_every_check_and_v6_is_skipped_without_a_v6_vip():
    results = verdicts.evaluate(good_facts())
    assert [r.check for r in results] == [0, 1, 2, 3, 4, 5, 6, 6, 7, 8]
    assert all(r.passed for r in results if r.check != 2), [r.problems for r in results]
    assert by_check(results, 2)[0].passed is None
    assert verdicts.summary_line(results) == "9 passed, 0 failed, 1 skipped"


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
