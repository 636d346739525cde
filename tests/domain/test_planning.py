from __future__ import annotations

import itertools
import math
import random
from collections import Counter

import pytest

from spacetraders.domain.navigation import (
    FlightMode,
    Point,
    distance,
    fuel_cost,
    travel_time,
)
from spacetraders.domain.planning import (
    MarketSite,
    Plan,
    ShipSpec,
    order_from_nearest,
    plan_from_orders,
    plan_tours,
)
from spacetraders.domain.tour_costs import group_stops, ship_costs
from tests.domain.recorded import recorded_markets

PROBE = dict(speed=9, fuel_capacity=0, fuel=0)


def probe(symbol: str, at: Point) -> ShipSpec:
    return ShipSpec(symbol, at, **PROBE)


def synthetic(n_coords: int, n_markets: int, seed: int, radius: int = 700, fuel_share: float = 1.0) -> list[MarketSite]:
    rng = random.Random(seed)
    coords: list[Point] = []
    while len(coords) < n_coords:
        p = Point(rng.randint(-radius, radius), rng.randint(-radius, radius))
        if p not in coords:
            coords.append(p)
    positions = coords + [rng.choice(coords[: max(1, n_coords // 3)]) for _ in range(n_markets - n_coords)]
    return [MarketSite(f"X1-SY{seed}-M{i:02d}", p, i == 0 or rng.random() < fuel_share) for i, p in enumerate(positions)]


def assert_consistent(plan: Plan, ships: list[ShipSpec], markets: list[MarketSite]) -> None:
    """Every market exactly once; legs chain round each loop; times add up."""
    visited = Counter(m for tour in plan.tours for m in tour.markets)
    assert visited == Counter(m.symbol for m in markets)
    assert [t.ship_symbol for t in plan.tours] == [s.symbol for s in ships]
    for tour in plan.tours:
        if len(tour.markets) > 1:
            assert [leg.origin for leg in tour.legs] == list(tour.markets)
            assert [leg.destination for leg in tour.legs] == list(tour.markets[1:] + tour.markets[:1])
        else:
            assert tour.legs == ()
        assert tour.cycle_seconds == sum(leg.seconds for leg in tour.legs)
        assert math.isclose(tour.total_distance, sum(leg.distance for leg in tour.legs))
    assert plan.makespan_seconds == max(t.approach_seconds + t.cycle_seconds for t in plan.tours if t.markets)


@pytest.mark.parametrize("system", ["X1-PZ28", "X1-AD75", "X1-VB74"])
def test_recorded_systems_every_market_exactly_once(system):
    markets = recorded_markets(system)
    home = markets[0].position
    ships = [probe("P-1", home), probe("P-2", home), ShipSpec("F-1", home, 36, 400, 200)]
    plan = plan_tours(ships, markets, time_limit_s=2.0)
    assert_consistent(plan, ships, markets)
    assert all(t.markets for t in plan.tours)


def test_co_located_markets_are_consecutive_and_cost_only_the_hop():
    markets = recorded_markets("X1-AD75")
    by_symbol = {m.symbol: m for m in markets}
    ship = probe("P-1", markets[0].position)
    plan = plan_tours([ship], markets, time_limit_s=2.0)
    (tour,) = plan.tours
    positions = [by_symbol[s].position for s in tour.markets]
    # Each coordinate forms one run round the loop: as many position changes as coordinates.
    changes = sum(1 for a, b in zip(positions, positions[1:] + positions[:1]) if a != b)
    assert changes == len(set(positions)) == 16
    zero_legs = [leg for leg in tour.legs if leg.distance == 0]
    assert len(zero_legs) == len(markets) - 16
    for leg in zero_legs:
        assert leg.fuel == 0
        assert leg.seconds == travel_time(0, ship.speed, leg.mode) == math.floor(12.5 / 9 + 15)


def fly_loops(ship: ShipSpec, plan: Plan, markets: list[MarketSite], loops: int = 2) -> None:
    """Fly the loop twice from a full tank at the first fuel market: the tank never runs dry."""
    sells = {m.symbol: m.sells_fuel for m in markets}
    tour = plan.tour_of(ship.symbol)
    legs = list(tour.legs)
    start = next(i for i, leg in enumerate(legs) if sells[leg.origin])
    tank = ship.fuel_capacity
    for leg in (legs[start:] + legs[:start]) * loops:
        if sells[leg.origin]:
            tank = ship.fuel_capacity
        assert leg.fuel == fuel_cost(leg.distance, leg.mode, ship.fuel_capacity)
        assert leg.fuel <= tank, f"{leg} needs more fuel than the {tank} left"
        tank -= leg.fuel


def test_small_tank_on_spread_out_system_never_plans_a_leg_it_cannot_fly():
    markets = synthetic(14, 18, seed=3, radius=900)
    ship = ShipSpec("HAULER", markets[0].position, 15, 120, 120)
    plan = plan_tours([ship], markets, time_limit_s=1.0)
    assert_consistent(plan, [ship], markets)
    fly_loops(ship, plan, markets)
    legs = plan.tours[0].legs
    for leg in legs:
        if round(leg.distance) > ship.fuel_capacity:
            assert leg.mode is FlightMode.DRIFT and leg.fuel == 1
        else:  # a refuel at every market: the fastest mode the tank allows
            assert leg.mode is (FlightMode.BURN if 2 * round(leg.distance) <= 120 else FlightMode.CRUISE)
    assert any(leg.mode is FlightMode.DRIFT for leg in legs)


def test_legs_between_fuel_markets_share_one_tank_at_least_time():
    # Only the first market sells fuel: the whole loop (600 in CRUISE) is one tank of 500.
    markets = [MarketSite(f"X1-F-{i}", Point(100 * i, 0), sells_fuel=(i == 0)) for i in range(4)]
    ship = ShipSpec("S", Point(0, 0), 30, 500, 500)
    plan = plan_tours([ship], markets, time_limit_s=0.5)
    fly_loops(ship, plan, markets, loops=3)
    legs = plan.tours[0].legs
    modes = (FlightMode.BURN, FlightMode.CRUISE, FlightMode.DRIFT)
    feasible = [
        sum(travel_time(leg.distance, 30, m) for leg, m in zip(legs, combo))
        for combo in itertools.product(modes, repeat=len(legs))
        if sum(fuel_cost(leg.distance, m, 500) for leg, m in zip(legs, combo)) <= 500
    ]
    assert plan.tours[0].cycle_seconds == min(feasible)


def test_probes_need_no_fuel():
    markets = synthetic(12, 16, seed=5, radius=900, fuel_share=0.0)
    ships = [probe("P-1", markets[0].position), probe("P-2", markets[5].position)]
    plan = plan_tours(ships, markets)
    assert_consistent(plan, ships, markets)
    for tour in plan.tours:
        assert all(leg.fuel == 0 and leg.mode is FlightMode.BURN for leg in tour.legs)


def test_fast_ship_gets_more_work():
    markets = recorded_markets("X1-VB74")
    home = markets[0].position
    fast, slow = ShipSpec("FAST", home, 36, 800, 800), probe("SLOW", home)
    plan = plan_tours([slow, fast], markets, time_limit_s=1.0)
    assert_consistent(plan, [slow, fast], markets)
    # Market counts mislead (a planet with its moons is one stop): compare the ground covered.
    assert plan.tour_of("FAST").total_distance > 2 * plan.tour_of("SLOW").total_distance
    alone = plan_tours([slow], markets, time_limit_s=1.0)
    assert plan.makespan_seconds < alone.makespan_seconds / 2


def brute_force_tour_seconds(ship: ShipSpec, markets: list[MarketSite]) -> int:
    stops = group_stops(markets)
    costs = ship_costs(ship, stops)
    first, *rest = range(len(stops))
    return min(costs.tour([first, *perm]) for perm in itertools.permutations(rest))


@pytest.mark.parametrize("seed", range(4))
def test_one_ship_finds_the_optimal_loop_on_seven_stops(seed):
    markets = synthetic(7, 10, seed=seed)
    ship = ShipSpec("S", Point(0, 0), 15, 600, 300)
    plan = plan_tours([ship], markets, seed=seed)
    assert plan.makespan_seconds == brute_force_tour_seconds(ship, markets)


def round_robin_makespan(ships: list[ShipSpec], markets: list[MarketSite]) -> int:
    """Naive split: stops by angle round the star, dealt to the ships in turn."""
    stops = group_stops(markets)
    by_angle = sorted(range(len(stops)), key=lambda i: math.atan2(stops[i].position.y, stops[i].position.x))
    orders = [by_angle[k :: len(ships)] for k in range(len(ships))]
    return plan_from_orders(ships, stops, orders).makespan_seconds


@pytest.mark.parametrize(("n_coords", "n_markets", "n_ships"), [(10, 14, 2), (30, 40, 4), (60, 80, 10)])
def test_never_worse_than_round_robin(n_coords, n_markets, n_ships):
    markets = synthetic(n_coords, n_markets, seed=n_ships)
    rng = random.Random(n_ships)
    ships = [
        ShipSpec(f"S-{i}", rng.choice(markets).position, rng.choice([9, 15, 36]), rng.choice([0, 400]), 200)
        for i in range(n_ships)
    ]
    plan = plan_tours(ships, markets, time_limit_s=2.0)
    assert_consistent(plan, ships, markets)
    assert plan.makespan_seconds <= round_robin_makespan(ships, markets)


def test_deterministic_for_a_seed():
    markets = synthetic(20, 26, seed=11)
    ships = [probe("P-1", markets[0].position), ShipSpec("F", markets[3].position, 36, 400, 50)]
    first = plan_tours(ships, markets, seed=4, time_limit_s=5.0)
    assert plan_tours(ships, markets, seed=4, time_limit_s=5.0) == first


def test_more_ships_than_stops_leaves_some_idle_otherwise_none():
    markets = synthetic(3, 5, seed=2)
    ships = [probe(f"P-{i}", markets[0].position) for i in range(5)]
    plan = plan_tours(ships, markets)
    assert_consistent(plan, ships, markets)
    assert sum(1 for t in plan.tours if t.markets) == 3
    busy = plan_tours(ships[:3], markets)
    assert all(t.markets for t in busy.tours)


def test_tour_starts_at_the_market_the_ship_reaches_first():
    markets = synthetic(10, 12, seed=8)
    far = max(markets, key=lambda m: distance(m.position, (0, 0)))
    ship = probe("P", far.position)
    (tour,) = plan_tours([ship], markets).tours
    assert tour.approach_seconds == 0
    assert Point(*{m.symbol: m for m in markets}[tour.markets[0]].position) == far.position


def test_errors():
    market = MarketSite("X1-A-1", Point(0, 0))
    ship = probe("P", Point(0, 0))
    with pytest.raises(ValueError, match="no ships"):
        plan_tours([], [market])
    with pytest.raises(ValueError, match="no markets"):
        plan_tours([ship], [])
    with pytest.raises(ValueError, match="duplicate market symbols: X1-A-1"):
        plan_tours([ship], [market, MarketSite("X1-A-1", Point(5, 5))])
    with pytest.raises(ValueError, match="duplicate ship symbols: P"):
        plan_tours([ship, ship], [market])
    stranded = ShipSpec("EMPTY", Point(500, 500), 30, 100, 0)
    with pytest.raises(ValueError, match="EMPTY has an empty tank"):
        plan_tours([stranded], [market])


def test_order_from_nearest_rotates_the_loop():
    sites = [
        MarketSite("A", Point(0, 0)),
        MarketSite("B", Point(100, 0)),
        MarketSite("C", Point(100, 0)),
        MarketSite("D", Point(0, 100)),
    ]
    assert [m.symbol for m in order_from_nearest(sites, Point(90, 5))] == ["B", "C", "D", "A"]
    assert [m.symbol for m in order_from_nearest(sites, Point(-3, 90))] == ["D", "A", "B", "C"]
    # A co-located group wrapping round the end starts at its head.
    wrapped = sites[2:] + sites[:2]  # C, D, A, B
    assert [m.symbol for m in order_from_nearest(wrapped, Point(100, 0))] == ["B", "C", "D", "A"]
    assert order_from_nearest([], Point(0, 0)) == []


def test_approach_flies_on_the_fuel_the_ship_has_now():
    markets = [MarketSite("X1-A-1", Point(300, 0)), MarketSite("X1-A-2", Point(300, 40))]
    low = ShipSpec("LOW", Point(0, 0), 30, 400, 100)  # 100 fuel: the 300 approach must drift
    (tour,) = plan_tours([low], markets).tours
    first = {m.symbol: m for m in markets}[tour.markets[0]]
    assert tour.approach_seconds == travel_time(distance((0, 0), first.position), 30, FlightMode.DRIFT)
    full = ShipSpec("FULL", Point(0, 0), 30, 400, 400)  # then CRUISE (BURN needs 600)
    (tour,) = plan_tours([full], markets).tours
    assert tour.approach_seconds == travel_time(300, 30, FlightMode.CRUISE)
