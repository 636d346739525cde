"""The game's two-pool rate limiter (NOTES.md §7), one per agent token.

A static pool of 2 refills completely 1 s after its first use; when it is empty requests
draw on a burst pool of 30 that refills completely 60 s after its first use; both empty
means 429. Times are clock.monotonic() seconds.
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
LIMIT_TYPE = "IP-address"


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

    def headers(self, wall_now: datetime) -> dict[str, str]:
        headers = {
            "x-ratelimit-type": LIMIT_TYPE,
            "x-ratelimit-limit": str(BURST_LIMIT if self.pool == "burst" else STATIC_LIMIT),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": iso(wall_now + timedelta(seconds=self.reset_in)),
            "x-ratelimit-limit-burst": str(BURST_LIMIT),
            "x-ratelimit-limit-per-second": str(STATIC_LIMIT),
        }
        if not self.allowed:
            headers["retry-after"] = str(max(1, math.ceil(self.retry_after)))
        return headers


class RateLimiter:
    def __init__(self) -> None:
        self._pools: dict[str, tuple[_Pool, _Pool]] = {}

    def acquire(self, key: str, now: float) -> Decision:
        pools = self._pools.get(key)
        if pools is None:
            pools = self._pools[key] = (_Pool(STATIC_LIMIT, STATIC_WINDOW_S), _Pool(BURST_LIMIT, BURST_WINDOW_S))
        static, burst = pools
        static.refill(now)
        burst.refill(now)
        if static.take(now):
            return Decision(True, "static", static.remaining, _until(static, now), 0.0)
        if burst.take(now):
            return Decision(True, "burst", burst.remaining, _until(burst, now), 0.0)
        retry = min(_until(static, now), _until(burst, now))
        return Decision(False, "burst", 0, _until(burst, now), retry)


def _until(pool: _Pool, now: float) -> float:
    return 0.0 if pool.resets_at is None else max(0.0, pool.resets_at - now)
