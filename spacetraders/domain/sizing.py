"""How many ships a target market age needs: the fewest of a fleet whose plan keeps every
loop (revisit period) within the target.

Ships are taken in the order given (the first k), so the caller decides which ships come
first (e.g. probes before frigates). The period shrinks as ships are added, though a
heuristic plan does not make that strictly monotone: the search doubles k until the
target is met, then bisects between the last miss and the first hit, planning each k once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacetraders.domain.planning import MarketSite, Objective, Plan, ShipSpec, plan_tours
from spacetraders.domain.tour_costs import group_stops

PLAN_TIME_LIMIT_S = 0.3  # per plan tried; about 10 plans for a fleet of 64


@dataclass(frozen=True)
class Sizing:
    max_age_seconds: int
    ships_needed: int | None  # None: even every ship given cannot keep the target
    plan: Plan  # with `ships_needed` ships, or with all of them when the target is out of reach
    tried: tuple[tuple[int, int], ...]  # (ships, longest loop) of every plan computed, by ships

    @property
    def reached(self) -> bool:
        return self.ships_needed is not None

    @property
    def best_age_seconds(self) -> int:
        """The longest loop of the returned plan: the freshness these ships guarantee."""
        return self.plan.period_seconds


def fewest_ships(
    ships: Sequence[ShipSpec],
    markets: Sequence[MarketSite],
    max_age_seconds: int,
    *,
    time_limit_s: float = PLAN_TIME_LIMIT_S,
    seed: int = 0,
) -> Sizing:
    if max_age_seconds <= 0:
        raise ValueError("the target age must be positive")
    if not ships:
        raise ValueError("no ships to plan tours for")
    # More ships than stops leaves ships idle: they cannot shorten any loop.
    limit = min(len(ships), len(group_stops(markets)))
    plans: dict[int, Plan] = {}

    def plan(k: int) -> Plan:
        if k not in plans:
            plans[k] = plan_tours(ships[:k], markets, time_limit_s=time_limit_s, seed=seed, objective=Objective.PERIOD)
        return plans[k]

    def fits(k: int) -> bool:
        return plan(k).period_seconds <= max_age_seconds

    miss, k = 0, 1
    while not fits(k):
        if k == limit:
            return _sizing(max_age_seconds, None, plan(k), plans)
        miss, k = k, min(2 * k, limit)
    hit = k
    while hit - miss > 1:
        mid = (hit + miss) // 2
        if fits(mid):
            hit = mid
        else:
            miss = mid
    return _sizing(max_age_seconds, hit, plan(hit), plans)


def _sizing(max_age: int, needed: int | None, plan: Plan, plans: dict[int, Plan]) -> Sizing:
    tried = tuple(sorted((k, p.period_seconds) for k, p in plans.items()))
    return Sizing(max_age, needed, plan, tried)
