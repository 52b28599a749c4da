"""Make the migration fixture: a stack created by the dynamic-provider version of avi-dsr.

    python tools/make_migration_fixture.py OLD_CHECKOUT OUT_DIR

OLD_CHECKOUT is a checkout of the last dynamic-provider commit (16925db) with its own `make venv`
and `make engine` done. The script runs that version's engine harness: a simulator, a loopback
sshd, the local stack shape (web01/web02 staged, service `web`), `pulumi up`, then writes
OUT_DIR/stack.json (the `pulumi stack export`, secrets encrypted with the harness passphrase) and
OUT_DIR/objects.json (what the controller held). tests/engine/test_migration.py replays both.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

AVI_TYPES = ("networkprofile", "healthmonitor", "pool", "vsvip", "virtualservice")


def main(old_checkout: Path, out: Path) -> None:
    harness_dir = old_checkout / "tests" / "engine"
    script = f"""
import json, sys
from pathlib import Path
sys.path.insert(0, {str(harness_dir)!r})
from engine_harness import (
    PulumiProject, SimulatorProcess, SshServer, engine_environment, stack_config
)
work = Path({str(tempfile.mkdtemp(prefix="avi-dsr-fixture-"))!r})
sim = SimulatorProcess("fixture-password")
ssh = SshServer(work / "sshd").start()
try:
    config = stack_config(sim, ssh, work / "stage")
    project = PulumiProject(work / "project", engine_environment(), config)
    project.set_secret("controllerPassword", "fixture-password")
    project.up()
    print(json.dumps({{
        "stack": project.export(),
        "objects": {{t: sim.managed(t) for t in {AVI_TYPES!r}}},
        "passphrase": __import__("engine_harness").PASSPHRASE,
    }}))
finally:
    ssh.stop()
    sim.stop()
"""
    python = old_checkout / ".venv" / "bin" / "python"
    done = subprocess.run(
        [str(python), "-c", script], cwd=old_checkout, capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    out.mkdir(parents=True, exist_ok=True)
    for name in ("stack", "objects"):
        text = json.dumps(result[name], indent=1, sort_keys=True)
        (out / f"{name}.json").write_text(text + "\n")
    (out / "passphrase.txt").write_text(result["passphrase"] + "\n")
    print(f"wrote {out}/stack.json, objects.json, passphrase.txt")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve())
