"""Durations as users type them: `90` or `90s`, `45m`, `1h30m`, `2d`, `1w` (units in that order)."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_COMPOUND = re.compile(r"(?:(\d{1,9})w)?(?:(\d{1,9})d)?(?:(\d{1,9})h)?(?:(\d{1,9})m)?(?:(\d{1,9})s)?")
_BARE = re.compile(r"\d{1,9}")


def duration_seconds(text: str) -> int | None:
    """Whole seconds, or None when `text` is not a duration at all (the caller names the option)."""
    raw = text.strip().lower()
    if _BARE.fullmatch(raw):
        return int(raw)
    match = _COMPOUND.fullmatch(raw)
    if not raw or match is None:
        return None
    return sum(int(n or 0) * size for n, size in zip(match.groups(), _UNITS.values(), strict=True))


def parse_duration(text: str, *, option: str, minimum: int = 1, maximum: int = 30 * 86400) -> timedelta:
    """A duration between `minimum` and `maximum` seconds; ValueError with one line naming `option`."""
    seconds = duration_seconds(text)
    shown = text.strip()[:24]
    if seconds is None:
        raise ValueError(f"{option} must be a duration like 600, 10m or 1h30m, not {shown!r}")
    if not minimum <= seconds <= maximum:
        raise ValueError(f"{option} must be between {describe(minimum)} and {describe(maximum)}, not {shown!r}")
    return timedelta(seconds=seconds)


def describe(seconds: float) -> str:
    """A short human reading: `45 s`, `12 min`, `3.5 h`, `30 days`."""
    if seconds < 90:
        return f"{seconds:g} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h".replace(".0 h", " h")
    return f"{seconds / 86400:.1f} days".replace(".0 days", " days")
