"""An existing server, live: a booted systemd container that the rendered SSH scripts configure.

Why a container and not a bare network namespace: the apply script runs `netplan apply`,
`systemctl` and `nft` like on a real host, and those talk to *that host's* systemd and networkd.
A bare namespace would reach the guest's own (srv1's) networkd. So the server under test is
`systemd-nspawn --boot` of the guest's own root filesystem (through an overlay whose writes land
in a tmpfs, so the image and srv1 are untouched) inside network namespace `live1`, plugged into
the lab's server segment like every other server. Its own networkd configures its NIC from a
plain pre-existing netplan file (what an existing host already has); sshd answers on its address.

The scripts are the bytes `ExistingDsrServer` hands to pulumi-command (rendered on the host by
lab/seed.py, `apply.cmd` / `remove.cmd`), sent with real `ssh` from the client namespace, host key
checked. A snapshot of the host (addresses, links, routes, the sysctls the config sets, the files
under the directories it writes, the nftables ruleset, the unit state) is taken before the apply,
after it, after a second apply and after the remove.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import time
from pathlib import Path

from lab.scenario import topo as lab_topo
from lab.scenario.shell import run_logged, sh

BASE = Path("/run/avi-dsr-live")
# what a stock Ubuntu host has before avi-dsr: its own rp_filter=2 (10-network-security.conf),
# the kernel's ARP defaults. A new namespace inherits the guest's (srv1's, DSR-ready) values.
STOCK_SYSCTLS = {
    "net.ipv4.conf.all.rp_filter": "2",
    "net.ipv4.conf.default.rp_filter": "2",
    "net.ipv4.conf.all.arp_ignore": "0",
    "net.ipv4.conf.all.arp_announce": "0",
}
# the guest's own boot-time files that belong to srv1 or to the lab, not to this host
NOT_THIS_HOST = (
    "etc/netplan/50-cloud-init.yaml",
    "etc/sysctl.d/99-zz-avi-dsr.conf",
    "etc/modules-load.d/avi-dsr.conf",
    "etc/systemd/system/sysinit.target.wants/lab-topo.service",
    "etc/systemd/system/cloud-init.target.wants/lab-run.service",
    # the image masks sshd (the guest has no NIC); this host is reached over SSH
    "etc/systemd/system/ssh.service",
)


class LiveServer:
    """One existing server in netns `server["namespace"]`, booted as a systemd container."""

    def __init__(self, server: dict, seed_dir: Path, topo: dict, evidence: Path) -> None:
        self.server = server
        self.name = server["name"]
        self.ns = server["namespace"]
        self.seed = seed_dir
        self.topo = topo
        self.evidence = evidence
        self.dir = BASE / self.name
        self.root = self.dir / "root"
        self.key = self.dir / "id_ed25519"
        self.known_hosts = self.dir / "known_hosts"
        self.address = lab_topo.ip_only(server["ipv4"])
        self.boot: subprocess.Popen | None = None

    # ---- bring-up ------------------------------------------------------------------------
    def start(self) -> None:
        """Namespace + NIC on the server segment, the container's root, then boot it (async)."""
        sh(["ip", "netns", "add", self.ns])
        sh(["ip", "-n", self.ns, "link", "set", "lo", "up"])
        lab_topo.veth_to_router(self.ns, self.topo["interface"], self.name)
        lab_topo.no_offload(self.ns, self.topo["interface"])
        for key, value in STOCK_SYSCTLS.items():
            sh(["sysctl", "-qw", f"{key}={value}"], ns=self.ns)
        self._prepare_root()
        self.evidence.mkdir(parents=True, exist_ok=True)
        console = (self.evidence / "container-console.log").open("w")
        argv = [
            "systemd-nspawn",
            "--quiet",
            "--boot",
            f"--machine={self.name}",
            f"--directory={self.root}",
            f"--network-namespace-path=/run/netns/{self.ns}",
            "--capability=CAP_NET_ADMIN",
            "--console=read-only",
        ]
        print("# " + shlex.join(argv))
        self.boot = subprocess.Popen(argv, stdout=console, stderr=subprocess.STDOUT)

    def _prepare_root(self) -> None:
        """The guest's root through an overlay (writes go to tmpfs), minus srv1's own config,
        plus this host's plain netplan, hostname and the lab's SSH key for root."""
        self.dir.mkdir(parents=True, exist_ok=True)
        sh(["mount", "-t", "tmpfs", "avi-dsr-live", str(self.dir)])
        for sub in ("upper", "work", "root"):
            (self.dir / sub).mkdir()
        sh(
            [
                "mount",
                "-t",
                "overlay",
                "avi-dsr-live",
                "-o",
                f"lowerdir=/,upperdir={self.dir / 'upper'},workdir={self.dir / 'work'}",
                str(self.root),
            ]
        )
        for relative in NOT_THIS_HOST:
            path = self.root / relative
            if path.is_symlink() or path.exists():
                path.unlink()
        (self.root / "etc/cloud/cloud-init.disabled").write_text("not this host\n")
        (self.root / "etc/hostname").write_text(self.name + "\n")
        base = self.root / "etc/netplan/50-existing.yaml"
        base.write_text((self.seed / "existing-netplan.yaml").read_text())
        base.chmod(0o600)
        sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.key)])
        ssh_dir = self.root / "root/.ssh"
        ssh_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        (ssh_dir / "authorized_keys").write_text(Path(f"{self.key}.pub").read_text())
        host_key = (self.root / "etc/ssh/ssh_host_ed25519_key.pub").read_text().split()
        self.known_hosts.write_text(f"{self.address} {host_key[0]} {host_key[1]}\n")

    def wait_ready(self, timeout: float = 180) -> float:
        """Until sshd answers over the network with the expected host key; then /sys goes
        read-write, as on a real host (see below)."""

        def answers() -> bool:
            if self.boot is not None and self.boot.poll() is not None:
                raise RuntimeError(f"the container exited with {self.boot.returncode}")
            try:
                return self.ssh("true", timeout=20, quiet=True).returncode == 0
            except subprocess.TimeoutExpired:
                return False

        took = lab_topo.wait_for(f"{self.name}: booted, sshd answering", answers, timeout=timeout)
        # A real host's /sys and /proc/sys/net are writable; nspawn mounts both read-only when
        # it is handed a network namespace. `netplan apply` runs `udevadm trigger` (EROFS on a
        # read-only /sys) and the script sets sysctls. Booting with them writable
        # (SYSTEMD_NSPAWN_API_VFS_WRITABLE) stalled networkd's start or hid /sys/module from
        # modprobe, so the booted host gets them writable now, from outside, before any script.
        leader = sh(["machinectl", "show", "--property=Leader", "--value", self.name]).strip()
        sh(["nsenter", "--target", leader, "--mount", "sh", "-euc", WRITABLE_HOST_MOUNTS])
        self.share_connection()
        return took

    # ---- remote commands -----------------------------------------------------------------
    def ssh_options(self) -> list[str]:
        """Key auth as root, host key checked against the container's own key, no prompts.
        Once `share_connection` ran, every command reuses one TCP connection and login (each
        is still its own session and exec, as pulumi-command's are): a login costs seconds
        under TCG."""
        options = {
            "UserKnownHostsFile": str(self.known_hosts),
            "StrictHostKeyChecking": "yes",
            "BatchMode": "yes",
            "ConnectTimeout": "5",
            "ControlPath": str(self.dir / "ssh-control"),
            "ControlMaster": "no",
        }
        return ["-i", str(self.key), *(f"-o{key}={value}" for key, value in options.items())]

    def share_connection(self) -> None:
        """A background master connection (stdio detached, so nothing waits on its pipes)."""
        argv = ["ssh", *self.ssh_options(), "-oControlMaster=yes", "-oControlPersist=600"]
        argv = ["ip", "netns", "exec", "cli", *argv, "-f", "-N", f"root@{self.address}"]
        print("# " + shlex.join(argv))
        subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            check=False,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )

    def ssh(self, command: str, timeout: float = 180, quiet: bool = False, shown: str = ""):
        """`ssh root@server COMMAND` from the client namespace; run.log shows `shown` in place
        of a long command."""
        argv = ["ssh", *self.ssh_options(), f"root@{self.address}", command]
        return run_logged(argv, ns="cli", quiet=quiet, timeout=timeout, shown=shown)

    def ssh_exit(self) -> None:
        """Ends the shared connection, if there is one."""
        argv = ["ssh", *self.ssh_options(), "-O", "exit", f"root@{self.address}"]
        run_logged(argv, ns="cli", timeout=30)

    def run_script(self, script: str, label: str = "") -> dict:
        """Send seeds/<name>/<script>.cmd as the remote command; its output goes to
        <label or script>.out in the evidence."""
        command = (self.seed / f"{script}.cmd").read_text()
        label = label or script
        started = time.monotonic()
        proc = self.ssh(command, shown=f'"$(cat seeds/{self.name}/{script}.cmd)"')
        took = time.monotonic() - started
        (self.evidence / f"{label}.out").write_text(
            f"# rc={proc.returncode} in {took:.1f}s\n{proc.stdout}\n# stderr\n{proc.stderr}"
        )
        return {
            "rc": proc.returncode,
            "seconds": round(took, 1),
            "stdout": proc.stdout.splitlines(),
            "stderr": proc.stderr.splitlines()[-20:],
        }

    # ---- state ---------------------------------------------------------------------------
    def snapshot(self, label: str) -> dict:
        """The host's state as one JSON-able dict, read over SSH (what the host itself sees)."""
        proc = self.ssh(SNAPSHOT, quiet=True, timeout=120, shown="<snapshot script>")
        (self.evidence / f"state-{label}.txt").write_text(proc.stdout + proc.stderr)
        state = parse_snapshot(proc.stdout)
        state["rc"] = proc.returncode
        (self.evidence / f"state-{label}.json").write_text(json.dumps(state, indent=2) + "\n")
        return state

    def stop(self) -> None:
        """Orderly shutdown (nspawn turns SIGTERM into a poweroff of the container)."""
        self.ssh_exit()
        if self.boot is not None and self.boot.poll() is None:
            self.boot.terminate()
            try:
                self.boot.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.boot.kill()


WRITABLE_HOST_MOUNTS = """
mount -o remount,rw /sys
mount --bind /proc/sys/net /proc/sys/net
mount -o remount,bind,rw /proc/sys/net
"""

# One shell script, run on the server: sections "## name" then their output. Only stable facts:
# no counters, no timestamps, no ifindex-dependent lines.
SNAPSHOT = r"""
export LC_ALL=C
echo '## addresses'
ip -o address show | awk '{ $1 = ""; print }' | sed 's/ valid_lft.*//' | sort
echo '## links'
ip -o -d link show | sed -E 's/^[0-9]+: //' | sort
echo '## routes'
{ ip -4 route show table all; ip -6 route show table all; } | sort
echo '## sysctl'
for key in net.ipv4.conf.all.rp_filter net.ipv4.conf.default.rp_filter \
  net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce; do
  echo "$key = $(sysctl -n "$key")"
done
echo '## files'
dirs=$(for dir in /etc/netplan /etc/sysctl.d /etc/modules-load.d /etc/avi-dsr \
  /etc/systemd/system; do if [ -d "$dir" ]; then echo "$dir"; fi; done)
{ find $dirs -type l -printf '%p -> %l\n'; find $dirs -type f -printf '%p %m\n';
  find $dirs -type f -print0 | xargs -0 -r sha256sum | awk '{ print $2, $1 }'; } | sort
echo '## nft'
nft list ruleset
echo '## units'
systemctl is-enabled avi-dsr-mss.service 2>&1
systemctl is-active avi-dsr-mss.service 2>&1
"""


def parse_snapshot(text: str) -> dict:
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            sections[current] = []
        elif current is not None and line.strip():
            sections[current].append(line.rstrip())
    return sections
