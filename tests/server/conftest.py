"""Fixtures running the real Debian tools (netplan generate, cloud-init schema) on renders."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from server_tools import CLOUD_INIT, NETPLAN


@dataclass
class NetplanResult:
    returncode: int
    stderr: str
    networkd: dict[str, str]  # file name under run/systemd/network -> content


def _require(tool: str) -> None:
    if not Path(tool).exists():
        pytest.skip(f"{tool} not installed (scripts/system-deps.sh installs it)")


@pytest.fixture
def netplan_generate(tmp_path: Path) -> Callable[..., NetplanResult]:
    """Write YAML files into a fresh root and run `netplan generate --root-dir` on it."""
    _require(NETPLAN)
    counter = iter(range(1000))

    def run(files: dict[str, str]) -> NetplanResult:
        root = tmp_path / f"netplan-root-{next(counter)}"
        for name, text in files.items():
            path = root / "etc/netplan" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            path.chmod(0o600)
        proc = subprocess.run(
            [NETPLAN, "generate", "--root-dir", str(root)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        out_dir = root / "run/systemd/network"
        networkd = (
            {p.name: p.read_text() for p in sorted(out_dir.iterdir())} if out_dir.is_dir() else {}
        )
        return NetplanResult(proc.returncode, proc.stderr, networkd)

    return run


@pytest.fixture
def cloud_init_schema(tmp_path: Path) -> Callable[[str], subprocess.CompletedProcess[str]]:
    """Run `cloud-init schema -c FILE` (22.4 CLI: -c/--config-file, no --schema-type)."""
    _require(CLOUD_INIT)

    def run(text: str) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "user-data"
        path.write_text(text)
        return subprocess.run(
            [CLOUD_INIT, "schema", "-c", str(path)], capture_output=True, text=True, timeout=120
        )

    return run
