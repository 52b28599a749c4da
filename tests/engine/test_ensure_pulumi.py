"""scripts/ensure-pulumi.sh uses what a machine has; the source build is only the fallback.

The "machine" here is a directory holding a `pulumi` (the built CLI, linked from outside the
cache, so the script takes it for an installed one) and a PULUMI_HOME of the test's own.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from engine_harness import REPO_ROOT

pytestmark = pytest.mark.engine

SCRIPT = REPO_ROOT / "scripts" / "ensure-pulumi.sh"
PLUGINS = {"vsphere": "4.18.2", "command": "1.2.1"}


def ensure(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def machine(engine_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH has an installed-looking `pulumi` and an empty PULUMI_HOME."""
    built = Path(engine_env["PATH"].split(":", 1)[0])
    bin_dir = tmp_path / "usr-local-bin"
    bin_dir.mkdir()
    for name in ("pulumi", "pulumi-language-python"):
        (bin_dir / name).symlink_to(built / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env.update(PATH=f"{bin_dir}:{os.environ['PATH']}", PULUMI_HOME=str(tmp_path / "home"))
    if "XDG_CACHE_HOME" in engine_env:
        env["XDG_CACHE_HOME"] = engine_env["XDG_CACHE_HOME"]
    return env


def plugin_path(env: dict[str, str], name: str) -> Path:
    folder = f"resource-{name}-v{PLUGINS[name]}"
    return Path(env["PULUMI_HOME"]) / "plugins" / folder / f"pulumi-resource-{name}"


def test_an_installed_pulumi_and_its_plugins_are_used_as_they_are(machine: dict[str, str]) -> None:
    for name in PLUGINS:  # the user's own plugin binaries, whatever they are
        path = plugin_path(machine, name)
        path.parent.mkdir(parents=True)
        path.write_text("#!/bin/sh\n# the user's plugin\n")
        path.chmod(0o755)

    checked = ensure(machine, "--check")

    assert checked.returncode == 0, checked.stderr
    exports = checked.stdout
    assert f'export PATH="{Path(machine["PATH"].split(":", 1)[0])}:$PATH"' in exports
    assert "PULUMI_HOME" not in exports, "an installed pulumi keeps its own PULUMI_HOME"
    for name in PLUGINS:
        assert plugin_path(machine, name).read_text().endswith("# the user's plugin\n")


def test_missing_plugins_fall_back_to_the_source_build_offline(machine: dict[str, str]) -> None:
    # offline, whatever this machine can reach: downloads go to a proxy that is not there
    offline = {**machine, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    assert ensure(offline, "--check").returncode == 3  # would have to install: never in --check

    done = ensure(offline)

    assert done.returncode == 0, done.stderr
    for name, version in PLUGINS.items():
        assert f"resource {name} {version} is not installed" in done.stderr
        assert f"building resource {name} {version} from ../shared/third_party" in done.stderr
        assert os.access(plugin_path(machine, name), os.X_OK)
    assert ensure(offline, "--check").returncode == 0
