"""What every avi-dsr component shares: its type token and args given as dataclass or dict."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

import pulumi

PACKAGE = "avi-dsr"
ArgsT = TypeVar("ArgsT")


def type_token(name: str) -> str:
    """``avi-dsr:index:<Name>``: the form component providers require."""
    return f"{PACKAGE}:index:{name}"


def coerce_args(cls: type[ArgsT], args: ArgsT | Mapping[str, Any]) -> ArgsT:
    """Accept the frozen dataclass or its TypedDict twin; name bad fields clearly."""
    if isinstance(args, cls):
        return args
    if not isinstance(args, Mapping):
        raise TypeError(f"args must be {cls.__name__} or a dict, got {type(args).__name__}")
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(args) - known)
    if unknown:
        raise TypeError(
            f"{cls.__name__}: unknown field(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(known))}"
        )
    try:
        return cls(**args)
    except TypeError as err:
        raise TypeError(f"{cls.__name__}: {err}") from None


def child_opts(parent: pulumi.Resource, **extra: Any) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **extra)
