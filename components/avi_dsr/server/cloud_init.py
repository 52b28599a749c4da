"""cloud-init payloads for new servers: user-data, meta-data, network-config, VMware guestinfo.

Network goes in meta-data `network` (VMware guestinfo) or the NoCloud network-config file:
cloud-init passes netplan v2 through verbatim at init-local, so the tunnels exist on first boot
without a `netplan apply`. netplan cannot set sysctls, so user-data writes them and applies them
with `sysctl -p` (systemd-sysctl already ran at that point of the first boot; later boots read
the file). No nftables MSS clamp here: a new VM's own routes carry the MSS (`netplan.py`), and
one mechanism per path keeps it clear which knob set it (the clamp is for existing servers,
`mss.py`).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from dataclasses import dataclass
from typing import Any

from avi_dsr.server.modules import render_modules_load, required_modules
from avi_dsr.server.netplan import dump_yaml, netplan_config, render_netplan
from avi_dsr.server.paths import MODULES_LOAD_PATH, SYSCTL_PATH
from avi_dsr.server.spec import ServerSpec
from avi_dsr.server.sysctl import render_sysctl

GUESTINFO_ENCODING = "gzip+base64"
INSTANCE_ID_DIGEST_CHARS = 16


@dataclass(frozen=True)
class CloudInit:
    """The three NoCloud seed files; meta_data also carries `network` for the VMware datasource."""

    user_data: str
    meta_data: str
    network_config: str


def render_user_data(spec: ServerSpec) -> str:
    """`#cloud-config` that writes the sysctl and modules-load files and applies them now.

    No secrets and no users: access is the template's business. `updates.network.when` stays at
    `boot-new-instance` on purpose: the instance-id changes whenever the config does, so a changed
    config is a new instance, and hand-made changes are not silently overwritten on every boot.
    """
    runcmd: list[list[str]] = [["modprobe", module] for module in required_modules(spec)]
    runcmd.append(["sysctl", "-p", SYSCTL_PATH])
    document: dict[str, Any] = {
        "hostname": spec.name,
        "preserve_hostname": False,
        "updates": {"network": {"when": ["boot-new-instance"]}},
        "write_files": [
            _write_file(SYSCTL_PATH, render_sysctl(spec)),
            _write_file(MODULES_LOAD_PATH, render_modules_load(spec)),
        ],
        "runcmd": runcmd,
    }
    return "#cloud-config\n" + dump_yaml(document)


def instance_id(spec: ServerSpec) -> str:
    """`<name>-<digest>`: a new id whenever anything cloud-init consumes changes.

    Derived from the cloud-init content only (user-data + network), not from the SSH scripts, so
    a change to the brownfield scripts never makes a VM a "new instance".
    """
    hasher = hashlib.sha256()
    for part in (render_user_data(spec), render_netplan(spec)):
        hasher.update(part.encode())
        hasher.update(b"\0")
    return f"{spec.name}-{hasher.hexdigest()[:INSTANCE_ID_DIGEST_CHARS]}"


def render_meta_data(spec: ServerSpec) -> str:
    """meta-data (YAML): instance-id, local-hostname and the netplan v2 mapping under `network`."""
    document = {
        "instance-id": instance_id(spec),
        "local-hostname": spec.name,
        "network": netplan_config(spec),
    }
    return dump_yaml(document)


def render_cloud_init(spec: ServerSpec) -> CloudInit:
    """All cloud-init payloads for `spec` (Contract 4)."""
    return CloudInit(
        user_data=render_user_data(spec),
        meta_data=render_meta_data(spec),
        network_config=render_netplan(spec),
    )


def guestinfo_extra_config(spec: ServerSpec) -> dict[str, str]:
    """vSphere `extra_config` for the VMware guestinfo datasource: gzip (mtime=0) + base64.

    mtime=0 keeps the bytes identical across runs, so `pulumi up` shows no spurious diff.
    """
    payloads = render_cloud_init(spec)
    return {
        "guestinfo.metadata": gzip_base64(payloads.meta_data),
        "guestinfo.metadata.encoding": GUESTINFO_ENCODING,
        "guestinfo.userdata": gzip_base64(payloads.user_data),
        "guestinfo.userdata.encoding": GUESTINFO_ENCODING,
    }


def gzip_base64(text: str) -> str:
    """Deterministic gzip + base64 of UTF-8 text."""
    return base64.b64encode(gzip.compress(text.encode(), compresslevel=9, mtime=0)).decode()


def _write_file(path: str, content: str) -> dict[str, Any]:
    return {"path": path, "owner": "root:root", "permissions": "0644", "content": content}
