"""Numeric command-line options with a range: finite, bounded, checked before anything runs.

Typer's own `int`/`float` accept `nan`, `inf` and integers past 64 bits; those then break
deep inside (an SQL LIMIT, a `timedelta`, a JSON config). Every numeric option of the CLI
is declared through `int_option` / `float_option` instead: a bad value is a usage error
(exit 2) whose message main.py prints as one `error: ...` line.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import typer

from spacetraders.domain.numbers import INT64_MAX, NotWholeNumber, OutOfRange, whole_number


def bounded_int(low: int, high: int = INT64_MAX) -> Callable[[Any], int]:
    """A parser for a whole number in [low, high] (ASCII digits only: no `1e3`, no `1.0`)."""
    expected = f"an integer from {low} to {high}"

    def parse(value: Any) -> int:
        text = str(value).strip()
        try:
            return whole_number(text, low, high)
        except NotWholeNumber:
            raise typer.BadParameter(f"must be {expected}, not {_quoted(text)}") from None
        except OutOfRange:
            raise typer.BadParameter(f"must be {expected}, not {_short(text)}") from None

    return parse


def finite_float(low: float, high: float, *, unit: str = "") -> Callable[[Any], float]:
    """A parser for a finite number in [low, high]: never NaN or infinity."""
    bounds = f"from {_num(low)} to {_num(high)}" + (f" {unit}" if unit else "")
    expected = f"a number {bounds}"

    def parse(value: Any) -> float:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            raise typer.BadParameter(f"must be {expected}, not {_quoted(text)}") from None
        if not math.isfinite(number):
            raise typer.BadParameter(f"must be a finite number {bounds}, not {_short(text)}")
        if not low <= number <= high:
            raise typer.BadParameter(f"must be {expected}, not {_short(text)}")
        return number

    return parse


def int_option(default: int | None, *decls: str, low: int, high: int = INT64_MAX, help: str) -> Any:
    """`typer.Option` for an integer in [low, high]; the range is shown in --help."""
    return typer.Option(default, *decls, parser=bounded_int(low, high), help=f"{help} [{low}..{high}]")


def float_option(default: float | None, *decls: str, low: float, high: float, unit: str = "", help: str) -> Any:
    """`typer.Option` for a finite number in [low, high]; the range is shown in --help."""
    return typer.Option(
        default, *decls, parser=finite_float(low, high, unit=unit), help=f"{help} [{_num(low)}..{_num(high)}]"
    )


def _num(value: float) -> str:
    """1000000 rather than 1e+06, 0.05 as it is."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _quoted(text: str) -> str:
    return repr(_short(text)) if text else "an empty value"


def _short(text: str) -> str:
    """A hostile value echoed back, without printing a 5000-digit number in full."""
    return text if len(text) <= 24 else f"{text[:10]}...{text[-6:]} ({len(text)} characters)"
