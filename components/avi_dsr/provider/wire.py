"""Pulumi wire values <-> plain Python, for the provider host.

The engine sends properties as protobuf Structs: numbers are doubles, a secret is an object with the
secret signature, an unknown preview value is a sentinel string. The provider core works on plain
dicts, so secrets are unwrapped on the way in (the engine re-marks outputs whose inputs were secret)
and numbers that are whole become ints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.rpc import UNKNOWN, _special_secret_sig, _special_sig_key

from avi_dsr.avi.values import normalize_numbers

SECRET_SIG = _special_secret_sig
SIG_KEY = _special_sig_key


def from_struct(struct: struct_pb2.Struct | None) -> dict[str, Any]:
    """A Struct as plain Python, secrets unwrapped, whole numbers as ints."""
    if struct is None:
        return {}
    return normalize_numbers(_unwrap(json_format.MessageToDict(struct)))


def secret_keys(struct: struct_pb2.Struct | None) -> set[str]:
    """Top-level keys whose value arrived as a secret."""
    if struct is None:
        return set()
    return {
        key
        for key, value in struct.fields.items()
        if value.HasField("struct_value")
        and value.struct_value.fields.get(SIG_KEY, struct_pb2.Value()).string_value == SECRET_SIG
    }


def to_struct(values: Mapping[str, Any], secret: set[str] = frozenset()) -> struct_pb2.Struct:  # type: ignore[assignment]
    """Plain Python as a Struct; keys in `secret` are wrapped as secrets."""
    struct = struct_pb2.Struct()
    struct.update(
        {
            key: ({SIG_KEY: SECRET_SIG, "value": value} if key in secret else value)
            for key, value in values.items()
        }
    )
    return struct


def _unwrap(value: Any) -> Any:
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == SECRET_SIG:
            return _unwrap(value.get("value"))
        return {key: _unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unwrap(item) for item in value]
    return value


def has_unknowns(value: Any) -> bool:
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, Mapping):
        return any(has_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknowns(v) for v in value)
    return False
