"""The planning objective: the longest loop first (revisit period), then the longest first
pass, then the total; `Objective.FIRST_PASS` keeps the first pass first."""

from __future__ import annotations

import itertools

import pytest

from spacetraders.domain.navigation import Point
from spacetraders.domain.planning import MarketSite, Objective, ShipSpec, plan_from_orders, plan_tours
from spacetraders.domain.tour_costs import group_stops, ship_costs
from tests.domain.test_planning import synthetic


def brute_force_keys(ships: list[ShipSpec], markets: list[MarketSite], objective: Objective) -> tuple[int, int, int]:
    """The best objective over every split of the stops among the ships (none idle) and
    every loop order. A ship's best order is its shortest loop whatever the criterion: its
    approach goes to its nearest stop, whichever the order."""
    stops = group_stops(markets)
    costs = [ship_costs(ship, stops) for ship in ships]
    best_loop: dict[tuple[int, frozenset[int]], list[int]] = {}

    def loop(v: int, members: frozenset[int]) -> list[int]:
        if (v, members) not in best_loop:
            first, *rest = sorted(members)
            best_loop[v, members] = min(([first, *p] for p in itertools.permutations(rest)), key=costs[v].cycle)
        return best_loop[v, members]

    best = None
    for owners in itertools.product(range(len(ships)), repeat=len(stops)):
        if len(set(owners)) < len(ships):
            continue
        orders = [loop(v, frozenset(s for s, o in enumerate(owners) if o == v)) for v in range(len(ships))]
        key = plan_from_orders(ships, stops, orders, objective).key()
        best = key if best is None or key < best else best
    assert best is not None
    return best


def fleet(markets: list[MarketSite]) -> list[ShipSpec]:
    return [ShipSpec("PROBE", markets[0].position, 9, 0, 0), ShipSpec("FAST", markets[4].position, 30, 0, 0)]


@pytest.mark.parametrize("seed", range(3))
def test_period_objective_finds_the_best_lexicographic_plan(seed):
    markets = synthetic(7, 8, seed=seed)
    ships = fleet(markets)
    plan = plan_tours(ships, markets, seed=seed)
    assert plan.objective is Objective.PERIOD
    assert plan.key() == (plan.period_seconds, plan.makespan_seconds, sum(t.seconds for t in plan.tours))
    assert plan.key() == brute_force_keys(ships, markets, Objective.PERIOD)


@pytest.mark.parametrize("seed", range(3))
def test_first_pass_objective_finds_the_best_first_pass(seed):
    markets = synthetic(7, 8, seed=seed)
    ships = fleet(markets)
    plan = plan_tours(ships, markets, seed=seed, objective=Objective.FIRST_PASS)
    assert plan.key()[0] == plan.makespan_seconds
    best = brute_force_keys(ships, markets, Objective.FIRST_PASS)
    # The first-pass search (unchanged from before the period objective) misses the
    # optimum by 4 s (0.4 %) on seed 0; it never did better.
    assert best[0] <= plan.makespan_seconds <= best[0] * 1.01


def test_each_objective_wins_on_its_own_criterion():
    # Five probes at the headquarters of a 60-stop system: the approach is paid once, the
    # loop every cycle, so the two objectives disagree.
    markets = synthetic(60, 70, seed=9)
    ships = [ShipSpec(f"P-{i}", markets[0].position, 9, 0, 0) for i in range(5)]
    period = plan_tours(ships, markets, time_limit_s=1.0)
    first = plan_tours(ships, markets, time_limit_s=1.0, objective=Objective.FIRST_PASS)
    assert period.period_seconds < first.period_seconds
    assert first.makespan_seconds < period.makespan_seconds
    for plan in (period, first):
        assert plan.period_seconds == max(t.cycle_seconds for t in plan.tours)
        assert plan.first_pass_seconds == plan.makespan_seconds == max(t.first_pass_seconds for t in plan.tours)


def test_a_lone_market_loops_in_zero_seconds():
    markets = [MarketSite("X1-A-1", Point(0, 0)), MarketSite("X1-A-2", Point(300, 0))]
    ships = [ShipSpec("P-1", Point(0, 0), 9, 0, 0), ShipSpec("P-2", Point(0, 0), 9, 0, 0)]
    plan = plan_tours(ships, markets)
    assert plan.period_seconds == 0  # each probe stays at its market
    assert plan.makespan_seconds == max(t.approach_seconds for t in plan.tours) > 0
