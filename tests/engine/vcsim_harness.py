"""A vCenter for engine tests: scripts/vcsim.sh (vcsim + the guest hook), read back through govc.

Why govc and not the stack's outputs: the tests check what vCenter holds (the VMs, their
guestinfo, what their guests report) against what the program asked for, so they read vCenter
the way an operator would, with VMware's own client.
"""

from __future__ import annotations

import base64
import gzip
import ipaddress
import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from engine_harness import REPO_ROOT, SimulatorProcess

LOCAL_STACK = REPO_ROOT / "stacks" / "Pulumi.local.yaml"
"""The demo stack (the write-up's two VMs); vSphere tests run it against their own vcsim."""


@dataclass
class VcsimProcess:
    """vcsim on a free loopback port, shaped by scripts/vcsim.sh; ``hook_flags`` go to the hook."""

    directory: Path
    engine_env: Mapping[str, str]
    hook_flags: tuple[str, ...] = ()
    inventory: dict[str, str] = field(default_factory=dict)

    def start(self) -> VcsimProcess:
        script = REPO_ROOT / "scripts" / "vcsim.sh"
        out = subprocess.run(
            ["bash", str(script), "start", str(self.directory), "--stack", str(LOCAL_STACK)]
            + (["--", *self.hook_flags] if self.hook_flags else []),
            env=dict(self.engine_env),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"vcsim.sh start failed:\n{out.stderr}")
        self.inventory = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
        return self

    def stop(self) -> None:
        subprocess.run(
            ["bash", str(REPO_ROOT / "scripts" / "vcsim.sh"), "stop", str(self.directory)],
            timeout=60,
            check=False,
        )

    @property
    def server(self) -> str:
        return self.inventory["server"]

    def guest_log(self) -> str:
        return (self.directory / "guest.log").read_text()

    def govc(self, *args: str) -> str:
        url = (self.directory / "govc.env").read_text().split()[1].removeprefix("GOVC_URL=")
        env = {
            **os.environ,
            "GOVC_URL": url,
            "GOVC_INSECURE": "1",
            "GOVC_PERSIST_SESSION": "false",
        }
        govc = Path(self.engine_env["AVI_DSR_VCSIM_BIN"]) / "govc"
        done = subprocess.run(
            [str(govc), *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"govc {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def vm_folder(self) -> str:
        return f"/{self.inventory['datacenter']}/vm/{self.inventory['folder']}"

    def vm_names(self) -> list[str]:
        """Every VM that is not a template, anywhere in the datacenter."""
        found = self.govc("find", f"/{self.inventory['datacenter']}/vm", "-type", "m")
        paths = [p for p in found.splitlines() if p]
        is_template = {p: self.properties(p, "config.template")["config.template"] for p in paths}
        return sorted(Path(p).name for p in paths if not is_template[p])

    def properties(self, path: str, *names: str) -> dict[str, Any]:
        """``govc object.collect -json`` of one object, as {property: value}."""
        changes = json.loads(self.govc("object.collect", "-json", path, *names))
        return {c["name"]: unwrap(c.get("val")) for c in changes}

    def vm(self, name: str) -> dict[str, Any]:
        return self.properties(
            f"{self.vm_folder()}/{name}",
            "config.extraConfig",
            "config.instanceUuid",
            "guest.net",
            "guest.ipAddress",
            "runtime.powerState",
        )

    def vm_id(self, name: str) -> str:
        """The VM's managed object id (``vm-42``): a replaced VM gets a new one."""
        listed = self.govc("ls", "-i", f"{self.vm_folder()}/{name}").strip()
        return listed.rsplit(":", 1)[-1]

    def guestinfo(self, name: str) -> dict[str, str]:
        """The VM's guestinfo.* extraConfig values, as vCenter stores them."""
        extra = self.vm(name)["config.extraConfig"] or []
        return {o["key"]: o["value"] for o in extra if o["key"].startswith("guestinfo.")}

    def reported_addresses(self, name: str) -> list[str]:
        """Every address the VM's guest reports (guest.net), in the order reported."""
        nics = self.vm(name)["guest.net"] or []
        configs = [(n.get("ipConfig") or {}).get("ipAddress", []) for n in nics]
        return [address["ipAddress"] for config in configs for address in config]

    def own_reported_addresses(self, name: str, vips: set[str]) -> list[str]:
        """What the guest reports minus VIPs and link-local addresses: the server's own."""
        return [
            a
            for a in self.reported_addresses(name)
            if a not in vips and not ipaddress.ip_address(a).is_link_local
        ]

    def events(self) -> list[str]:
        """vCenter's event log, oldest first: ``[<EventType>] <message>`` per line."""
        lines = self.govc("events", "-l", "-n", "1000").splitlines()  # govc: at most 1000
        return [line.split("] ", 3)[-1] for line in lines if line.startswith("[")]


def unwrap(value: Any) -> Any:
    """govc's JSON wraps vSphere arrays (ArrayOf...) as {"_value": [...]}."""
    if isinstance(value, dict) and set(value) == {"_value"}:
        return value["_value"]
    return value


def decode(value: str) -> str:
    return gzip.decompress(base64.b64decode(value)).decode()


def local_stack_config(sim: SimulatorProcess, vcsim: VcsimProcess) -> dict[str, Any]:
    """stacks/Pulumi.local.yaml (the demo, mirroring the lab) pointed at this test's simulators."""
    config = yaml.safe_load(LOCAL_STACK.read_text())["config"]
    values = {
        key.removeprefix("avi-dsr:"): value
        for key, value in config.items()
        if not (isinstance(value, dict) and "secure" in value)  # secrets are set per test
    }
    values["controller"]["address"] = sim.url
    values["vcenter"]["server"] = vcsim.server
    return values
