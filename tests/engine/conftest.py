"""Fixtures for engine-level tests: the real `pulumi` CLI and plugins, an Avi simulator process,
a loopback sshd and a vCenter simulator (vcsim).

Nothing is skipped: without a built engine every test fails with the instruction to run
`make engine`. Each test gets its own simulators, project copy and file backend under tmp_path.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from engine_harness import (
    STACK_NETWORKS,
    EngineMissing,
    PulumiProject,
    SimulatorProcess,
    SshServer,
    engine_environment,
    stack_config,
)
from vcsim_harness import VcsimProcess, local_stack_config


@pytest.fixture(scope="session")
def engine_env() -> dict[str, str]:
    try:
        return engine_environment()
    except EngineMissing as err:
        pytest.fail(str(err), pytrace=False)


@pytest.fixture(scope="session")
def ssh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    server = SshServer(tmp_path_factory.mktemp("sshd")).start()
    yield server
    server.stop()


@pytest.fixture
def controller_password() -> str:
    """Distinctive, so a plaintext leak anywhere is unambiguous."""
    return "ctrl-pw-" + secrets.token_hex(12)


@pytest.fixture
def simulator(controller_password: str) -> Iterator[SimulatorProcess]:
    sim = SimulatorProcess(controller_password, *STACK_NETWORKS)
    yield sim
    sim.stop()


ConfigFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def make_config(
    simulator: SimulatorProcess, ssh_server: SshServer, tmp_path: Path
) -> ConfigFactory:
    """Stack config shaped like the local stack, for this test's simulator and sshd."""

    def factory(**kwargs: Any) -> dict[str, Any]:
        return stack_config(simulator, ssh_server, tmp_path / "stage", **kwargs)

    return factory


@pytest.fixture
def project(
    engine_env: dict[str, str], make_config: ConfigFactory, controller_password: str, tmp_path: Path
) -> PulumiProject:
    proj = PulumiProject(tmp_path / "project", engine_env, make_config())
    proj.set_secret("controllerPassword", controller_password)
    return proj


VcsimFactory = Callable[..., VcsimProcess]


@pytest.fixture
def start_vcsim(engine_env: dict[str, str], tmp_path: Path) -> Iterator[VcsimFactory]:
    """Start a vcsim for this test; arguments are flags of the guest hook (vcsim-guest)."""
    started: list[VcsimProcess] = []

    def start(*hook_flags: str) -> VcsimProcess:
        vcsim = VcsimProcess(tmp_path / f"vcsim{len(started)}", engine_env, hook_flags)
        started.append(vcsim)
        return vcsim.start()

    yield start
    for vcsim in started:
        vcsim.stop()


@pytest.fixture
def vcenter_password() -> str:
    """Distinctive, like the controller password: a plaintext leak is unambiguous."""
    return "vc-pw-" + secrets.token_hex(12)


# One step at a time: vcsim v0.56.0 files the update handler of every session's default
# PropertyCollector under one name, so two task waits at once (two VMs deleted in parallel) can
# lose an update and hang; see README ("vCenter simulator").
VSPHERE_STEPS = ("--parallel", "1")


@pytest.fixture
def vsphere_project(
    engine_env: dict[str, str],
    simulator: SimulatorProcess,
    controller_password: str,
    vcenter_password: str,
    tmp_path: Path,
) -> Callable[..., PulumiProject]:
    """The demo stack (stacks/Pulumi.local.yaml) as a project against this test's simulators;
    ``edit`` may change the config (a dict, keys without the namespace) first."""

    def make(
        vcsim: VcsimProcess, edit: Callable[[dict[str, Any]], None] | None = None
    ) -> PulumiProject:
        config = local_stack_config(simulator, vcsim)
        if edit is not None:
            edit(config)
        proj = PulumiProject(tmp_path / "project", engine_env, config, step_args=VSPHERE_STEPS)
        proj.set_secret("controllerPassword", controller_password)
        proj.set_secret("vcenterPassword", vcenter_password)
        return proj

    return make
