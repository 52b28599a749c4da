"""Fixtures for engine-level tests: the real `pulumi` CLI, a simulator process, a loopback sshd.

Nothing is skipped: without a built engine every test fails with the instruction to run
`make engine`. Each test gets its own simulator, project copy and file backend under tmp_path.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from engine_harness import (
    EngineMissing,
    PulumiProject,
    SimulatorProcess,
    SshServer,
    engine_environment,
    stack_config,
)


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
    sim = SimulatorProcess(controller_password)
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
