"""Does a navigator still get its calls through while 20 probes scout? Priority vs plain FIFO.

Simulated callers share one `RateLimiter` (the real class, real budget: 2/s + 30 burst per
60 s) on a *virtual* clock: time jumps to the next wake-up once every caller waits, so an
hour of game time runs in about a second and the figures are the same on every run of one
seed. No HTTP: a call is one `acquire()`, answered at once.

- 20 probes: per market orbit, navigate, dock, read market (4 calls), then fly 5-30 s.
- 3 navigators: per leg orbit, navigate, dock, refuel (4 calls), then fly 10-40 s.
- 1 person at the terminal: one command every ~60 s.

Run twice: with priority classes (SCOUTING / OPERATION / INTERACTIVE) and with every caller in
one class, which is the plain FIFO limiter. Prints the wait of a navigation request (p50, p95,
max) and each class's share of the calls granted.

    python bench/limiter_priority.py --minutes 60 --seed 1
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
from collections import Counter
from typing import Any

from spacetraders.api.ratelimit import Priority, RateLimiter
from spacetraders.clock import VirtualClock


def run(minutes: float, seed: int, prioritised: bool) -> dict[str, Any]:
    clock = VirtualClock()
    limiter = RateLimiter(clock)
    rng = random.Random(seed)
    end = minutes * 60
    granted: Counter[str] = Counter()
    nav_waits: list[float] = []
    human_waits: list[float] = []

    def cls(p: Priority) -> Priority:
        return p if prioritised else Priority.OPERATION

    async def calls(n: int, priority: Priority, label: str, waits: list[float] | None) -> None:
        for _ in range(n):
            waited = await limiter.acquire(cls(priority))
            granted[label] += 1
            if waits is not None:
                waits.append(waited)

    async def probe() -> None:
        await clock.sleep(rng.uniform(0, 5))
        while clock.t < end:
            await calls(4, Priority.SCOUTING, "scouting", None)
            await clock.sleep(rng.uniform(5, 30))

    async def navigator() -> None:
        await clock.sleep(rng.uniform(0, 20))
        while clock.t < end:
            await calls(4, Priority.OPERATION, "navigation", nav_waits)
            await clock.sleep(rng.uniform(10, 40))

    async def person() -> None:
        while clock.t < end:
            await clock.sleep(rng.uniform(30, 90))
            await calls(1, Priority.INTERACTIVE, "interactive", human_waits)

    asyncio.run(clock.run(*(probe() for _ in range(20)), *(navigator() for _ in range(3)), person()))
    total = sum(granted.values())
    return {
        "nav_p50": statistics.median(nav_waits),
        "nav_p95": statistics.quantiles(nav_waits, n=20)[-1],
        "nav_max": max(nav_waits),
        "human_max": max(human_waits) if human_waits else 0.0,
        "share": {k: granted[k] / total for k in ("interactive", "navigation", "scouting")},
        "calls": total,
        "rate": total / clock.t,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="virtual minutes to simulate")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"20 probes scouting + 3 navigations + 1 person, {args.minutes:g} virtual minutes, seed {args.seed}")
    print("virtual clock (no wall time, no HTTP); the real RateLimiter, 2/s + 30 per 60 s\n")
    header = (f"{'limiter':<10} {'nav p50 s':>9} {'nav p95 s':>9} {'nav max s':>9} {'human max s':>11} "
              f"{'calls/s':>7}  share: interactive / navigation / scouting")
    print(header)
    print("-" * len(header))
    for name, prioritised in (("priority", True), ("fifo", False)):
        r = run(args.minutes, args.seed, prioritised)
        share = " / ".join(f"{r['share'][k]:.1%}" for k in ("interactive", "navigation", "scouting"))
        print(f"{name:<10} {r['nav_p50']:>9.2f} {r['nav_p95']:>9.2f} {r['nav_max']:>9.2f} {r['human_max']:>11.2f} "
              f"{r['rate']:>7.2f}  {share}")


if __name__ == "__main__":
    main()
