"""The game's two-pool rate limiter (NOTES.md §7), per client IP and per account together.

A static pool of 2 refills completely 1 s after its first use; when it is empty requests
draw on a burst pool of 30 that refills completely 60 s after its first use; both empty
means 429. Every request is charged to its IP's pools and, when it carries a token, to its
account's pools; it passes only if both have room (agents behind one IP share the IP
budget), and a refused request costs nothing. Times are clock.monotonic() seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from spacetraders.sim.timefmt import iso

STATIC_LIMIT = 2
STATIC_WINDOW_S = 1.0
BURST_LIMIT = 30
BURST_WINDOW_S = 60.0
IP_LIMIT = "IP-address"
ACCOUNT_LIMIT = "account"


@dataclass
class _Pool:
    limit: int
    window: float
    remaining: int = 0
    resets_at: float | None = None

    def __post_init__(self) -> None:
        self.remaining = self.limit

    def refill(self, now: float) -> None:
        if self.resets_at is not None and now >= self.resets_at:
            self.remaining, self.resets_at = self.limit, None

    def take(self, now: float) -> bool:
        if self.remaining <= 0:
            return False
        if self.resets_at is None:
            self.resets_at = now + self.window
        self.remaining -= 1
        return True


@dataclass(frozen=True)
class Decision:
    allowed: bool
    pool: str  # "static" or "burst": the pool the headers describe
    remaining: int
    reset_in: float  # seconds until that pool refills
    retry_after: float  # seconds until a request can succeed (0 when allowed)
    limit_type: str = IP_LIMIT  # which limiter the headers describe

    def headers(self, wall_now: datetime) -> dict[str, str]:
        headers = {
            "x-ratelimit-type": self.limit_type,
            "x-ratelimit-limit": str(BURST_LIMIT if self.pool == "burst" else STATIC_LIMIT),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": iso(wall_now + timedelta(seconds=self.reset_in)),
            "x-ratelimit-limit-burst": str(BURST_LIMIT),
            "x-ratelimit-limit-per-second": str(STATIC_LIMIT),
        }
        if not self.allowed:
            headers["retry-after"] = str(max(1, math.ceil(self.retry_after)))
        return headers


class _Limiter:
    """One key's static + burst pools."""

    def __init__(self) -> None:
        self.static = _Pool(STATIC_LIMIT, STATIC_WINDOW_S)
        self.burst = _Pool(BURST_LIMIT, BURST_WINDOW_S)

    def refill(self, now: float) -> None:
        self.static.refill(now)
        self.burst.refill(now)

    def has_room(self) -> bool:
        return self.static.remaining > 0 or self.burst.remaining > 0

    def take(self, now: float, limit_type: str) -> Decision:
        pool, name = (self.static, "static") if self.static.remaining > 0 else (self.burst, "burst")
        pool.take(now)
        return Decision(True, name, pool.remaining, _until(pool, now), 0.0, limit_type)

    def refusal(self, now: float, limit_type: str) -> Decision:
        retry = min(_until(self.static, now), _until(self.burst, now))
        return Decision(False, "burst", 0, _until(self.burst, now), retry, limit_type)


class RateLimiter:
    def __init__(self) -> None:
        self._limiters: dict[str, _Limiter] = {}

    def acquire(self, ip: str, account: str | None, now: float) -> Decision:
        """Charge one request to the IP and (if any) the account; refused if either is spent."""
        keyed = [(IP_LIMIT, "ip:" + ip)] + ([(ACCOUNT_LIMIT, "account:" + account)] if account else [])
        limiters = []
        for limit_type, key in keyed:
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = self._limiters[key] = _Limiter()
            limiter.refill(now)
            limiters.append((limit_type, limiter))
        for limit_type, limiter in limiters:
            if not limiter.has_room():
                return limiter.refusal(now, limit_type)
        decisions = [limiter.take(now, limit_type) for limit_type, limiter in limiters]
        return min(decisions, key=lambda d: (d.remaining, d.pool == "static"))  # the tighter budget


def _until(pool: _Pool, now: float) -> float:
    return 0.0 if pool.resets_at is None else max(0.0, pool.resets_at - now)
