"""Time goes through a clock so tests can run hours of game time in seconds."""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol


def utcnow() -> datetime:
    return datetime.now(UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin; never goes backwards."""

    async def sleep(self, seconds: float) -> None:
        """Sleep this long in this clock's time."""


class SystemClock:
    def now(self) -> datetime:
        return utcnow()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that only moves when told to; `sleep` advances it instantly."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._mono = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)


class VirtualClock:
    """Many concurrent sleepers on one timeline: once every worker of `run` is asleep, time
    jumps to the earliest wake-up. Unlike FakeClock, concurrent sleepers wake in time order,
    which is what simulating many callers of one rate limiter needs."""

    def __init__(self, start: datetime | None = None) -> None:
        self._epoch = start or datetime(2026, 1, 1, tzinfo=UTC)
        self.t = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def now(self) -> datetime:
        return self._epoch + timedelta(seconds=self.t)

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._sleepers, (self.t + max(0.0, seconds), self._seq, future))
        await future

    async def run(self, *workers: Awaitable[Any]) -> None:
        """Run the workers to the end, advancing time whenever all of them are asleep."""
        tasks = [asyncio.ensure_future(w) for w in workers]
        while not all(t.done() for t in tasks):
            await asyncio.sleep(0)
            alive = sum(not t.done() for t in tasks)
            asleep = sum(not f.done() for *_, f in self._sleepers)
            if asleep < alive or not self._sleepers:
                continue
            wake, _, future = heapq.heappop(self._sleepers)
            self.t = max(self.t, wake)
            if not future.done():
                future.set_result(None)
        for task in tasks:
            task.result()
