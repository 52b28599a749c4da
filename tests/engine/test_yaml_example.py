"""examples/yaml under the real engine: another Pulumi language uses the avi-dsr package.

The YAML program builds the write-up's service with the L3DsrService component (constructed by
the avi-dsr plugin from its Python implementation) and one raw Avi resource, through an explicit
avi-dsr provider: `up`, a no-change `preview`, then `destroy` leaves nothing behind.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from engine_harness import (
    AVI_TYPES,
    PASSPHRASE,
    REPO_ROOT,
    PulumiProject,
    SimulatorProcess,
    private_pulumi_home,
)

pytestmark = pytest.mark.engine

EXAMPLE = REPO_ROOT / "examples" / "yaml"
NETWORKS = ("--network", "seg-vip=203.0.113.0/24", "--network", "seg-web=198.51.100.0/24")


def link_yaml_host(env: dict[str, str]) -> None:
    """The YAML language host, built by `make engine` (scripts/ensure-yaml.sh), next to the
    pulumi it built: where the engine looks for bundled language hosts."""
    pulumi = shutil.which("pulumi", path=env["PATH"])
    assert pulumi, "no pulumi on the engine's PATH"
    found = subprocess.run(
        [
            "bash",
            str(REPO_ROOT / "scripts" / "ensure-yaml.sh"),
            "--check",
            "--into",
            str(Path(pulumi).parent),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        pytest.fail(f"the YAML language host is not built: {found.stderr.strip()}", pytrace=False)


class YamlProject(PulumiProject):
    """A copy of examples/yaml with one stack `test` and a throwaway file backend."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.step_args = ()
        root.mkdir(parents=True)
        shutil.copy(EXAMPLE / "Pulumi.yaml", root / "Pulumi.yaml")
        self.stack_file = root / f"Pulumi.{self.stack}.yaml"
        self.state_dir = root / "state"
        self.state_dir.mkdir()
        home = private_pulumi_home(root / "pulumi-home", env["PULUMI_HOME"], env)
        link_yaml_host(env)
        self.env = {
            **env,
            "PULUMI_HOME": str(home),
            "PULUMI_BACKEND_URL": f"file://{self.state_dir}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "NO_COLOR": "1",
        }
        self.run("stack", "init", self.stack)


def test_the_yaml_example_comes_up_converges_and_goes_away(
    engine_env: dict[str, str], tmp_path: Path
) -> None:
    sim = SimulatorProcess("yaml-password", *NETWORKS)
    try:
        project = YamlProject(tmp_path / "yaml", engine_env)
        project.on_stack("config set", "controller", sim.url)
        project.on_stack("config set", "--secret", "controllerPassword", "--", "yaml-password")

        project.up()
        names = {t: sorted(o["name"] for o in sim.managed(t)) for t in AVI_TYPES}
        assert names == {
            "networkprofile": ["web-np"],
            "healthmonitor": ["web-healthz", "web-hm"],
            "pool": ["web-pool"],
            "vsvip": ["web-vsvip"],
            "virtualservice": ["web-vs"],
        }
        outputs = project.outputs()
        assert outputs["operStatus"] == "OPER_UP"
        assert outputs["poolMembers"] == ["198.51.100.11", "198.51.100.12"]
        vs = sim.managed("virtualservice")[0]
        assert outputs["vsUuid"] == vs["uuid"]

        sim.reset_counters()
        project.preview("--expect-no-changes")
        assert sim.counters() == {}

        project.destroy()
        assert all(sim.managed(t) == [] for t in AVI_TYPES)
    finally:
        sim.stop()
