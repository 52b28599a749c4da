"""Drive the real Pulumi CLI against the out-of-process Avi simulator and a loopback sshd.

Why a harness: unit tests with mocks cannot show that `pulumi up` works (pickling, the diff
protocol, secrets in state, refresh and destroy ordering only happen under the engine). Each
project gets a throwaway directory, a throwaway ``file://`` backend and its own simulator, so
tests never touch the repo, ``~/.pulumi`` or each other. Shared by tests/engine and bench/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV = REPO_ROOT / ".venv"
PASSPHRASE = "engine-tests-passphrase"
AVI_TYPES = ("networkprofile", "healthmonitor", "pool", "vsvip", "virtualservice")
ENGINE_MISSING = (
    "the Pulumi engine is not built: run `make engine` (scripts/ensure-pulumi.sh) first"
)


class EngineMissing(RuntimeError):
    """The engine is neither on PATH nor built in the cache."""


def engine_environment() -> dict[str, str]:
    """Environment with the engine on PATH (from ensure-pulumi.sh --check; never builds)."""
    script = REPO_ROOT / "scripts" / "ensure-pulumi.sh"
    check = subprocess.run(
        ["bash", str(script), "--check"], capture_output=True, text=True, timeout=60, check=False
    )
    if check.returncode != 0:
        raise EngineMissing(f"{ENGINE_MISSING}\n{check.stderr.strip()}")
    exported = subprocess.run(
        ["bash", "-c", 'eval "$1"; env -0', "bash", check.stdout],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    env = dict(item.split("=", 1) for item in exported.stdout.split("\0") if "=" in item)
    env.pop("PULUMI_BACKEND_URL", None)  # every project sets its own throwaway backend
    env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_pulumi_home(home: Path, shared: str, env: Mapping[str, str]) -> Path:
    """A PULUMI_HOME of the project's own (workspace files, no credentials) that sees the
    plugins ensure-pulumi.sh installed and this checkout's avi-dsr provider plugin."""
    plugins = home / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    shared_plugins = Path(shared) / "plugins"
    if shared_plugins.is_dir():
        # The engine skips symlinked plugin folders: hard-link the files (no copy of the bytes).
        for entry in shared_plugins.iterdir():
            ours = entry.name.startswith("resource-avi-dsr")
            if entry.is_dir() and not ours and not (plugins / entry.name).exists():
                shutil.copytree(entry, plugins / entry.name, copy_function=_link_or_copy)
                (plugins / f"{entry.name}.lock").touch()
    subprocess.run(
        [str(VENV / "bin" / "avi-dsr-install-plugin")],
        env={**env, "PULUMI_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return home


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


# The cloud networks the stacks' placement names (stacks/Pulumi.lab.yaml, local.yaml), as the
# demo's simulator has them: the VIP network with a static range, and the servers' network.
STACK_NETWORKS = (
    "--network",
    "seg-vip=203.0.113.0/24@203.0.113.100-203.0.113.199",
    "--network",
    "seg-web=198.51.100.0/24",
)


class SimulatorProcess:
    """``python -m avisim`` on a free loopback port, driven through ``/_avisim/*`` and the API."""

    def __init__(self, password: str, *extra_args: str) -> None:
        self.password = password
        self._proc = subprocess.Popen(
            [
                str(VENV / "bin" / "python"),
                "-m",
                "avisim",
                "--port",
                "0",
                *extra_args,
            ],
            env={**os.environ, "AVISIM_PASSWORD": password},  # never in the process list
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        match = re.search(r"listening on (http\S+)", line)
        if not match:
            self._proc.kill()
            raise RuntimeError(f"avisim did not start: {line!r}")
        self.url = match.group(1).rstrip("/")

    def stop(self) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()

    def _control(self, method: str, route: str, body: Any = None) -> Any:
        reply = requests.request(method, f"{self.url}/_avisim{route}", json=body, timeout=10)
        reply.raise_for_status()
        return reply.json()

    def counters(self) -> dict[str, int]:
        return self._control("GET", "/counters")

    def reset_counters(self) -> None:
        self._control("POST", "/counters/reset")

    def request_log(self) -> list[dict[str, Any]]:
        return self._control("GET", "/log")

    def objects(self, obj_type: str) -> list[dict[str, Any]]:
        return self._control("GET", f"/objects/{obj_type}")

    def managed(self, obj_type: str) -> list[dict[str, Any]]:
        """Objects the program made: the controller's seeded System-* ones left out."""
        return [
            o for o in self.objects(obj_type) if not str(o.get("name", "")).startswith("System-")
        ]

    def set_faults(self, **faults: Any) -> None:
        self._control("POST", "/faults", faults)

    def writes(self) -> dict[str, Any]:
        """``{"committed": n, "held": [{method, path, status}]}`` (see the hold_reply fault)."""
        return self._control("GET", "/writes")

    def release_writes(self, action: str = "send") -> None:
        """Let held replies go: ``send`` them, or ``drop`` their connections."""
        self._control("POST", "/writes/release", {"action": action})

    def restart(self, down_seconds: float) -> None:
        """Sessions and open connections (held replies included) drop; the port refuses for
        ``down_seconds``; the objects stay."""
        self._control("POST", "/restart", {"down_seconds": down_seconds})

    def api(self) -> requests.Session:
        """A logged-in API session (for out-of-band edits, as an operator would make them)."""
        session = requests.Session()
        session.post(
            f"{self.url}/login", json={"username": "admin", "password": self.password}, timeout=10
        ).raise_for_status()
        session.headers["X-CSRFToken"] = session.cookies.get("csrftoken", "")
        session.headers["X-Avi-Version"] = "22.1.4"
        session.headers["Referer"] = self.url
        return session


@dataclass
class SshServer:
    """scripts/local-sshd.sh on a free port; keys live in ``directory``."""

    directory: Path
    port: int = field(default_factory=free_port)
    host_key: str = ""
    private_key_file: Path | None = None

    def start(self) -> SshServer:
        out = subprocess.run(
            [
                "bash",
                str(REPO_ROOT / "scripts" / "local-sshd.sh"),
                "start",
                str(self.directory),
                str(self.port),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        self.host_key = values["host_key"]
        self.private_key_file = Path(values["client_key"])
        return self

    def stop(self) -> None:
        subprocess.run(
            ["bash", str(REPO_ROOT / "scripts" / "local-sshd.sh"), "stop", str(self.directory)],
            timeout=30,
            check=False,
        )


@dataclass(frozen=True)
class RunResult:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class PulumiProject:
    """A copy of the program (Pulumi.yaml + __main__.py) in ``root`` with one stack ``test``."""

    stack = "test"

    def __init__(
        self,
        root: Path,
        env: Mapping[str, str],
        config: Mapping[str, Any],
        *,
        stack: str = "test",
        step_args: tuple[str, ...] = (),
    ) -> None:
        """``stack``: another name makes a second stack of the same project (same ``root``)."""
        self.stack = stack
        self.root = root
        self.step_args = step_args  # added to up/preview/refresh/destroy
        self.root.mkdir(parents=True, exist_ok=True)
        project = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
        project["runtime"]["options"]["virtualenv"] = str(VENV)  # absolute: the copy is elsewhere
        (root / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
        self.stack_file = root / project.get("stackConfigDir", ".") / f"Pulumi.{self.stack}.yaml"
        shutil.copy(REPO_ROOT / "__main__.py", root / "__main__.py")
        self.state_dir = root / "state"
        self.state_dir.mkdir(exist_ok=True)
        self.env = {
            **env,
            "PULUMI_HOME": str(
                private_pulumi_home(
                    root / "pulumi-home",
                    env.get("PULUMI_HOME") or str(Path.home() / ".pulumi"),
                    env,
                )
            ),
            "PULUMI_BACKEND_URL": f"file://{self.state_dir}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "NO_COLOR": "1",
        }
        self.run("stack", "init", self.stack)
        self.write_config(config)

    def write_config(self, config: Mapping[str, Any]) -> None:
        """Replace the stack's plain config, keeping secure values and the encryption salt."""
        self.stack_file.parent.mkdir(parents=True, exist_ok=True)
        current = yaml.safe_load(self.stack_file.read_text()) if self.stack_file.exists() else {}
        current = current or {}
        kept = {
            k: v
            for k, v in (current.get("config") or {}).items()
            if isinstance(v, dict) and "secure" in v
        }
        current["config"] = {**{f"avi-dsr:{k}": v for k, v in config.items()}, **kept}
        self.stack_file.write_text(yaml.safe_dump(current, sort_keys=False))

    def set_secret(self, key: str, value: str) -> None:
        self.on_stack("config set", "--secret", f"avi-dsr:{key}", "--", value)

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> RunResult:
        """``pulumi --non-interactive ARGS`` in the project; fails the test on error if check."""
        proc = subprocess.run(
            ["pulumi", "--non-interactive", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        result = RunResult(args, proc.returncode, proc.stdout, proc.stderr)
        if proc.returncode != 0 and os.environ.get("AVI_DSR_ENGINE_LOG_DIR"):
            # the whole output of a failed run (the assertion keeps only its end)
            logs = Path(os.environ["AVI_DSR_ENGINE_LOG_DIR"])
            logs.mkdir(parents=True, exist_ok=True)
            name = f"{self.root.parent.name}-{'-'.join(args[:2])}.log"
            (logs / name).write_text(result.output)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"pulumi {' '.join(args)} failed ({proc.returncode}):\n{result.output[-6000:]}"
            )
        return result

    def start(self, command: str, *args: str, log: Path) -> subprocess.Popen[bytes]:
        """``pulumi COMMAND --stack S ARGS`` in the background (its own session, so a test can
        kill it, or one of its plugins, at a moment of its choosing); output goes to ``log``."""
        with log.open("wb") as out:
            return subprocess.Popen(
                ["pulumi", "--non-interactive", *command.split(), "--stack", self.stack, *args],
                cwd=self.root,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def on_stack(
        self, command: str, *args: str, check: bool = True, timeout: float = 300
    ) -> RunResult:
        return self.run(
            *command.split(), "--stack", self.stack, *args, check=check, timeout=timeout
        )

    def up(self, *extra: str, check: bool = True, timeout: float = 300) -> RunResult:
        return self.on_stack("up", "--yes", *self.step_args, *extra, check=check, timeout=timeout)

    def preview(self, *extra: str, check: bool = True) -> RunResult:
        return self.on_stack("preview", *self.step_args, *extra, check=check)

    def refresh(self, *extra: str, check: bool = True) -> RunResult:
        return self.on_stack(
            "refresh", "--yes", "--skip-preview", *self.step_args, *extra, check=check
        )

    def destroy(self, *extra: str, check: bool = True) -> RunResult:
        return self.on_stack(
            "destroy", "--yes", "--skip-preview", *self.step_args, *extra, check=check
        )

    def export(self, *extra: str) -> dict[str, Any]:
        return json.loads(self.on_stack("stack export", *extra).stdout)

    def resource_types(self) -> list[str]:
        """Types of the resources in state (the stack itself appears once an update ran)."""
        return [r["type"] for r in self.export()["deployment"].get("resources") or []]

    def outputs(self) -> dict[str, Any]:
        return json.loads(self.on_stack("stack output", "--json").stdout)


def stack_config(
    sim: SimulatorProcess,
    ssh: SshServer,
    stage_root: Path,
    *,
    servers: tuple[str, ...] = ("web01", "web02"),
    service_servers: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """The local stack's shape (existing servers over loopback SSH, staged) for one test."""
    addresses = {
        "web01": "198.51.100.11/24",
        "web02": "198.51.100.12/24",
        "web03": "198.51.100.13/24",
    }
    return {
        "controller": {
            "address": sim.url,
            "username": "admin",
            "tenant": "admin",
            "apiVersion": "22.1.4",
            "verifyTls": False,
        },
        "ssh": {"user": "root", "port": ssh.port, "privateKeyFile": str(ssh.private_key_file)},
        "servers": [
            {
                "name": name,
                "kind": "existing",
                "ipv4": addresses[name],
                "gateway4": "198.51.100.1",
                "ssh": {
                    "host": "127.0.0.1",
                    "hostKey": ssh.host_key,
                    "stageRoot": str(stage_root / name),
                },
            }
            for name in servers
        ],
        "services": [
            {
                "name": "web",
                "vip": "203.0.113.10",
                "protocol": "tcp",
                "ports": [80],
                "servers": list(service_servers or servers),
                "healthMonitor": {"type": "tcp"},
            },
        ],
    }
