"""Optional persistence: the store as one JSON file, replaced atomically on every write."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FORMAT = 1


def load_state(path: Path) -> dict[str, Any] | None:
    """The saved snapshot, or None when the file does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"--state-file {path}: not valid JSON ({exc}); delete it to start fresh"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or "objects" not in data:
        raise ValueError(f"--state-file {path}: not an avisim state file; delete it to start fresh")
    return data


def save_state(path: Path, snapshot: Mapping[str, Any]) -> None:
    """Write to a temp file in the same directory, fsync, then rename over the old file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"format": FORMAT, **snapshot}, out, separators=(",", ":"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
