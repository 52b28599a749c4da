"""Where the ``avi-dsr:*`` values come from: a running Pulumi program or a stack YAML file.

Both return the same shape for :func:`avi_dsr.config.parse_stack`: plain values keyed without
the namespace, and the names of the secret keys that are set (secret values never leave here).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from avi_dsr.config.specs import NAMESPACE, PLAIN_KEYS, SECRET_KEYS, ConfigError

_PREFIX = f"{NAMESPACE}:"


MAX_STACK_FILE = 8 * 1024 * 1024
"""A stack file is a few KB; a bigger one is a mistake (or worse), refused before parsing."""


def values_from_stack_file(path: str | Path) -> tuple[dict[str, Any], set[str]]:
    """Read ``config:`` from a ``Pulumi.<stack>.yaml``; ``{secure: ...}`` counts as set."""
    document = _load_yaml(Path(path)) or {}
    config = document.get("config") if isinstance(document, Mapping) else None
    if not isinstance(config, Mapping):
        raise ConfigError([f"{path}: has no 'config:' mapping with avi-dsr:* keys"])
    values: dict[str, Any] = {}
    secrets: set[str] = set()
    for full_key, value in config.items():
        if not str(full_key).startswith(_PREFIX):
            continue
        key = str(full_key)[len(_PREFIX) :]
        if isinstance(value, Mapping) and set(value) == {"secure"}:
            secrets.add(key)
        elif key in SECRET_KEYS:
            if value not in (None, ""):
                raise ConfigError(
                    [
                        f"{full_key}: must be encrypted; set it with "
                        f"`pulumi config set --secret {full_key}`"
                    ]
                )
        else:
            values[key] = value
    return values, secrets


def _load_yaml(path: Path) -> Any:
    """The parsed file, or a ConfigError saying why not (never a traceback).

    Bytes go to the YAML parser, which reports bad encodings itself; a nesting too deep is
    refused before parsing, a number too big for Python is the parser's ValueError.
    """
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_STACK_FILE + 1)
    except OSError as err:
        raise ConfigError([f"{path}: cannot read the stack file ({err.strerror})"]) from None
    if len(data) > MAX_STACK_FILE:
        raise ConfigError([f"{path}: larger than {MAX_STACK_FILE // 2**20} MiB; not a stack file"])
    try:
        if _yaml_depth(data) > MAX_NESTING:
            raise ConfigError([f"{path}: not a stack file (nested deeper than {MAX_NESTING})"])
        return yaml.safe_load(data)
    except yaml.YAMLError as err:
        raise ConfigError([f"{path}: not valid YAML ({_one_line(err)})"]) from None
    except ValueError as err:  # e.g. an integer with more digits than Python converts
        raise ConfigError([f"{path}: not valid YAML ({_one_line(err)})"]) from None


# No stack file nests anywhere near this deep. Checked before parsing, because the parsers
# recurse: a RecursionError would be caught, but CPython 3.11 then fails later, unrelated
# compiles with "AST constructor recursion depth mismatch" (python/cpython#106905).
MAX_NESTING = 64


def _yaml_depth(data: bytes) -> int:
    """Deepest collection nesting, from PyYAML's event stream (an iterative state machine,
    unlike the recursive composer safe_load uses)."""
    depth = deepest = 0
    for event in yaml.parse(data, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return deepest


def _json_depth(text: str) -> int:
    """Deepest `[`/`{` nesting outside strings (json.loads recurses too)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            escaped = not escaped and ch == "\\"
            in_string = escaped or ch != '"'
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())


def values_from_pulumi() -> tuple[dict[str, Any], set[str]]:
    """Read the running program's config (object values arrive as JSON text)."""
    from pulumi.runtime import config as runtime_config

    present: dict[str, Any] = {}
    for key in _all_keys(runtime_config):
        if key.startswith(_PREFIX):
            present[key[len(_PREFIX) :]] = runtime_config.get_config(key)
    values: dict[str, Any] = {}
    secrets: set[str] = set()
    for key, raw in present.items():
        if key in SECRET_KEYS:
            if raw not in (None, ""):
                secrets.add(key)
            continue
        values[key] = _decode(raw) if key in PLAIN_KEYS else raw
    return _drop_empty_defaults(values), secrets


def _all_keys(runtime_config: Any) -> set[str]:
    keys = set(runtime_config.CONFIG.get())
    keys.update(runtime_config.get_config_env() or {})
    return keys


def _decode(raw: Any) -> Any:
    if isinstance(raw, str):
        if _json_depth(raw) > MAX_NESTING:
            return raw  # left as text: the config reader says it is not the shape it needs
        try:
            return json.loads(raw)
        except ValueError:  # not JSON: the reader says why
            return raw
    return raw


def _drop_empty_defaults(values: dict[str, Any]) -> dict[str, Any]:
    """Pulumi.yaml gives optional object keys a ``{}`` default; treat it as "not set"."""
    return {k: v for k, v in values.items() if v not in ({}, None, "")}
