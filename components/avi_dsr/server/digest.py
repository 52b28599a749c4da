"""One digest over everything rendered for a server: the trigger for re-applying it."""

from __future__ import annotations

import hashlib
import json

from avi_dsr.server.cloud_init import render_cloud_init
from avi_dsr.server.files import server_files
from avi_dsr.server.scripts import render_apply_script, render_remove_script
from avi_dsr.server.spec import ServerSpec

DIGEST_FORMAT = "avi-dsr-server/1"


def config_digest(spec: ServerSpec) -> str:
    """sha256 (hex) over every rendered artefact; stable across runs and processes.

    Any change in the files, the cloud-init payloads or the scripts changes it; nothing else does.
    """
    payloads = render_cloud_init(spec)
    artefacts = {
        "format": DIGEST_FORMAT,
        "server_files": {path: list(entry) for path, entry in server_files(spec).items()},
        "user_data": payloads.user_data,
        "meta_data": payloads.meta_data,
        "network_config": payloads.network_config,
        "apply_script": render_apply_script(spec),
        "remove_script": render_remove_script(spec),
    }
    canonical = json.dumps(artefacts, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()
