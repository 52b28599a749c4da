"""The real validators, run on rendered text: `netplan generate`, `cloud-init schema`, `sh -n`.

Each call gets a fresh temporary root, so Hypothesis examples never share state (and nothing is
ever applied: netplan only generates networkd files under --root-dir).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml
from server_tools import CLOUD_INIT, NETPLAN

UNKNOWN_MSS_KEY = "unknown key 'advertised-mss'"


def require_tools() -> None:
    for tool in (NETPLAN, CLOUD_INIT):
        if not Path(tool).exists():
            pytest.skip(f"{tool} not installed (scripts/system-deps.sh installs it)")


def netplan_generate(text: str) -> subprocess.CompletedProcess[str]:
    """`netplan generate --root-dir` on one file. netplan 0.106 (Debian 12) does not know the
    24.04 renders' `advertised-mss` (netplan >= 1.1 does): that one key is stripped and the rest
    must still generate (tests/server checks the key itself)."""
    result = _generate(text)
    if result.returncode != 0 and UNKNOWN_MSS_KEY in result.stderr:
        result = _generate(_strip_advertised_mss(text))
    return result


def cloud_init_schema(user_data: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="avi-dsr-prop-") as tmp:
        path = Path(tmp) / "user-data"
        path.write_text(user_data)
        return subprocess.run(
            [CLOUD_INIT, "schema", "-c", str(path)], capture_output=True, text=True, timeout=120
        )


def sh_syntax(script: str) -> subprocess.CompletedProcess[str]:
    sh = shutil.which("sh") or "/bin/sh"
    return subprocess.run([sh, "-n"], input=script, capture_output=True, text=True, timeout=30)


def _generate(text: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="avi-dsr-prop-") as tmp:
        path = Path(tmp) / "etc/netplan/60-avi-dsr.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(text)
        path.chmod(0o600)
        return subprocess.run(
            [NETPLAN, "generate", "--root-dir", tmp], capture_output=True, text=True, timeout=60
        )


def _strip_advertised_mss(text: str) -> str:
    document = yaml.safe_load(text)
    for ethernet in document["network"].get("ethernets", {}).values():
        for route in ethernet.get("routes", []):
            route.pop("advertised-mss", None)
    return yaml.safe_dump(document, sort_keys=False)
