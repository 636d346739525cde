"""The cost model of scout tours: stops, per-ship travel-time matrices, fuel-valid legs.

Markets that share a coordinate (a planet with its moons and stations) form one *stop*.
The search works on stops with one matrix per ship (`ShipCosts`); `build_tour` then
expands a stop order into the market-level loop with a flight mode per leg, so the plan
the ship flies and the objective the search minimised are computed by the same formulas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from spacetraders.domain.navigation import (
    FlightMode,
    Point,
    distance,
    fastest_mode,
    fuel_cost,
    travel_time,
)
from spacetraders.domain.tour_types import Leg, MarketSite, ShipSpec, Tour

_MODES_FASTEST_FIRST = (FlightMode.BURN, FlightMode.CRUISE, FlightMode.DRIFT)


@dataclass(frozen=True)
class Stop:
    """One distinct coordinate holding one or more markets (sorted by symbol)."""

    position: Point
    markets: tuple[MarketSite, ...]

    @property
    def sells_fuel(self) -> bool:
        return any(m.sells_fuel for m in self.markets)


def group_stops(markets: Sequence[MarketSite]) -> list[Stop]:
    by_position: dict[Point, list[MarketSite]] = {}
    for market in markets:
        by_position.setdefault(Point(*market.position), []).append(market)
    stops = [Stop(pos, tuple(sorted(ms, key=lambda m: m.symbol))) for pos, ms in by_position.items()]
    return sorted(stops, key=lambda s: s.markets[0].symbol)


def full_tank_mode(dist: float, fuel_capacity: int) -> FlightMode:
    """Fastest mode for a leg started with a full tank (probes: BURN, they use no fuel)."""
    mode = fastest_mode(dist, max(fuel_capacity, 0), fuel_capacity)
    assert mode is not None  # DRIFT costs 1 and a tank holds at least 1
    return mode


def hop_seconds(speed: int, fuel_capacity: int) -> int:
    """One hop between two markets at the same coordinate."""
    return travel_time(0, speed, full_tank_mode(0, fuel_capacity))


@lru_cache(maxsize=64)
def _leg_matrix(
    positions: tuple[Point, ...], refuels: tuple[bool, ...], speed: int, fuel_capacity: int
) -> tuple[tuple[int, ...], ...]:
    rows = []
    for a, refuel_a in zip(positions, refuels):
        row = []
        for b, refuel_b in zip(positions, refuels):
            d = distance(a, b)
            # Legs touching a stop without fuel share a tank with their neighbours: price
            # them on half a tank. Only a guide for the search; `loop_legs` is exact.
            budget = fuel_capacity if refuel_a and refuel_b else fuel_capacity // 2
            mode = fastest_mode(d, max(budget, 1), fuel_capacity) if fuel_capacity > 0 else full_tank_mode(d, 0)
            row.append(0 if a == b else travel_time(d, speed, mode or FlightMode.DRIFT))
        rows.append(tuple(row))
    return tuple(rows)


@dataclass(frozen=True)
class ShipCosts:
    """Seconds for one ship on the stops of one system.

    leg[i][j]   flight between distinct stops i and j, fastest mode a full tank allows
                (half a tank next to a stop without fuel; `build_tour` is exact);
    visit[i]    extra hops among stop i's co-located markets: (markets - 1) x hop;
    alone[i]    the loop of a tour holding only stop i: markets x hop, or 0 for one market;
    approach[i] flight from the ship's current position (and current fuel) to stop i.
    """

    leg: tuple[tuple[int, ...], ...]
    visit: tuple[int, ...]
    alone: tuple[int, ...]
    approach: tuple[int, ...]

    def cycle(self, order: Sequence[int]) -> int:
        if not order:
            return 0
        if len(order) == 1:
            return self.alone[order[0]]
        leg = self.leg
        total = leg[order[-1]][order[0]]
        for a, b in zip(order, order[1:]):
            total += leg[a][b]
        return total + sum(self.visit[s] for s in order)

    def tour(self, order: Sequence[int]) -> int:
        """The objective of one ship: one full loop plus the approach to its nearest stop."""
        if not order:
            return 0
        return self.cycle(order) + min(self.approach[s] for s in order)


def approach_fuel(ship: ShipSpec, stops: Sequence[Stop]) -> int:
    """Fuel available for the approach: a ship sitting at a fuel market fills up first."""
    if ship.fuel_capacity <= 0:
        return 0
    if any(s.sells_fuel and s.position == Point(*ship.position) for s in stops):
        return ship.fuel_capacity
    return min(ship.fuel, ship.fuel_capacity)


def approach_leg(ship: ShipSpec, market: MarketSite, fuel_available: int) -> tuple[float, FlightMode, int]:
    """(distance, mode, seconds) from the ship's position to a market; 0 s when already there."""
    d = distance(ship.position, market.position)
    if Point(*ship.position) == Point(*market.position):
        return d, FlightMode.CRUISE, 0
    mode = fastest_mode(d, fuel_available, ship.fuel_capacity)
    if mode is None:
        raise ValueError(
            f"ship {ship.symbol} has an empty tank away from any fuel market: refuel it or leave it out"
        )
    return d, mode, travel_time(d, ship.speed, mode)


def ship_costs(ship: ShipSpec, stops: Sequence[Stop]) -> ShipCosts:
    positions = tuple(s.position for s in stops)
    hop = hop_seconds(ship.speed, ship.fuel_capacity)
    fuel = approach_fuel(ship, stops)
    return ShipCosts(
        leg=_leg_matrix(positions, tuple(s.sells_fuel for s in stops), ship.speed, ship.fuel_capacity),
        visit=tuple((len(s.markets) - 1) * hop for s in stops),
        alone=tuple(len(s.markets) * hop if len(s.markets) > 1 else 0 for s in stops),
        approach=tuple(approach_leg(ship, s.markets[0], fuel)[2] for s in stops),
    )


def loop_legs(ship: ShipSpec, markets: Sequence[MarketSite]) -> tuple[Leg, ...]:
    """The closed loop markets[0] -> ... -> markets[0] with a fuel-valid mode per leg.

    The ship refuels to full at every market selling fuel. Between two such markets the
    modes are chosen by an exact knapsack (least time whose fuel fits the tank). A loop
    without any fuel market drifts every leg that needs fuel (1 unit each): it is the only
    plan that stretches a tank, and the tour runner has to refuel when it finds fuel.
    """
    n = len(markets)
    if n < 2:
        return ()
    dists = [distance(markets[i].position, markets[(i + 1) % n].position) for i in range(n)]
    cap = ship.fuel_capacity
    if cap <= 0:
        modes = [full_tank_mode(d, cap) for d in dists]
    elif not any(m.sells_fuel for m in markets):
        modes = [FlightMode.BURN if fuel_cost(d, FlightMode.BURN, cap) == 0 else FlightMode.DRIFT for d in dists]
    else:
        modes = [FlightMode.CRUISE] * n
        refuels = [i for i in range(n) if markets[i].sells_fuel]
        for k, start in enumerate(refuels):
            end = refuels[k + 1] if k + 1 < len(refuels) else refuels[0] + n
            segment = [i % n for i in range(start, end)]
            for i, mode in zip(segment, _segment_modes([dists[i] for i in segment], ship.speed, cap)):
                modes[i] = mode
    return tuple(
        Leg(
            origin=markets[i].symbol,
            destination=markets[(i + 1) % n].symbol,
            distance=dists[i],
            mode=modes[i],
            seconds=travel_time(dists[i], ship.speed, modes[i]),
            fuel=fuel_cost(dists[i], modes[i], cap),
        )
        for i in range(n)
    )


def _segment_modes(dists: Sequence[float], speed: int, cap: int) -> list[FlightMode]:
    """Fastest modes for consecutive legs flown on one full tank (exact DP over fuel used)."""
    greedy = [full_tank_mode(d, cap) for d in dists]
    if sum(fuel_cost(d, m, cap) for d, m in zip(dists, greedy)) <= cap:
        return greedy
    inf = float("inf")
    best = [inf] * (cap + 1)  # best[f]: least seconds so far using exactly f fuel
    best[0] = 0
    choices: list[list[tuple[int, FlightMode] | None]] = []
    for d in dists:
        nxt: list[float] = [inf] * (cap + 1)
        back: list[tuple[int, FlightMode] | None] = [None] * (cap + 1)
        options = [(fuel_cost(d, m, cap), travel_time(d, speed, m), m) for m in _MODES_FASTEST_FIRST]
        for used, seconds in enumerate(best):
            if seconds == inf:
                continue
            for fuel, t, mode in options:
                f = used + fuel
                if f <= cap and seconds + t < nxt[f]:
                    nxt[f] = seconds + t
                    back[f] = (used, mode)
        best = nxt
        choices.append(back)
    f = min(range(cap + 1), key=lambda i: best[i])
    if best[f] == inf:  # even DRIFT everywhere exceeds the tank: drift and refuel-on-the-way is impossible
        raise ValueError(f"a stretch of {len(dists)} legs without fuel exceeds a tank of {cap} even drifting")
    modes: list[FlightMode] = []
    for back in reversed(choices):
        step = back[f]
        assert step is not None
        f, mode = step
        modes.append(mode)
    return modes[::-1]


def build_tour(ship: ShipSpec, stops: Sequence[Stop], order: Sequence[int]) -> Tour:
    """Expand a cyclic stop order into the ship's tour, started at the stop it reaches first."""
    if not order:
        return Tour(ship.symbol, (), (), 0, 0, 0.0)
    fuel = approach_fuel(ship, stops)
    approach = [approach_leg(ship, stops[s].markets[0], fuel)[2] for s in order]
    first = min(range(len(order)), key=lambda k: (approach[k], k))
    rotated = list(order[first:]) + list(order[:first])
    markets = [m for s in rotated for m in stops[s].markets]
    legs = loop_legs(ship, markets)
    return Tour(
        ship_symbol=ship.symbol,
        markets=tuple(m.symbol for m in markets),
        legs=legs,
        cycle_seconds=sum(leg.seconds for leg in legs),
        approach_seconds=approach[first],
        total_distance=sum(leg.distance for leg in legs),
    )
