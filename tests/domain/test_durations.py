"""One duration grammar for every option that takes one (--max-age, --since...)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spacetraders.domain.durations import describe, duration_seconds, parse_duration


@pytest.mark.parametrize(("text", "seconds"), [
    ("90", 90), ("90s", 90), ("10m", 600), ("1h30m", 5400), ("2d", 172800), ("1w", 604800),
    (" 1H ", 3600), ("1d2h3m4s", 93784),
])
def test_the_forms_users_type(text: str, seconds: int) -> None:
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "1.5h", "-5m", "30m1h", "1x", "h", "1" * 10, "nan", "1e3"])
def test_anything_else_is_not_a_duration(text: str) -> None:
    assert duration_seconds(text) is None
    with pytest.raises(ValueError, match="--max-age must be a duration"):
        parse_duration(text, option="--max-age")


def test_bounds_name_the_option_and_the_range() -> None:
    assert parse_duration("30d", option="--max-age") == timedelta(days=30)
    with pytest.raises(ValueError, match=r"--max-age must be between 1 s and 30 days, not '31d'"):
        parse_duration("31d", option="--max-age")
    with pytest.raises(ValueError, match="between 1 s"):
        parse_duration("0", option="--max-age")


@given(st.integers(0, 52), st.integers(0, 6), st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
def test_compound_durations_add_up(w: int, d: int, h: int, m: int, s: int) -> None:
    text = "".join(f"{n}{u}" for n, u in ((w, "w"), (d, "d"), (h, "h"), (m, "m"), (s, "s")) if n) or "0s"
    assert duration_seconds(text) == (((w * 7 + d) * 24 + h) * 60 + m) * 60 + s


def test_describe_reads_naturally() -> None:
    assert [describe(x) for x in (45, 720, 12600, 30 * 86400)] == ["45 s", "12 min", "3.5 h", "30 days"]
