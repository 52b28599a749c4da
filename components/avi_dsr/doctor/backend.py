"""Which file backend Pulumi would use for a project, and where its files are."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

BOOKKEEPING = ".pulumi"


class DoctorError(Exception):
    """The backend cannot be inspected (not found, not a file backend): one line for the user."""


@dataclass(frozen=True)
class Backend:
    """A file backend's root directory and the project whose stacks are looked at."""

    root: Path
    project: str | None

    @property
    def bookkeeping(self) -> Path:
        return self.root / BOOKKEEPING


def backend_url(
    explicit: str | None, env: Mapping[str, str], project_dir: Path, pulumi_home: Path
) -> str:
    """Where Pulumi itself would look, in its order: --backend, PULUMI_BACKEND_URL, the project's
    `backend.url`, then the login in PULUMI_HOME/credentials.json."""
    if explicit:
        return explicit
    if env.get("PULUMI_BACKEND_URL"):
        return env["PULUMI_BACKEND_URL"]
    url = (_project_file(project_dir).get("backend") or {}).get("url")
    if url:
        return str(url)
    try:
        current = json.loads((pulumi_home / "credentials.json").read_text()).get("current")
    except (OSError, ValueError):
        current = None
    if not current:
        raise DoctorError(
            "no backend: not logged in and no PULUMI_BACKEND_URL; pass --backend file://DIR"
        )
    return str(current)


def file_backend_root(url: str, cwd: Path) -> Path:
    """`file://~/state`, `file:///abs/state`, `file://rel` -> the directory."""
    if not url.startswith("file://"):
        raise DoctorError(
            f"backend {url} is not a file:// backend; the doctor inspects file backends only "
            "(for others, `pulumi cancel` clears a stale lock)"
        )
    raw = unquote(urlsplit(url).path if url.startswith("file:///") else url[len("file://") :])
    raw = raw.split("?", 1)[0]
    path = Path(os.path.expanduser(raw))
    root = path if path.is_absolute() else cwd / path
    if not (root / BOOKKEEPING).is_dir():
        raise DoctorError(f"{root} holds no Pulumi state ({BOOKKEEPING}/ is missing)")
    return root


def project_name(project_dir: Path) -> str | None:
    name = _project_file(project_dir).get("name")
    return str(name) if name else None


def _project_file(project_dir: Path) -> dict[str, Any]:
    for candidate in ("Pulumi.yaml", "Pulumi.yml"):
        try:
            loaded = yaml.safe_load((project_dir / candidate).read_text())
        except (OSError, yaml.YAMLError):
            continue
        return loaded if isinstance(loaded, dict) else {}
    return {}


def shown(backend: Backend, path: Path) -> str:
    """A path as the user knows it: relative to the backend's root."""
    try:
        return str(path.relative_to(backend.root))
    except ValueError:
        return str(path)
