"""Client-side model of the server's rate limiter (NOTES.md §7), shared with priorities.

The server keeps two pools per token (and per IP): a "static" pool of 2 points that refills
completely 1 s after its first use, and a "burst" pool of 30 that refills completely 60 s
after its first use; the static pool is drawn first, and with both empty it answers 429.

`RateLimiter` replays that model on a virtual timeline. Every window is stretched by a small
safety margin because the server starts its windows when a request *arrives*, slightly after
we sent it. One limiter per token is shared by the whole process (`limiter_for_token`), so
all of a player's containers and commands in that process draw from one budget; its state
sits behind a `threading.Lock`, never an asyncio primitive, so clients running on different
threads and event loops can share it.

Priorities. Each `acquire()` carries a `Priority` (INTERACTIVE < OPERATION < SCOUTING; the
caller's argument, else the task's context variable, see `use_priority`). A caller that finds
a slot open now takes it; otherwise it joins a queue ordered by (priority, arrival) and sleeps
until the instant its place in that queue would get a slot. Nothing is reserved while
waiting: a later, more urgent caller is planned ahead of it and pushes it back (it wakes,
re-plans, sleeps again). A slot whose time has come goes to the first awake ticket in queue
order, so within a class the order is FIFO. Policy: strict priority between classes; a lower
class only gets the slots the higher ones leave (scouts starve while traders saturate the
budget, which the issue accepts: traders rarely need more than a fraction of it).
`reserve()` is the unprioritised synchronous path: it books the next slot at once.
"""

from __future__ import annotations

import bisect
import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import IntEnum

from spacetraders.api.tokens import token_fingerprint
from spacetraders.clock import Clock, SystemClock

SAFETY_MARGIN_S = 0.05


class Priority(IntEnum):
    """Who goes first when callers wait for the budget (lower value first)."""

    INTERACTIVE = 0  # a person waiting at the terminal
    OPERATION = 1  # trading, contracts, navigation: containers whose next step waits on the call
    SCOUTING = 2  # market tours: happy with whatever is left


_priority: ContextVar[Priority] = ContextVar("spacetraders_api_priority", default=Priority.OPERATION)


def current_priority() -> Priority:
    """The priority of calls made from this task (default OPERATION)."""
    return _priority.get()


def set_priority(priority: Priority) -> None:
    """Set the priority for the rest of the current task (an operation calls it once at its start)."""
    _priority.set(priority)


@contextmanager
def use_priority(priority: Priority) -> Iterator[None]:
    """Calls made inside the block (and tasks started from it) carry `priority`."""
    token = _priority.set(priority)
    try:
        yield
    finally:
        _priority.reset(token)


@dataclass(eq=False)
class _Ticket:
    """One waiting `acquire()`: its place in the queue, and when its owner looks next."""

    priority: int
    seq: int
    wake_at: float = float("-inf")  # the owner sleeps until then; it is awake before
    granted: float | None = None  # the instant its slot was committed

    @property
    def key(self) -> tuple[int, int]:
        return (self.priority, self.seq)


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
        self._queue: list[_Ticket] = []  # waiting callers, by (priority, arrival)
        self._seq = 0
        self._lock = threading.Lock()

    def _slot(self, static: _Pool, burst: _Pool, t: float) -> float:
        """Take the first slot at or after `t` from these pools; returns its instant."""
        pools = (static, burst)
        while True:
            for pool in pools:
                pool.refresh(t)
            open_pool = next((p for p in pools if p.remaining > 0), None)
            if open_pool is not None:
                open_pool.take(t, self.margin)
                return t
            t = min(p.resets_at for p in pools if p.resets_at is not None)

    def _start(self, now: float) -> float:
        return max(now, self._cursor, self._paused_until)

    def reserve(self) -> float:
        """Claim the next slot at once, ahead of no one and behind no one (no priority);
        returns the clock.monotonic() instant it opens."""
        with self._lock:
            t = self._slot(self._static, self._burst, self._start(self.clock.monotonic()))
            self._cursor = t
            return t

    def _grant_due(self, now: float) -> None:
        """Commit every slot open by `now` to the awake tickets, in queue order."""
        for ticket in list(self._queue):
            if ticket.wake_at > now:
                continue  # asleep (only after a cancelled ticket freed its slot early): next time
            static, burst = copy.copy(self._static), copy.copy(self._burst)
            t = self._slot(static, burst, self._start(now))
            if t > now:
                return
            self._static, self._burst, self._cursor = static, burst, t
            ticket.granted = t
            self._queue.remove(ticket)

    def _planned(self, ticket: _Ticket, now: float) -> float:
        """When `ticket` gets a slot if nobody else arrives: the queue ahead of it goes first."""
        static, burst = copy.copy(self._static), copy.copy(self._burst)
        t = self._start(now)
        for other in self._queue:
            t = self._slot(static, burst, t)
            if other is ticket:
                return t
        raise AssertionError("ticket not queued")

    async def acquire(self, priority: Priority | None = None) -> float:
        """Wait for a slot, behind every more urgent caller; returns the seconds waited.

        `priority` defaults to the task's (`current_priority()`)."""
        started = self.clock.monotonic()
        with self._lock:
            self._seq += 1
            ticket = _Ticket(int(current_priority() if priority is None else priority), self._seq)
            bisect.insort(self._queue, ticket, key=lambda t: t.key)
        try:
            while True:
                with self._lock:
                    now = self.clock.monotonic()
                    self._grant_due(now)
                    if ticket.granted is not None:
                        return max(0.0, now - started)
                    ticket.wake_at = self._planned(ticket, now)
                await self.clock.sleep(ticket.wake_at - now)
        finally:
            with self._lock:
                if ticket.granted is None:  # cancelled while waiting: give up the place
                    self._queue.remove(ticket)

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
