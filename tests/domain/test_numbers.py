"""The one whole-number reader behind CLI options and ship-action arguments."""

from __future__ import annotations

import pytest

from spacetraders.domain.numbers import INT64_MAX, NotWholeNumber, OutOfRange, whole_number


@pytest.mark.parametrize("text,expected", [("7", 7), ("+7", 7), ("007", 7), ("-3", -3), (str(INT64_MAX), INT64_MAX)])
def test_plain_whole_numbers_in_range_are_read(text: str, expected: int) -> None:
    assert whole_number(text, -5, INT64_MAX) == expected


@pytest.mark.parametrize("text", ["", "1e3", "1.0", "nan", "inf", "²", "١٢", "1 2", "0x10"])
def test_anything_but_ascii_digits_is_not_a_whole_number(text: str) -> None:
    with pytest.raises(NotWholeNumber):
        whole_number(text, 0)


@pytest.mark.parametrize("text", ["0", "11", str(INT64_MAX + 1), "9" * 5000])
def test_out_of_range_is_told_apart_from_malformed(text: str) -> None:
    with pytest.raises(OutOfRange):
        whole_number(text, 1, 10)


def test_without_a_sign_a_minus_is_malformed_not_out_of_range() -> None:
    with pytest.raises(OutOfRange):
        whole_number("-3", 1)
    with pytest.raises(NotWholeNumber):
        whole_number("-3", 1, signed=False)
