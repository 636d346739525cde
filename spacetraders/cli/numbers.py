"""Numeric command-line options with a range: finite, bounded, checked before anything runs.

Typer's own `int`/`float` accept `nan`, `inf` and integers past 64 bits; those then break
deep inside (an SQL LIMIT, a `timedelta`, a JSON config). Every numeric option of the CLI
is declared through `int_option` / `float_option` instead: a bad value is a usage error
(exit 2) whose message main.py prints as one `error: ...` line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import typer

INT64_MAX = 2**63 - 1
_INTEGER = re.compile(r"[+-]?[0-9]+")


def bounded_int(low: int, high: int = INT64_MAX) -> Callable[[Any], int]:
    """A parser for a whole number in [low, high] (ASCII digits only: no `1e3`, no `1.0`)."""
    expected = f"an integer from {low} to {high}"
    digits = len(str(max(abs(low), abs(high))))

    def parse(value: Any) -> int:
        text = str(value).strip()
        if isinstance(value, bool) or not _INTEGER.fullmatch(text):
            raise typer.BadParameter(f"must be {expected}, not {_quoted(text)}")
        # Compare lengths before int(): a 5000-digit argument is refused without converting it.
        if len(text.lstrip("+-0")) > digits or not low <= int(text) <= high:
            raise typer.BadParameter(f"must be {expected}, not {_short(text)}")
        return int(text)

    return parse


def finite_float(low: float, high: float, *, low_open: bool = False, unit: str = "") -> Callable[[Any], float]:
    """A parser for a finite number in [low, high] (or (low, high] with low_open); never NaN or infinity."""
    bounds = f"greater than {low:g} and at most {high:g}" if low_open else f"from {low:g} to {high:g}"
    expected = f"a number {bounds}" + (f" {unit}" if unit else "")

    def parse(value: Any) -> float:
        text = str(value).strip()
        try:
            number = math.nan if isinstance(value, bool) else float(text)
        except ValueError:
            raise typer.BadParameter(f"must be {expected}, not {_quoted(text)}") from None
        if not math.isfinite(number):
            raise typer.BadParameter(f"must be a finite number ({expected}), not {_short(text)}")
        if number < low or (low_open and number == low) or number > high:
            raise typer.BadParameter(f"must be {expected}, not {_short(text)}")
        return number

    return parse


def int_option(default: int | None, *decls: str, low: int, high: int = INT64_MAX, help: str) -> Any:
    """`typer.Option` for an integer in [low, high]; the range is shown in --help."""
    return typer.Option(default, *decls, parser=bounded_int(low, high), help=f"{help} [{low}..{high}]")


def float_option(
    default: float | None, *decls: str, low: float, high: float, low_open: bool = False, unit: str = "", help: str
) -> Any:
    """`typer.Option` for a finite number in [low, high] (low excluded with low_open)."""
    bracket = "(" if low_open else "["
    return typer.Option(
        default, *decls, parser=finite_float(low, high, low_open=low_open, unit=unit),
        help=f"{help} {bracket}{low:g}..{high:g}]",
    )


def _quoted(text: str) -> str:
    return repr(_short(text)) if text else "an empty value"


def _short(text: str) -> str:
    """A hostile value echoed back, without printing a 5000-digit number in full."""
    return text if len(text) <= 24 else f"{text[:10]}...{text[-6:]} ({len(text)} characters)"
