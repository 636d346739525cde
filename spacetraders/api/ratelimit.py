"""Client-side model of the server's rate limiter (NOTES.md §7).

The server keeps two pools per token (and per IP): a "static" pool of 2 points that refills
completely 1 s after its first use, and a "burst" pool of 30 that refills completely 60 s
after its first use; the static pool is drawn first, and with both empty it answers 429.

`RateLimiter` replays that model on a virtual timeline: each `acquire()` reserves the
earliest instant at which the server would accept one more request (FIFO across callers),
then sleeps until then on the injected clock. Every window is stretched by a small safety
margin because the server starts its windows when a request *arrives*, slightly after we
sent it. One limiter per token is shared by the whole process (`limiter_for_token`); its
state sits behind a `threading.Lock`, never an asyncio primitive, so clients running on
different threads and event loops can share it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from spacetraders.api.tokens import token_fingerprint
from spacetraders.clock import Clock, SystemClock

SAFETY_MARGIN_S = 0.05


@dataclass
class _Pool:
    size: int
    window: float
    remaining: int = 0
    resets_at: float | None = None  # None: full, window not started

    def __post_init__(self) -> None:
        self.remaining = self.size

    def refresh(self, t: float) -> None:
        if self.resets_at is not None and t >= self.resets_at:
            self.remaining, self.resets_at = self.size, None

    def take(self, t: float, margin: float) -> None:
        if self.resets_at is None:
            self.resets_at = t + self.window + margin
        self.remaining -= 1


class RateLimiter:
    def __init__(
        self,
        clock: Clock | None = None,
        *,
        static_points: int = 2,
        static_window: float = 1.0,
        burst_points: int = 30,
        burst_window: float = 60.0,
        margin: float = SAFETY_MARGIN_S,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.margin = margin
        self._static = _Pool(static_points, static_window)
        self._burst = _Pool(burst_points, burst_window)
        self._cursor = float("-inf")  # time of the latest reservation
        self._paused_until = float("-inf")
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Claim the next slot; returns the clock.monotonic() instant it opens."""
        with self._lock:
            t = max(self.clock.monotonic(), self._cursor, self._paused_until)
            pools = (self._static, self._burst)
            while True:
                for pool in pools:
                    pool.refresh(t)
                pool = next((p for p in pools if p.remaining > 0), None)
                if pool is not None:
                    pool.take(t, self.margin)
                    self._cursor = t
                    return t
                t = min(p.resets_at for p in pools if p.resets_at is not None)

    async def acquire(self) -> float:
        """Wait for a slot; returns the seconds waited."""
        delay = self.reserve() - self.clock.monotonic()
        if delay > 0:
            await self.clock.sleep(delay)
            return delay
        return 0.0

    def pause(self, seconds: float) -> None:
        """Hold every caller back for `seconds` (after a 429, or server says 0 remaining)."""
        with self._lock:
            until = self.clock.monotonic() + max(0.0, seconds) + self.margin
            self._paused_until = max(self._paused_until, until)

    def penalize(self, retry_after: float) -> None:
        """The server answered 429: our model was optimistic (another process, the per-IP
        limit, a restart). Treat both pools as empty: the static one until the server's
        `retry_after`, the burst one for a whole window unless already due later."""
        with self._lock:
            now = self.clock.monotonic()
            until = now + max(0.0, retry_after) + self.margin
            self._paused_until = max(self._paused_until, until)
            self._static.remaining, self._static.resets_at = 0, until
            self._burst.remaining = 0
            if self._burst.resets_at is None or self._burst.resets_at <= now:
                self._burst.resets_at = now + self._burst.window + self.margin

    def observe(self, limit: int | None, remaining: int | None, reset_in: float | None) -> None:
        """Adapt to the server's `x-ratelimit-limit` / `-remaining` / `-reset` headers.

        Only a spent *burst* pool is taken into account (limit = burst size, or no limit
        header): our model may count reserved-but-unsent requests, so a positive
        `remaining` says nothing new, and the static pool's 1 s window is tracked more
        precisely here than the whole-second `Date` header behind `reset_in` allows.
        """
        if remaining is None or remaining > 0 or reset_in is None or reset_in <= 0:
            return
        if limit is not None and limit != self._burst.size:
            return
        with self._lock:
            until = self.clock.monotonic() + reset_in + self.margin
            self._burst.remaining = 0
            self._burst.resets_at = max(self._burst.resets_at or until, until)


_registry: dict[str, RateLimiter] = {}
_registry_lock = threading.Lock()


def shared_limiter(key: str, clock: Clock | None = None) -> RateLimiter:
    """The process-wide limiter for `key`; created on first use with that caller's clock."""
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = RateLimiter(clock)
        return limiter


def limiter_for_token(token: str, clock: Clock | None = None) -> RateLimiter:
    return shared_limiter(f"token:{token_fingerprint(token)}", clock)


def limiter_for_url(base_url: str, clock: Clock | None = None) -> RateLimiter:
    """For unauthenticated calls (register, public reads without a token)."""
    return shared_limiter(f"url:{base_url.rstrip('/')}", clock)
