"""Text rules every layer shares: how a bad value is shown, and what no value may contain.

Kept free of avi_dsr imports (like ``controller_address``) so the renderers, the stack config and
the components can all use it without an import cycle. Why it matters: a value ends up in shell
scripts, netplan YAML, Avi names and one-line error messages; a newline or an 80 KB repr breaks
each of them.
"""

from __future__ import annotations

import reprlib
import unicodedata
from collections.abc import Iterable
from typing import Any

MAX_TEXT = 256
"""Longest free-form value (a user, a host, a vCenter object name); real ones are far shorter."""
MAX_SHOWN = 60
"""Longest rendering of a bad value inside an error message."""

# Cc: C0/C1 controls (newline, tab, NUL, ESC...); Cf: invisible format characters (zero-width
# space, BOM, bidi overrides); Zl/Zp: Unicode line and paragraph separators; Cs: lone surrogates,
# which cannot even be written to a UTF-8 file.
_REFUSED_CATEGORIES = {"Cc": "a control character", "Cf": "an invisible format character"}
_REFUSED_CATEGORIES |= {"Zl": "a line separator", "Zp": "a paragraph separator"}
_REFUSED_CATEGORIES |= {"Cs": "a lone surrogate"}

_REPR = reprlib.Repr()
_REPR.maxlevel = 2
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = _REPR.maxfrozenset = 4
_REPR.maxstring = MAX_SHOWN
_REPR.maxother = MAX_SHOWN


def describe(value: Any) -> str:
    """Short, safe rendering of a bad value: bounded however big or deep the value is."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"an integer of {value.bit_length()} bits"  # repr() of a huge int may even fail
    try:
        text = repr(value) if isinstance(value, str) else _REPR.repr(value)
    except Exception:  # a hostile __repr__ must not turn a config error into a crash
        text = f"<{type(value).__name__}>"
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


_COMMON_NAMES = {"\n": "newline", "\r": "carriage return", "\t": "tab", "\x00": "NUL"}


def refused_character(text: str) -> str | None:
    """Where and what the first character no value may contain is, or None."""
    for position, char in enumerate(text):
        what = _REFUSED_CATEGORIES.get(unicodedata.category(char))
        if what:
            code = f"U+{ord(char):04X}"
            name = f"{_COMMON_NAMES[char]}, {code}" if char in _COMMON_NAMES else code
            return f"contains {what} ({name}) at position {position}; remove it"
    return None


def text_problem(value: Any, *, max_len: int = MAX_TEXT) -> str | None:
    """Why ``value`` is not a usable one-line string (None when it is)."""
    if not isinstance(value, str) or not value.strip():
        return f"must be a non-empty string, got {describe(value)}"
    if len(value) > max_len:
        return f"is {len(value)} characters long; at most {max_len} are allowed"
    return refused_character(value)


def int_problem(value: Any, low: int, high: int) -> str | None:
    """Why ``value`` is not an integer in [low, high] (booleans are not integers here)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be an integer between {low} and {high}, got {describe(value)}"
    if not low <= value <= high:
        return f"must be between {low} and {high}, got {describe(value)}"
    return None


def short_list(items: Iterable[Any], limit: int = 8) -> str:
    """``a, b, c`` or ``a, b, ... (5000 in all)``: a list inside a message stays one short line."""
    shown = [str(item) for item in items]
    if len(shown) <= limit:
        return ", ".join(shown)
    return f"{', '.join(shown[:limit])}, ... ({len(shown)} in all)"
