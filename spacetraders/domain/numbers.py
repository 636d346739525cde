"""Whole numbers read from text at the edges (CLI options, action arguments): ASCII digits
only, 64 bits at most, so `1e3`, `1.0`, `²` or a 5,000-digit string never reach an SQL LIMIT,
a `timedelta` or a JSON config. Callers word the error; this module only decides."""

from __future__ import annotations

import re

INT64_MAX = 2**63 - 1
_SIGNED = re.compile(r"[+-]?[0-9]+")
_UNSIGNED = re.compile(r"\+?[0-9]+")


class NotWholeNumber(ValueError):
    """The text is not a plain whole number at all."""


class OutOfRange(ValueError):
    """A whole number, but outside the allowed range."""


def whole_number(text: str, low: int, high: int = INT64_MAX, *, signed: bool = True) -> int:
    """`text` (already stripped) as an int in [low, high]; NotWholeNumber or OutOfRange otherwise.
    Without `signed`, a leading minus makes the text malformed rather than out of range."""
    if not (_SIGNED if signed else _UNSIGNED).fullmatch(text):
        raise NotWholeNumber(text)
    # Compare lengths before int(): a 5000-digit argument is refused without converting it.
    if len(text.lstrip("+-0")) > len(str(max(abs(low), abs(high)))) or not low <= int(text) <= high:
        raise OutOfRange(text)
    return int(text)
