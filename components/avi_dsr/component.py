"""What every avi-dsr component shares: its type token, and args given as dataclass or dict,
checked before anything is registered."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import pulumi

from avi_dsr.config.fields import Problem, Problems, summarize
from avi_dsr.config.typed import arg_problems
from avi_dsr.textcheck import describe, short_list, text_problem

PACKAGE = "avi-dsr"
ArgsT = TypeVar("ArgsT")


class ComponentArgsError(pulumi.RunError, ValueError, TypeError):
    """Every problem with a component's args, each naming the arg and the fix.

    A ``RunError`` so ``pulumi up`` prints the message without a Python traceback; also a
    ValueError and a TypeError, since bad args are bad values and wrong types alike.
    """

    def __init__(self, component: str, resource_name: Any, problems: Iterable[object]) -> None:
        self.component = component
        self.problems = [str(p) for p in problems]
        count = len(self.problems)
        lines = "\n".join(f"  - {line}" for line in summarize(self.problems))
        super().__init__(
            f"{component} {describe(resource_name)}: "
            f"{count} problem{'s' if count != 1 else ''} in its args:\n{lines}"
        )


def type_token(name: str) -> str:
    """``avi-dsr:index:<Name>``: the form component providers require."""
    return f"{PACKAGE}:index:{name}"


def checked_args(
    component: str,
    resource_name: Any,
    cls: type[ArgsT],
    args: ArgsT | Mapping[str, Any],
    check: Callable[[Any, Problems], None],
) -> ArgsT:
    """The args as ``cls``, checked by ``check`` (rules of :mod:`avi_dsr.config.typed`).

    Raises :class:`ComponentArgsError` with every problem at once; call it before
    ``super().__init__`` so a refused component leaves nothing registered.
    """
    a = coerce_args(cls, args, component=component, resource_name=resource_name)
    problems = Problems()
    if problem := text_problem(resource_name):
        problems.add("resource_name", problem)
    check(a, problems)
    if problems:
        raise ComponentArgsError(component, resource_name, arg_problems(problems))
    return a


def coerce_args(
    cls: type[ArgsT],
    args: ArgsT | Mapping[str, Any],
    *,
    component: str | None = None,
    resource_name: Any = None,
) -> ArgsT:
    """Accept the frozen dataclass or its TypedDict twin; name unknown and missing fields."""
    component = component or cls.__name__.removesuffix("Args")
    if isinstance(args, cls):
        return args
    if not isinstance(args, Mapping):
        raise ComponentArgsError(
            component,
            resource_name,
            [f"args: must be {cls.__name__} or a dict, got {type(args).__name__}"],
        )
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    known = {f.name for f in fields}
    problems: list[Problem] = []
    unknown = sorted(
        k if isinstance(k, str) and len(k) <= 40 and k.isprintable() else describe(k)
        for k in args
        if k not in known
    )
    if unknown:
        allowed = ", ".join(sorted(known))
        problems.append(
            Problem("args", f"unknown field(s) {short_list(unknown)}; allowed: {allowed}")
        )
    for f in fields:
        no_default = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if no_default and f.name not in args:
            problems.append(Problem(f.name, "is required"))
    if problems:
        raise ComponentArgsError(component, resource_name, problems)
    return cls(**args)


def child_opts(parent: pulumi.Resource, **extra: Any) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **extra)
