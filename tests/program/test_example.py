"""The "use from another program" example runs under mocks and wires what it claims."""

from __future__ import annotations

import runpy
from pathlib import Path

from dsr_mocks import REMOTE_COMMAND, is_secret, pulumi_env

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/use-from-another-program"
CONFIG = {
    "avi-dsr-example:controller": "avi.example.com",
    "avi-dsr-example:controllerPassword": "pw",
    "avi-dsr-example:hostKey": "ssh-ed25519 AAAAC3NzaExample",
    "avi-dsr-example:sshPrivateKey": "key",
}
SECRETS = ["avi-dsr-example:controllerPassword", "avi-dsr-example:sshPrivateKey"]


def test_example_program_builds_a_server_and_a_service():
    with pulumi_env(CONFIG, SECRETS, project="avi-dsr-example") as env:
        env.run(lambda: runpy.run_path(str(EXAMPLE / "__main__.py"), run_name="__main__"))
        outputs = {k: env.value(v) for k, v in env.exports.items()}
        cmd = env.monitor.named("app01", REMOTE_COMMAND)
        names = sorted(r.name for r in env.monitor.registered)
    connection = cmd.inputs["connection"]
    assert is_secret(connection) or is_secret(connection["privateKey"])
    assert outputs["poolMembers"] == ["198.51.100.21"]
    assert outputs["vsUrl"] == (
        "https://avi.example.com/#!/applications/virtualservice/virtualservice-app-vs/analytics"
    )
    assert names == sorted(
        [
            "app01",
            "app01",
            "app01-ssh-check",  # bounded SSH checks before the apply and before the remove
            "app01-ssh-check-remove",
            "app",
            "app-np",
            "app-pool",
            "app-hm",
            "app-vs",
            "app-vsvip",
            "avi@avi.example.com",
        ]
    )
