"""The generated TypeScript and Go SDKs of the avi-dsr package compile.

The schema types every field of the five Avi objects (nested types, enums) and the components'
plain args; a schema the generators accept but whose output does not compile would only show up
in a user's build. Packages come from the npm registry and the Go module proxy (both reachable);
publishing the SDKs is out of scope.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
GO_SDK_MODULE = "example.com/avi-dsr/sdk/go"  # the schema's go.importBasePath, minus /avidsr
PULUMI_GO_SDK = "v3.274.1"  # the CLI's version: already in the module cache

pytestmark = pytest.mark.sdk


def generate(language: str, out: Path) -> Path:
    subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "gen-sdk.sh"), language, str(out)],
        check=True,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    return out


def run(args: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (
        f"{' '.join(args)} failed:\n{done.stdout[-4000:]}{done.stderr[-4000:]}"
    )
    return done


def test_typescript_sdk_compiles(tmp_path: Path) -> None:
    sdk = generate("nodejs", tmp_path / "nodejs")
    package = json.loads((sdk / "package.json").read_text())
    package["version"] = "0.0.0-test"  # the generator leaves ${VERSION} for the release to fill
    (sdk / "package.json").write_text(json.dumps(package, indent=1))
    npm = shutil.which("npm")
    assert npm, "npm is needed (Node.js is on every machine of this kind)"
    run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], sdk)
    run([npm, "run", "build"], sdk)
    for compiled in ("avi/pool.d.ts", "avi/virtualService.d.ts", "l3dsrService.d.ts"):
        assert (sdk / "bin" / compiled).is_file(), compiled
    pool = (sdk / "bin" / "avi" / "pool.d.ts").read_text()
    assert "lb_algorithm?: pulumi.Input<enums.avi.PoolLbAlgorithm" in pool  # typed, enums too


def test_go_sdk_compiles(tmp_path: Path) -> None:
    sdk = generate("go", tmp_path / "go")
    (sdk / "go.mod").write_text(
        f"module {GO_SDK_MODULE}\n\ngo 1.26.6\n\n"
        f"require github.com/pulumi/pulumi/sdk/v3 {PULUMI_GO_SDK}\n"
    )
    env = {**os.environ, "GOFLAGS": "-mod=mod"}
    done = subprocess.run(
        ["go", "build", "./..."], cwd=sdk, env=env, capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert (sdk / "avidsr" / "avi" / "pool.go").is_file()
    assert (sdk / "avidsr" / "l3dsrService.go").is_file()
