"""Issue 8, item 6: each input gap it lists, as a test (each failed before the fix).

The corpus (test_corpus.py) covers the same ground broadly; these pin the reported cases.
"""

from __future__ import annotations

import copy
from typing import Any

import pulumi
import pytest
from avi_dsr import network_profile, pool, virtual_service
from avi_dsr.avi import AviConnectionArgs, AviProviderError
from avi_dsr.avi.client import Connection, session_for
from avi_dsr.avi.objects import AviObjects
from avi_dsr.avi.ownership import Owner
from avi_dsr.config import ConfigError, HealthMonitorConfig, PortRange, parse_stack
from avi_dsr.payloads import PoolMember
from avi_dsr.program import SshMaterial, build
from avi_dsr.server import ServerSpec, ServerSpecError, render_apply_script
from avisim.testing import running_simulator
from dsr_mocks import pulumi_env
from dsr_stacks import LAB_VALUES

HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHnbDemdjlvUVRHxGx5gDqAyUdwVzJfMkCZcVNqGmTc4"
CONN = AviConnectionArgs(controller="avi.lab.example", username="admin", password="pw")


def problems_of(values: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_stack(values)
    return caught.value.problems


# -------------------------------------------------------- names with a trailing newline


def test_server_name_with_trailing_newline_is_refused_by_the_config():
    values = copy.deepcopy(LAB_VALUES)
    values["servers"][0]["name"] = "web01\n"
    values["services"][0]["servers"] = ["web01\n", "web02"]
    assert problems_of(values) == [
        "avi-dsr:servers[0].name: contains a control character (newline, U+000A) at "
        "position 5; remove it"
    ]


def test_service_name_with_trailing_newline_is_refused_by_the_config():
    values = copy.deepcopy(LAB_VALUES)
    values["services"][0]["name"] = "web\n"
    assert problems_of(values) == [
        "avi-dsr:services[0].name: contains a control character (newline, U+000A) at "
        "position 3; remove it"
    ]


@pytest.mark.parametrize(
    ("field", "bad"),
    [("name", "web01\n"), ("interface", "ens192\n"), ("search", ("lab.example\n",))],
)
def test_renderer_refuses_a_trailing_newline_in_names(field, bad):
    """The renderers are public too: a newline must not reach the scripts or netplan."""
    with pytest.raises(ServerSpecError) as caught:
        ServerSpec(**{"name": "web01", "ipv4": "198.51.100.11/24", field: bad})
    assert [e.field for e in caught.value.errors] == [field if field != "search" else "search[0]"]


# -------------------------------------------------------------------- stageRoot: /


def _existing_stack(stage_roots: list[str]) -> dict[str, Any]:
    values = copy.deepcopy(LAB_VALUES)
    for server, root in zip(values["servers"], stage_roots, strict=True):
        server["kind"] = "existing"
        server["ssh"] = {"host": "127.0.0.1", "hostKey": HOST_KEY, "stageRoot": root}
    del values["vcenter"]
    return values


def test_stage_root_slash_is_a_config_error_naming_the_key():
    problems = problems_of(_existing_stack(["/tmp/stage/web01", "/"]))
    assert len(problems) == 1
    assert problems[0].startswith("avi-dsr:servers[1].ssh.stageRoot: '/' would stage over")


def test_stage_root_slash_never_gets_as_far_as_applying_a_server():
    """Before the fix web01 was registered (applied) and then web02 raised a traceback."""
    values = _existing_stack(["/tmp/stage/web01", "/"])
    with pulumi_env({}, []) as env:
        with pytest.raises(ConfigError):
            env.run(lambda: build(parse_stack(values), SshMaterial({}, {})))
        assert env.monitor.registered == []


def test_renderer_and_config_apply_one_stage_root_rule():
    with pytest.raises(ValueError, match="stage_root: '/etc' is inside a system directory"):
        render_apply_script(ServerSpec(name="web01", ipv4="198.51.100.11/24"), stage_root="/etc")


# ------------------------------------------------------------ components from Python


def _register(make: Any) -> tuple[BaseException, int]:
    with pulumi_env() as env:
        with pytest.raises(Exception) as caught:
            env.run(make)
        return caught.value, len(env.monitor.registered)


@pytest.mark.parametrize("name", [None, ""])
def test_component_name_none_or_empty_is_refused_before_registering(name):
    args = network_profile.DsrNetworkProfileArgs(connection=CONN, name=name)
    raised, registered = _register(lambda: network_profile.DsrNetworkProfile("np", args))
    assert isinstance(raised, pulumi.RunError)  # no traceback under `pulumi up`
    assert f"  - name: must be a non-empty string, got {name!r}" in str(raised)
    assert registered == 0


def test_component_vip_that_is_not_an_ip_is_an_args_error_not_a_traceback():
    args = virtual_service.DsrVirtualServiceArgs(
        connection=CONN,
        name="web-vs",
        vsvip_name="web-vsvip",
        vip="web.lab.example",
        ports=[PortRange(80, 80)],
        network_profile_ref="np",
        pool_ref="pool",
    )
    raised, registered = _register(lambda: virtual_service.DsrVirtualService("vs", args))
    assert isinstance(raised, pulumi.RunError)
    assert "  - vip: must be an IPv4 address, got 'web.lab.example'" in str(raised)
    assert registered == 0


def test_component_health_monitor_path_with_crlf_is_refused():
    args = pool.DsrPoolArgs(
        connection=CONN,
        name="web-pool",
        ports=[PortRange(80, 80)],
        members=[PoolMember("198.51.100.11", "V4")],
        health_monitor=HealthMonitorConfig(type="http", path="/healthz\r\nHost: evil"),
        health_monitor_name="web-hm",
    )
    raised, registered = _register(lambda: pool.DsrPool("pool", args))
    assert isinstance(raised, pulumi.RunError)
    assert "  - health_monitor.path: contains a control character (carriage return" in str(raised)
    assert registered == 0


# ------------------------------------------------------------------ 5000 ports


def test_5000_ports_give_one_short_line_naming_avis_limit():
    values = copy.deepcopy(LAB_VALUES)
    values["services"][0]["ports"] = list(range(1, 5001))
    problems = problems_of(values)
    assert problems == [
        "avi-dsr:services[0].ports: has 5000 entries; at most 2048 are allowed (Avi's limit "
        "of services per virtual service); use ranges"
    ]


def test_5000_bad_ports_are_summarised_in_one_line():
    values = copy.deepcopy(LAB_VALUES)
    values["services"][0]["ports"] = [0] * 2000
    with pytest.raises(ConfigError) as caught:
        parse_stack(values)
    assert len(caught.value.problems) == 2000  # all kept for programs
    assert str(caught.value).splitlines() == [
        "2000 problems in the stack config:",
        "  - avi-dsr:services[0].ports[0] and 1999 more like it: port must be between 1 and "
        "65535, got 0",
    ]


def test_provider_check_of_a_huge_body_stays_short():
    body = {"name": "vs", "services": [{"port": p} for p in range(1, 5001)]}
    failures = AviObjects("virtualservice").check(body, "22.1.4")
    reasons = [f.reason for f in failures if f.prop == "services"]
    assert reasons and all(len(r) < 200 for r in reasons), reasons


# ------------------------------------------------------------------ the TLS reason


def test_tls_error_carries_the_whole_reason():
    with running_simulator(tls=True) as sim:
        session = session_for(Connection(controller=sim.url, username="admin", password="x"))
        body = {"name": "hm", "type": "HEALTH_MONITOR_TCP"}
        with pytest.raises(AviProviderError) as caught:
            AviObjects("healthmonitor").create(session, body, Owner("p/s", "urn:hm"))
    message = str(caught.value)
    assert "failed: certificate verify failed: unable to get local issuer certificate; " in message
    assert "HTTPSConnectionPool" not in message
