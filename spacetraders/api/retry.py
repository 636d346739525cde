"""When and how long to wait before trying a request again."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter.

    A 502 comes from the provider's DDoS protection rather than the game (NOTES.md §7),
    which wants minutes rather than seconds, so it uses a larger base and a floor.

    A connection that could not be opened at all (refused, unknown host) gets `connect_attempts`
    tries `connect_delay` apart: nothing listens there, and a user should hear so at once rather
    than after seconds of backoff (a daemon's container fails and its restart policy waits).
    """

    max_attempts: int = 5
    connect_attempts: int = 2
    connect_delay: float = 0.25
    base_delay: float = 0.5
    max_delay: float = 30.0
    protection_base_delay: float = 10.0
    protection_max_delay: float = 180.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.connect_attempts < 1:
            raise ValueError("max_attempts and connect_attempts must be at least 1")

    def backoff(self, attempt: int, *, protection: bool = False) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        base = self.protection_base_delay if protection else self.base_delay
        cap = self.protection_max_delay if protection else self.max_delay
        ceiling = min(cap, base * 2 ** (attempt - 1))
        delay = self.rng.uniform(0.0, ceiling)
        return max(delay, base) if protection else delay


def retry_after_seconds(response: httpx.Response, body: Any, now: datetime) -> float | None:
    """The server's own advice after a 429: `Retry-After` header, else `error.data.retryAfter`."""
    header = response.headers.get("retry-after")
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            try:
                return max(0.0, (parsedate_to_datetime(header) - now).total_seconds())
            except (TypeError, ValueError):
                pass
    try:
        value = body["error"]["data"]["retryAfter"]
        return max(0.0, float(value))
    except (KeyError, TypeError, ValueError):
        return None


def _int_header(response: httpx.Response, name: str) -> int | None:
    raw = response.headers.get(name)
    try:
        return int(float(raw)) if raw is not None else None
    except ValueError:
        return None


def ratelimit_headers(response: httpx.Response, now: datetime) -> tuple[int | None, int | None, float | None]:
    """(`x-ratelimit-limit`, `x-ratelimit-remaining`, seconds until `x-ratelimit-reset`),
    each None if absent.

    The reset instant is compared with the server's `Date` header when present, so client
    and server clocks need not agree; Date is whole seconds, which only errs on the long side.
    """
    reset_in: float | None = None
    raw_reset = response.headers.get("x-ratelimit-reset")
    if raw_reset:
        try:
            reset = datetime.fromisoformat(raw_reset.replace("Z", "+00:00"))
            reference = now
            if date := response.headers.get("date"):
                reference = parsedate_to_datetime(date)
            reset_in = (reset - reference).total_seconds()
        except (TypeError, ValueError):
            reset_in = None
    return _int_header(response, "x-ratelimit-limit"), _int_header(response, "x-ratelimit-remaining"), reset_in
