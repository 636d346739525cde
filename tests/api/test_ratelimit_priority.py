"""Priority classes of the shared limiter: who gets the next slot, on a virtual clock.

The assertions are about order (which caller's request goes before which), never about
durations: the clock below is virtual and only moves when every caller is waiting on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx

from spacetraders.api.client import SpaceTradersClient
from spacetraders.api.ratelimit import Priority, RateLimiter, current_priority, set_priority, use_priority
from spacetraders.clock import VirtualClock


def spent_limiter(clock: VirtualClock) -> RateLimiter:
    """Pools of one point each, both spent: from now on one slot per static window, so the
    order in which callers resume is the order in which they were granted."""
    limiter = RateLimiter(clock, static_points=1, burst_points=1)
    limiter.reserve()
    limiter.reserve()
    return limiter


def caller(limiter: RateLimiter, log: list[str], name: str, priority: Priority | None, n: int,
           delay: float = 0.0, clock: VirtualClock | None = None) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        if delay and clock is not None:
            await clock.sleep(delay)
        for _ in range(n):
            await limiter.acquire(priority)
            log.append(name)
    return run


def test_waiting_scouts_yield_the_next_slots_to_later_interactive_and_operation_callers() -> None:
    clock = VirtualClock()
    limiter = spent_limiter(clock)
    log: list[str] = []
    scouts = [caller(limiter, log, f"scout{i}", Priority.SCOUTING, 3)() for i in range(5)]
    # both arrive after the scouts are queued (and before any slot opens)
    trader = caller(limiter, log, "trader", Priority.OPERATION, 1, delay=0.1, clock=clock)()
    human = caller(limiter, log, "human", Priority.INTERACTIVE, 1, delay=0.2, clock=clock)()
    asyncio.run(clock.run(*scouts, trader, human))
    assert log[:2] == ["human", "trader"]
    assert log[2:] == [f"scout{i}" for _ in range(3) for i in range(5)]  # FIFO within a class


def test_within_one_class_callers_are_served_in_arrival_order() -> None:
    clock = VirtualClock()
    limiter = spent_limiter(clock)
    log: list[str] = []
    workers = [caller(limiter, log, f"c{i}", Priority.OPERATION, 1, delay=0.01 * (i + 1), clock=clock)()
               for i in range(6)]
    asyncio.run(clock.run(*workers))
    assert log == [f"c{i}" for i in range(6)]


def test_a_navigator_never_waits_behind_twenty_scouts() -> None:
    """20 scouts saturate the real budget (2/s + 30 burst); no scout is served after a
    navigator asks and before the navigator is."""
    clock = VirtualClock()
    limiter = RateLimiter(clock)
    scouts: list[float] = []  # instants scouts were served
    navs: list[tuple[float, float]] = []  # (asked, served)
    stop = False

    async def scout() -> None:
        while not stop:
            await limiter.acquire(Priority.SCOUTING)
            scouts.append(clock.t)

    async def navigator(i: int) -> None:
        nonlocal stop
        for _ in range(8):
            await clock.sleep(7.3 + i)  # flying, then the next call
            asked = clock.t
            await limiter.acquire(Priority.OPERATION)
            navs.append((asked, clock.t))
        if i == 2:
            stop = True

    asyncio.run(clock.run(*(scout() for _ in range(20)), *(navigator(i) for i in range(3))))
    assert len(navs) == 24 and len(scouts) > 100  # the scouts got the rest of the budget
    for asked, served in navs:
        assert not [s for s in scouts if asked < s < served], (asked, served)


def test_without_priorities_the_same_run_makes_navigators_queue_behind_scouts() -> None:
    """Guards the test above: with one class (plain FIFO) scouts do get slots in between."""
    clock = VirtualClock()
    limiter = RateLimiter(clock)
    log: list[str] = []
    stop = False

    async def scout() -> None:
        while not stop:
            await limiter.acquire(Priority.OPERATION)
            log.append("scout")

    async def navigator() -> None:
        nonlocal stop
        await clock.sleep(70.0)  # burst spent, every scout queued
        log.append("asks")
        await limiter.acquire(Priority.OPERATION)
        log.append("nav")
        stop = True

    asyncio.run(clock.run(*(scout() for _ in range(20)), navigator()))
    k = log.index("asks")
    assert log[k + 1:log.index("nav")].count("scout") >= 19


def test_a_cancelled_waiter_leaves_the_queue_and_the_others_go_on() -> None:
    clock = VirtualClock()
    limiter = spent_limiter(clock)
    log: list[str] = []

    async def impatient() -> None:
        try:
            await asyncio.wait_for(limiter.acquire(Priority.INTERACTIVE), timeout=0)
        except TimeoutError:
            log.append("gave up")

    others = [caller(limiter, log, f"op{i}", Priority.OPERATION, 1)() for i in range(3)]
    asyncio.run(clock.run(impatient(), *others))
    assert log == ["gave up", "op0", "op1", "op2"]
    assert limiter._queue == []


def test_the_priority_comes_from_the_client_or_else_from_the_task() -> None:
    clock = VirtualClock()
    limiter = spent_limiter(clock)
    order: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        order.append(request.headers["x-who"])
        return httpx.Response(200, json={"data": {"symbol": "A", "headquarters": "X1-A-1", "credits": 1,
                                                  "startingFaction": "COSMIC", "shipCount": 1}})

    def client(priority: Priority | None = None) -> SpaceTradersClient:
        return SpaceTradersClient("https://api.test/v2", "tok", transport=httpx.MockTransport(handler),
                                  clock=clock, limiter=limiter, priority=priority)

    async def call(c: SpaceTradersClient, who: str, delay: float, task_priority: Priority | None = None) -> None:
        if task_priority is not None:
            set_priority(task_priority)  # this task only
        await clock.sleep(delay)
        c._http.headers["x-who"] = who
        await c.get_agent()

    async def scenario() -> None:
        scouting, default, human = client(), client(), client(Priority.INTERACTIVE)
        await clock.run(
            call(scouting, "scout", 0.0, Priority.SCOUTING),
            call(default, "operation", 0.1),
            call(human, "human", 0.2, Priority.SCOUTING),  # the client's own priority wins over the task's
        )
        assert current_priority() is Priority.OPERATION  # set_priority stayed inside its task
        with use_priority(Priority.SCOUTING):
            assert current_priority() is Priority.SCOUTING
        assert current_priority() is Priority.OPERATION

    asyncio.run(scenario())
    assert order == ["human", "operation", "scout"]
