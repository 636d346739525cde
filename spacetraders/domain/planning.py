"""Scout-tour planning: split a system's markets among ships, order each ship's loop.

Objective (min-max). A scout tour repeats forever. A ship's *loop* (`cycle_seconds`) is
one full closed loop through its markets, back to the first: once tours run, it is how
stale its markets' data can get (the revisit period). Its *first pass* is

    approach_seconds + cycle_seconds

where `approach_seconds` is the flight from where the ship is now to the first market of
the loop. The loop is started at the market the ship reaches soonest.

- `Objective.PERIOD` (default): minimise the longest loop (`Plan.period_seconds`), then
  the longest first pass (`makespan_seconds`), then the sum of first passes. The approach
  is paid once, the loop every cycle, for days.
- `Objective.FIRST_PASS`: minimise the longest first pass, then the sum (to scout once).

Times come from `spacetraders.domain.navigation` (travel_time, fuel_cost):
- Markets at one coordinate (a planet, its moons and stations) form one stop and are
  visited consecutively; each extra market costs one zero-distance hop (~15 s).
- Each leg flies the fastest mode whose fuel fits: the ship refuels to full at every
  market selling fuel, so legs between fuel markets are chosen exactly (see
  `tour_costs.loop_legs`); a leg longer than the tank even in CRUISE drifts (1 fuel).
  Ships without a tank (probes, capacity 0) use no fuel, so they always BURN.
- A ship already at a market's coordinate approaches it in 0 s.

A ship gets an empty tour only when there are more ships than stops. A ship with a tank,
no fuel and no fuel market under it cannot be planned (ValueError). The search
(`tour_search`) is deterministic for a seed and time limit: `time_limit_s` sets a fixed
iteration budget (about a third of it on a typical core) and is also a hard cap, reached
only on a machine far slower than expected.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Sequence
from typing import Protocol, TypeVar

from spacetraders.domain.navigation import Point, distance
from spacetraders.domain.tour_costs import Stop, build_tour, group_stops, ship_costs
from spacetraders.domain.tour_search import TourSearch
from spacetraders.domain.tour_types import Leg, MarketSite, Objective, Plan, ShipSpec, Tour

RESTARTS = 3  # independent searches from different constructions: steadier results than one long one

__all__ = [
    "Leg",
    "MarketSite",
    "Objective",
    "Plan",
    "ShipSpec",
    "Tour",
    "order_from_nearest",
    "plan_from_orders",
    "plan_tours",
]


def plan_tours(
    ships: Sequence[ShipSpec],
    markets: Sequence[MarketSite],
    *,
    time_limit_s: float = 0.5,
    seed: int = 0,
    objective: Objective = Objective.PERIOD,
) -> Plan:
    """Assign every market to exactly one ship and order each ship's loop (min-max)."""
    _validate(ships, markets)
    deadline = time.thread_time() + time_limit_s  # CPU time: machine load cannot change the plan
    stops = group_stops(markets)
    costs = [ship_costs(ship, stops) for ship in ships]
    search = TourSearch(costs, len(stops), seed, period=objective is Objective.PERIOD)
    needs_exact = any(s.fuel_capacity > 0 for s in ships) and not all(s.sells_fuel for s in stops)
    exact = (lambda orders: plan_from_orders(ships, stops, orders, objective).key()) if needs_exact else None
    orders = search.run(
        iterations=_iterations(len(stops), len(ships), time_limit_s, len(markets) if needs_exact else 0),
        deadline=deadline,
        exact=exact,
        restarts=RESTARTS,
    )
    return plan_from_orders(ships, stops, orders, objective)


def plan_from_orders(
    ships: Sequence[ShipSpec],
    stops: Sequence[Stop],
    orders: Sequence[Sequence[int]],
    objective: Objective = Objective.PERIOD,
) -> Plan:
    """The plan for given cyclic stop orders (one per ship), timed exactly as flown."""
    tours = tuple(build_tour(ship, stops, order) for ship, order in zip(ships, orders, strict=True))
    return Plan(tours=tours, makespan_seconds=max(t.seconds for t in tours), objective=objective)


def _iterations(n_stops: int, n_ships: int, time_limit_s: float, n_exact_markets: int = 0) -> int:
    """Ruin-and-recreate rounds that fit about half the time limit (CPU) on a 2020s core.

    A fixed count (not a clock) keeps the plan deterministic for a seed and time limit.
    Measured cost per round: re-optimising loops (~0.3 ms x (stops per ship / 16)^2.5 per
    changed loop, up to ~3 of them), the relocate/swap scans (~4 us x stops x ships) and,
    where fuel makes the matrices approximate, re-timing the plan (~60 us per market).
    """
    if n_stops <= 1:
        return 0
    per_ship = n_stops / n_ships
    estimate_ms = 0.3 * (per_ship / 16) ** 2.5 * min(n_ships, 3) + 0.004 * n_stops * n_ships + 0.06 * n_exact_markets
    return int(max(RESTARTS * 20, min(2000, 500 * time_limit_s / estimate_ms)))


def _validate(ships: Sequence[ShipSpec], markets: Sequence[MarketSite]) -> None:
    if not ships:
        raise ValueError("no ships to plan tours for")
    if not markets:
        raise ValueError("no markets to visit")
    for kind, symbols in (("ship", [s.symbol for s in ships]), ("market", [m.symbol for m in markets])):
        duplicates = sorted(symbol for symbol, count in Counter(symbols).items() if count > 1)
        if duplicates:
            raise ValueError(f"duplicate {kind} symbols: {', '.join(duplicates)}")
    for ship in ships:
        if ship.speed <= 0:
            raise ValueError(f"ship {ship.symbol} has engine speed {ship.speed}; it must be positive")


class _Located(Protocol):
    @property
    def position(self) -> Point: ...


L = TypeVar("L", bound=_Located)


def order_from_nearest(markets_in_order: Sequence[L], position: Point | tuple[int, int]) -> list[L]:
    """Rotate a cyclic tour so it starts at the market nearest `position`.

    Among co-located nearest markets it starts at the first of their group in loop order,
    so the group is still visited in one go.
    """
    items = list(markets_in_order)
    if not items:
        return []
    dists = [distance(m.position, position) for m in items]
    nearest = min(dists)
    n = len(items)
    candidates = [i for i in range(n) if math.isclose(dists[i], nearest)]
    heads = [i for i in candidates if Point(*items[i - 1].position) != Point(*items[i].position)]
    start = (heads or candidates)[0]
    return items[start:] + items[:start]
