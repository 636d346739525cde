"""The client-side limiter reproduces the server's two pools (NOTES.md §7) exactly."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacetraders.api import RateLimiter, limiter_for_token, limiter_for_url, ratelimit
from spacetraders.clock import FakeClock
from tests.api import api_payloads as p

MARGIN = 0.05


def _schedule(limiter: RateLimiter, clock: FakeClock, n: int) -> list[float]:
    """Send times of n back-to-back requests from one caller."""

    async def run() -> list[float]:
        times = []
        for _ in range(n):
            await limiter.acquire()
            times.append(round(clock.monotonic(), 6))
        return times

    return asyncio.run(run())


def test_burst_of_32_then_two_per_static_window_until_the_burst_refills():
    clock = FakeClock()
    times = _schedule(RateLimiter(clock), clock, 180)
    static_window, burst_refill = 1 + MARGIN, 60 + MARGIN
    assert times[:32] == [0.0] * 32  # 2 static + 30 burst, immediately
    # then the static pool alone: 2 requests every 1.05 s, 57 windows before the burst refills
    for k in range(1, 58):
        assert times[30 + 2 * k : 32 + 2 * k] == [pytest.approx(k * static_window)] * 2
    assert times[145] == pytest.approx(57 * static_window)  # 59.85 s
    # the burst pool is back at 60.05 s: 30 more at once, then static again at 58 * 1.05
    assert times[146:176] == [pytest.approx(burst_refill)] * 30
    assert times[176:178] == [pytest.approx(58 * static_window)] * 2
    assert sum(t < 60 for t in times) == 32 + 2 * 57


def _server_accepts(arrivals: list[float]) -> list[bool]:
    """Independent model of the server's pools (no margin): which arrivals it accepts."""
    pools = {"static": [2, 2, None, 1.0], "burst": [30, 30, None, 60.0]}  # size, left, resets_at, window
    verdicts = []
    for t in arrivals:
        for pool in pools.values():
            if pool[2] is not None and t >= pool[2]:
                pool[1], pool[2] = pool[0], None
        for pool in pools.values():
            if pool[1] > 0:
                if pool[2] is None:
                    pool[2] = t + pool[3]
                pool[1] -= 1
                verdicts.append(True)
                break
        else:
            verdicts.append(False)
    return verdicts


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=0.045), min_size=200, max_size=200))
def test_server_never_rejects_when_latency_jitter_is_below_the_margin(latencies):
    clock = FakeClock()
    sends = _schedule(RateLimiter(clock), clock, 200)
    arrivals = sorted(t + lag for t, lag in zip(sends, latencies))
    assert all(_server_accepts(arrivals))


def test_without_a_margin_the_server_model_would_reject_late_first_requests():
    # Guards the test above: the server model is strict enough to catch a too-eager client.
    clock = FakeClock()
    sends = _schedule(RateLimiter(clock, margin=0.0), clock, 40)
    arrivals = [t + (0.04 if t == 0 else 0.0) for t in sends]  # the opening burst arrives late
    assert not all(_server_accepts(sorted(arrivals)))
    with_margin = _schedule(RateLimiter(clock := FakeClock()), clock, 40)
    assert all(_server_accepts(sorted(t + (0.04 if t == 0 else 0.0) for t in with_margin)))


def test_pause_holds_every_caller_back():
    clock = FakeClock()
    limiter = RateLimiter(clock)
    limiter.pause(2.0)
    assert _schedule(limiter, clock, 1) == [pytest.approx(2.0 + MARGIN)]


def test_headers_of_a_spent_static_pool_change_nothing():
    clock = FakeClock()
    limiter = RateLimiter(clock)
    limiter.observe(limit=2, remaining=0, reset_in=0.9)
    limiter.observe(limit=30, remaining=5, reset_in=30.0)
    assert _schedule(limiter, clock, 32) == [0.0] * 32


def test_headers_of_a_spent_burst_pool_leave_only_the_static_pool():
    clock = FakeClock()
    limiter = RateLimiter(clock)
    limiter.observe(limit=30, remaining=0, reset_in=3.0)
    times = _schedule(limiter, clock, 7)
    assert times == [pytest.approx(t) for t in (0.0, 0.0, 1.05, 1.05, 2.1, 2.1, 3.0 + MARGIN)]


def test_client_adapts_to_ratelimit_headers(make_client, clock):
    spent = {"x-ratelimit-limit": "30", "x-ratelimit-remaining": "0",
             "x-ratelimit-reset": "2026-01-01T00:00:04.000Z"}  # FakeClock's epoch + 4 s

    async def scenario():
        async with make_client(lambda request: httpx.Response(200, json={"data": p.agent()}, headers=spent)) as client:
            for _ in range(4):
                await client.get_agent()

    asyncio.run(scenario())
    # the burst pool is known spent, so the third call waits for the static pool to refill
    assert clock.monotonic() == pytest.approx(1.0 + MARGIN)


def test_reservations_from_many_threads_follow_the_same_schedule():
    clock = FakeClock()
    sequential = sorted(_schedule(RateLimiter(clock), clock, 160))

    clock = FakeClock()
    shared = RateLimiter(clock)
    reserved: list[float] = []
    lock = threading.Lock()

    def worker():
        mine = [shared.reserve() for _ in range(20)]
        with lock:
            reserved.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(t, 6) for t in reserved) == sequential


def test_one_limiter_per_token_keyed_by_a_hash(token):
    same = limiter_for_token(token)
    assert limiter_for_token(token) is same
    assert limiter_for_token(token + "x") is not same
    assert limiter_for_url("https://api.test/v2/") is limiter_for_url("https://api.test/v2")
    assert not any(token in key for key in ratelimit._registry)


def test_clients_with_the_same_token_share_one_limiter(token):
    from spacetraders.api import SpaceTradersClient

    a = SpaceTradersClient("https://api.test/v2", token)
    b = SpaceTradersClient("https://other.test/v2", token)
    anonymous = SpaceTradersClient("https://api.test/v2")
    assert a.limiter is b.limiter is limiter_for_token(token)
    assert anonymous.limiter is limiter_for_url("https://api.test/v2")


def test_a_429_teaches_the_limiter_that_both_pools_are_empty():
    clock = FakeClock()
    limiter = RateLimiter(clock)
    limiter.penalize(0.75)  # e.g. another process spent this token's budget
    times = _schedule(limiter, clock, 6)
    first = 0.75 + MARGIN
    # static points only, at the server's retry time and then every static window;
    # the burst pool is assumed spent for a whole window
    assert times == [pytest.approx(t) for t in (first, first, first + 1.05, first + 1.05, first + 2.1, first + 2.1)]
    clock.advance(60.0)
    assert _schedule(limiter, clock, 31)[-1] == pytest.approx(clock.monotonic())  # burst back
