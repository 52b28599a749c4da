"""The hostile-input corpus: every case stops with a clean error naming its key and the fix,
before anything is registered and before any request reaches the controller.

Each test has a live simulator, and the mocks hand every Avi object to the real provider aimed
at it (forwarding.py), so an input that slipped through would show up as requests. The sanity
tests prove that: the valid bases do reach the simulator.
"""

from __future__ import annotations

import dataclasses
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest
from avi_dsr import network_profile, pool, servers, service, virtual_service
from avi_dsr.component import ComponentArgsError
from corpus_data import (
    VM_ADDRESSES,
    base_args,
    component_cases,
    config_cases,
    connection,
    stack_config,
    with_changes,
)
from dsr_mocks import pulumi_env
from forwarding import ForwardingMocks

MAIN = Path(__file__).resolve().parents[2] / "__main__.py"
CONFIG_CASES = config_cases()
COMPONENT_CASES = component_cases()
COMPONENTS = {
    "DsrNetworkProfile": network_profile.DsrNetworkProfile,
    "DsrPool": pool.DsrPool,
    "DsrVirtualService": virtual_service.DsrVirtualService,
    "L3DsrService": service.L3DsrService,
    "ExistingDsrServer": servers.ExistingDsrServer,
    "VsphereDsrServer": servers.VsphereDsrServer,
}


def assert_reported(message: str, expected: list[list[str]], prefix: str = "") -> None:
    """Every [key, text] pair is on one problem line that starts with that key."""
    lines = [line.strip().removeprefix("- ") for line in message.splitlines()]
    for key, text in expected:
        full = prefix + key
        hits = [
            line
            for line in lines
            if line.startswith((f"{full}: ", f"{full} and ")) and text in line
        ]
        assert hits, f"no problem line for {full!r} saying {text!r} in:\n{message}"
    assert all(len(line) <= 400 for line in lines), f"an overlong line in:\n{message}"
    assert "Traceback" not in message


def run_main(config: dict[str, str], secret_keys: list[str]) -> tuple[Any, int]:
    """`__main__.py` under forwarding mocks: (what it raised or None, resources registered)."""
    with pulumi_env(config, secret_keys, mocks=ForwardingMocks(VM_ADDRESSES)) as env:
        try:
            env.run(lambda: runpy.run_path(str(MAIN), run_name="__main__"))
        except Exception as err:  # the test decides what is acceptable
            return err, len(env.monitor.registered)
        return None, len(env.monitor.registered)


def test_corpus_is_big_enough():
    """Issue 8: at least 100 hostile configs and component args, kept as data."""
    assert len(CONFIG_CASES) >= 100
    assert len(COMPONENT_CASES) >= 80
    ids = [c["id"] for c in CONFIG_CASES + COMPONENT_CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"


def test_base_config_reaches_the_simulator(avisim):
    """Sanity: the harness can fail. The valid base creates the service on the simulator."""
    config, secret_keys = stack_config({}, avisim.url)
    raised, registered = run_main(config, secret_keys)
    assert raised is None
    assert registered > 0
    assert avisim.counters().get("POST /api/virtualservice") == 1


@pytest.mark.parametrize("case", CONFIG_CASES, ids=[c["id"] for c in CONFIG_CASES])
def test_hostile_config_stops_before_any_request(case, avisim):
    config, secret_keys = stack_config(case, avisim.url)
    raised, registered = run_main(config, secret_keys)
    assert type(raised) is pulumi.RunError, f"expected a clean RunError, got {raised!r}"
    assert_reported(str(raised), case["errors"], prefix="avi-dsr:")
    assert registered == 0, "nothing may be registered"
    assert avisim.counters() == {}, "no request may reach the controller"


PREREQUISITES = {  # what a component's test registers before it: a service needs servers
    "L3DsrService": [
        "avi-dsr:index:ExistingDsrServer",
        "command:remote:Command",
        "command:local:Command",  # the bounded SSH checks before the apply and the remove
        "command:local:Command",
    ],
}


def build(case: dict[str, Any], url: str) -> tuple[Any, list[str]]:
    """Registers the component's prerequisites, then the component with the case's args.

    Returns (what it raised or None, the types registered). Registration is asynchronous, so
    "nothing of the component was registered" is read from the types once the run is over.
    """
    conn = connection(url)
    component = case["component"]
    args = base_args(component, conn)
    resource_name = case.get("resource_name", "under-test")
    with pulumi_env(mocks=ForwardingMocks(VM_ADDRESSES)) as env:

        def program() -> None:
            a = args
            if component == "L3DsrService":
                web01 = servers.ExistingDsrServer("web01", base_args("ExistingDsrServer", conn))
                a = dataclasses.replace(args, servers={"web01": web01})
            COMPONENTS[component](resource_name, with_changes(a, case, conn))

        try:
            env.run(program)
        except Exception as err:
            return err, [r.typ for r in env.monitor.registered]
        return None, [r.typ for r in env.monitor.registered]


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_base_component_args_are_accepted(component, avisim):
    """Sanity: every base is valid, and the Avi components do reach the simulator."""
    raised, types = build({"component": component}, avisim.url)
    if component == "DsrVirtualService":  # its base refs name objects the simulator lacks
        assert "create rejected by the controller" in str(raised)
        assert "cannot resolve '/api/" in str(raised)
    else:
        assert raised is None
    assert f"avi-dsr:index:{component}" in types
    if component in ("DsrNetworkProfile", "DsrPool", "L3DsrService", "DsrVirtualService"):
        assert avisim.counters().get("logins") == 1


@pytest.mark.parametrize("case", COMPONENT_CASES, ids=[c["id"] for c in COMPONENT_CASES])
def test_hostile_component_args_stop_before_registering(case, avisim):
    raised, types = build(case, avisim.url)
    assert isinstance(raised, ComponentArgsError), f"expected ComponentArgsError: {raised!r}"
    assert isinstance(raised, pulumi.RunError)  # printed without a traceback by `pulumi up`
    assert str(raised).startswith(f"{case['component']} ")
    assert_reported(str(raised), case["errors"])
    for secret in case.get("never_shows", []):
        assert secret not in str(raised)
    assert sorted(types) == sorted(PREREQUISITES.get(case["component"], [])), (
        "the component must not register anything"
    )
    assert avisim.counters() == {}, "no request may reach the controller"
