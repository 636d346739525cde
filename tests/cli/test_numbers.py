"""The range-checked number parsers behind every numeric CLI option (no database)."""

from __future__ import annotations

import pytest
import typer

from spacetraders.cli.numbers import INT64_MAX, bounded_int, finite_float


@pytest.mark.parametrize("text,value", [("0", 0), ("7", 7), ("+7", 7), (" 12 ", 12), ("0010", 10), (str(10**6), 10**6)])
def test_bounded_int_accepts_whole_numbers_in_range(text: str, value: int) -> None:
    assert bounded_int(0, 10**6)(text) == value


@pytest.mark.parametrize(
    "text,shown",
    [
        ("-1", "not -1"), ("1000001", "not 1000001"), ("1" + "0" * 23, "not 100000000000000000000000"),
        ("9" * 5000, "not 9999999999...999999 (5000 characters)"),
        ("1e3", "not '1e3'"), ("1.0", "not '1.0'"), ("nan", "not 'nan'"), ("inf", "not 'inf'"), ("0x10", "not '0x10'"),
        ("1_000", "not '1_000'"), ("١٢", "not '١٢'"), ("²", "not '²'"), ("", "not an empty value"), ("5\n6", r"not '5\n6'"),
    ],
)
def test_bounded_int_refuses_anything_else_in_one_line(text: str, shown: str) -> None:
    with pytest.raises(typer.BadParameter) as err:
        bounded_int(0, 10**6)(text)
    assert str(err.value) == f"must be an integer from 0 to 1000000, {shown}"


def test_bounded_int_defaults_to_64_bits() -> None:
    parse = bounded_int(0)
    assert parse(str(INT64_MAX)) == INT64_MAX
    with pytest.raises(typer.BadParameter):
        parse(str(INT64_MAX + 1))


@pytest.mark.parametrize("text,value", [("1", 1.0), ("2.5", 2.5), ("1e1", 10.0), (" 3650 ", 3650.0), ("1_0", 10.0)])
def test_finite_float_accepts_numbers_in_range(text: str, value: float) -> None:
    assert finite_float(1, 3650, unit="days")(text) == value


@pytest.mark.parametrize(
    "text,message",
    [
        ("nan", "must be a finite number from 1 to 3650 days, not nan"),
        ("NaN", "must be a finite number from 1 to 3650 days, not NaN"),
        ("inf", "must be a finite number from 1 to 3650 days, not inf"),
        ("-Infinity", "must be a finite number from 1 to 3650 days, not -Infinity"),
        ("1e400", "must be a finite number from 1 to 3650 days, not 1e400"),
        ("0", "must be a number from 1 to 3650 days, not 0"),
        ("0.999", "must be a number from 1 to 3650 days, not 0.999"),
        ("3650.5", "must be a number from 1 to 3650 days, not 3650.5"),
        ("-7", "must be a number from 1 to 3650 days, not -7"),
        ("seven", "must be a number from 1 to 3650 days, not 'seven'"),
        ("", "must be a number from 1 to 3650 days, not an empty value"),
    ],
)
def test_finite_float_refuses_non_finite_and_out_of_range(text: str, message: str) -> None:
    with pytest.raises(typer.BadParameter) as err:
        finite_float(1, 3650, unit="days")(text)
    assert str(err.value) == message


def test_defaults_pass_through_the_parsers() -> None:
    # Typer hands the declared default (an int or a float, not text) to the parser.
    assert bounded_int(1, 10)(3) == 3
    assert finite_float(0.001, 10**6)(1.0) == 1.0
    assert finite_float(0.05, 3600, unit="seconds")(0.05) == 0.05
