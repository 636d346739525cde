"""Fuel-aware routes between waypoints, across systems through jump gates. Pure, no I/O.

The graph's nodes are the ship's position, the fuel sellers, the gates and the
destination; a route stops only at those (a stop anywhere else never saves time: a DRIFT
hop costs one fuel whatever its length). Dijkstra on (waypoint, fuel) states minimises
the arrival time, then the fuel bought. At a fuel seller the ship may refuel to a full
tank before leaving. Modes per leg come from the allowed set; DRIFT is tried only when no
route without it exists, so a ship drifts only when nothing else reaches. A jump edge
links the origin system's gate to the destination system's gate through the chain of
connected gates; the ship waits each jump's cooldown before the next one.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from spacetraders.domain.fuel import FUEL_PER_MARKET_UNIT
from spacetraders.domain.navigation import FlightMode, Point, distance, fuel_cost, system_of, travel_time


class ModeChoice(StrEnum):
    AUTO = "auto"
    CRUISE = "cruise"
    BURN = "burn"
    DRIFT = "drift"


# Modes a choice may use per leg (fastest first), before the DRIFT fallback.
_MODES: dict[ModeChoice, tuple[FlightMode, ...]] = {
    ModeChoice.AUTO: (FlightMode.BURN, FlightMode.CRUISE),
    ModeChoice.BURN: (FlightMode.BURN,),
    ModeChoice.CRUISE: (FlightMode.CRUISE,),
    ModeChoice.DRIFT: (FlightMode.DRIFT,),
}

NAVIGATE, JUMP = "navigate", "jump"


class Unreachable(ValueError):
    """No route exists with the fuel, sellers and gates known; the message says why."""


def jump_cooldown(galaxy_distance: float) -> int:
    """Seconds a jump blocks the ship's next jump (the live server's fit; NOTES.md / ECONOMY.md §15)."""
    return round(15 + 0.3 * galaxy_distance)


@dataclass(frozen=True)
class Site:
    symbol: str
    x: int
    y: int
    sells_fuel: bool = False
    fuel_price: int | None = None  # credits per market unit, when a stored snapshot says

    @property
    def point(self) -> Point:
        return Point(self.x, self.y)


@dataclass(frozen=True)
class GateNetwork:
    """What is known of the gates: connections per open gate, galaxy coordinates per system,
    and the ANTIMATTER price at gates where it is known (the jump fee)."""

    connections: Mapping[str, Sequence[str]] = field(default_factory=dict)
    systems: Mapping[str, Point] = field(default_factory=dict)
    fees: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ShipState:
    waypoint: str
    fuel: int
    capacity: int
    speed: int


@dataclass(frozen=True)
class Leg:
    kind: str  # navigate | jump
    origin: str
    destination: str
    mode: FlightMode | None  # None for a jump
    seconds: int  # the flight, or the cooldown to wait before this jump (0 for the first)
    fuel: int  # fuel the leg burns
    refuel: int = 0  # fuel units bought at the origin before leaving
    fuel_after: int = 0
    fee: int | None = None  # jump fee (credits) when known
    refuel_cost: int | None = None  # credits for the refuel when the seller's price is known
    ask: int | None = None  # the origin's FUEL price per market unit, when it sells fuel and the price is known

    @property
    def cost_unknown(self) -> bool:
        return (self.kind == JUMP and self.fee is None) or (self.refuel > 0 and self.refuel_cost is None)

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "origin": self.origin, "destination": self.destination,
                "mode": str(self.mode) if self.mode else None, "seconds": self.seconds, "fuel": self.fuel,
                "refuel": self.refuel, "refuel_cost": self.refuel_cost, "fuel_after": self.fuel_after,
                "fee": self.fee, "ask": self.ask}


@dataclass(frozen=True)
class Route:
    origin: str
    destination: str
    legs: tuple[Leg, ...]
    # Fuel the ship needs on arrival to reach a fuel seller from the destination (0 when the
    # destination sells fuel): what the last refuel stop must leave in the tank for the next flight.
    reserve: int = 0

    @property
    def seconds(self) -> int:
        return sum(leg.seconds for leg in self.legs)

    @property
    def fuel(self) -> int:
        return sum(leg.fuel for leg in self.legs)

    @property
    def refuel_units(self) -> int:
        return sum(leg.refuel for leg in self.legs)

    @property
    def refuels(self) -> int:
        return sum(1 for leg in self.legs if leg.refuel)

    @property
    def jumps(self) -> int:
        return sum(1 for leg in self.legs if leg.kind == JUMP)

    @property
    def known_fees(self) -> int:
        return sum(leg.fee or 0 for leg in self.legs)

    @property
    def known_cost(self) -> int:
        """Credits the route spends that are known: jump fees and refuels at stored prices."""
        return self.known_fees + sum(leg.refuel_cost or 0 for leg in self.legs)

    @property
    def cost_unknown(self) -> bool:
        """Some fee or fuel price was never stored: the real cost is above known_cost."""
        return any(leg.cost_unknown for leg in self.legs)


def plan_route(
    ship: ShipState,
    destination: str,
    sites: Mapping[str, Site],
    *,
    choice: ModeChoice = ModeChoice.AUTO,
    gates: GateNetwork | None = None,
) -> Route:
    """The quickest route; `sites` holds every waypoint of the origin and destination systems
    the route may use (at least the ship's waypoint, the destination and, across systems,
    both gates). Raises Unreachable."""
    for symbol in (ship.waypoint, destination):
        if symbol not in sites:
            raise Unreachable(f"no coordinates for {symbol}")
    if ship.waypoint == destination:
        return Route(ship.waypoint, destination, ())
    jump_edge = _jump_edge(ship.waypoint, destination, sites, gates) if _crosses(ship.waypoint, destination) else None
    modes = _MODES[ModeChoice(choice)]
    route = _search(ship, destination, sites, modes, jump_edge)
    if route is None and FlightMode.DRIFT not in modes:
        route = _search(ship, destination, sites, (*modes, FlightMode.DRIFT), jump_edge)
    if route is None:
        raise Unreachable(f"{destination} cannot be reached from {ship.waypoint} with {ship.fuel}/{ship.capacity} "
                          "fuel, even drifting, through the known fuel sellers")
    return dataclasses.replace(route, reserve=leaving_fuel(destination, sites, ship.capacity))


def leaving_fuel(waypoint: str, sites: Mapping[str, Site], capacity: int) -> int:
    """Fuel a ship at `waypoint` needs to reach the nearest known fuel seller of its system
    (CRUISE if a tank holds it, else one DRIFT hop); 0 at a seller, a full tank when none is known."""
    here = sites[waypoint]
    if capacity <= 0 or here.sells_fuel:
        return 0
    costs = [fuel_cost(distance(here.point, s.point), FlightMode.CRUISE, capacity) for s in sites.values()
             if s.sells_fuel and system_of(s.symbol) == system_of(waypoint)]
    if not costs:
        return capacity
    cheapest = min(costs)
    return cheapest if cheapest <= capacity else fuel_cost(0, FlightMode.DRIFT, capacity)


def _crosses(a: str, b: str) -> bool:
    return system_of(a) != system_of(b)


@dataclass(frozen=True)
class _JumpEdge:
    origin_gate: str
    legs: tuple[Leg, ...]  # origin gate -> ... -> destination gate

    @property
    def destination_gate(self) -> str:
        return self.legs[-1].destination


def _jump_edge(start: str, destination: str, sites: Mapping[str, Site], gates: GateNetwork | None) -> _JumpEdge:
    here, there = system_of(start), system_of(destination)
    if gates is None:
        raise Unreachable(f"{destination} is in another system and no jump gate is known")
    origin_gate = next((g for g in gates.connections if system_of(g) == here), None)
    if origin_gate is None:
        raise Unreachable(f"system {here} has no usable jump gate")
    path = gate_path(origin_gate, there, gates)
    if path is None:
        raise Unreachable(f"no chain of finished jump gates leads from {here} to {there}")
    for gate in (path[0], path[-1]):
        if gate not in sites:
            raise Unreachable(f"no coordinates for gate {gate}")
    legs: list[Leg] = []
    wait = 0
    for a, b in itertools.pairwise(path):
        legs.append(Leg(JUMP, a, b, None, wait, 0, fee=gates.fees.get(a)))
        wait = jump_cooldown(_galaxy_distance(a, b, gates))
    return _JumpEdge(origin_gate, tuple(legs))


def gate_path(origin_gate: str, target_system: str, gates: GateNetwork) -> list[str] | None:
    """Gates from `origin_gate` to a gate of `target_system`, least waiting first (cooldowns
    between jumps; the last jump's cooldown is not waited for)."""
    best: dict[str, float] = {origin_gate: 0.0}
    previous: dict[str, str] = {}
    queue: list[tuple[float, str]] = [(0.0, origin_gate)]
    while queue:
        cost, gate = heapq.heappop(queue)
        if cost > best.get(gate, math.inf):
            continue
        if system_of(gate) == target_system:
            path = [gate]
            while path[-1] in previous:
                path.append(previous[path[-1]])
            return path[::-1]
        for other in gates.connections.get(gate, ()):
            if other not in gates.connections:  # unknown or unfinished: cannot be jumped to
                continue
            step = cost + jump_cooldown(_galaxy_distance(gate, other, gates))
            if step < best.get(other, math.inf):
                best[other], previous[other] = step, gate
                heapq.heappush(queue, (step, other))
    return None


def _galaxy_distance(a: str, b: str, gates: GateNetwork) -> float:
    pa, pb = gates.systems.get(system_of(a)), gates.systems.get(system_of(b))
    return distance(pa, pb) if pa is not None and pb is not None else 0.0


# -- the search -----------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class _Label:
    seconds: int
    bought: int
    order: int  # tie-break: insertion order, so the heap never compares legs
    node: str = field(compare=False)
    fuel: int = field(compare=False)
    legs: tuple[Leg, ...] = field(compare=False)


def _search(
    ship: ShipState, destination: str, sites: Mapping[str, Site], modes: Sequence[FlightMode],
    jump_edge: _JumpEdge | None,
) -> Route | None:
    stops = {s for s, site in sites.items() if site.sells_fuel} | {ship.waypoint, destination}
    if jump_edge is not None:
        stops |= {jump_edge.origin_gate, jump_edge.destination_gate}
    counter = itertools.count()
    queue = [_Label(0, 0, next(counter), ship.waypoint, ship.fuel, ())]
    settled: dict[str, list[tuple[int, int]]] = {}  # node -> (seconds, fuel) of expanded labels
    while queue:
        label = heapq.heappop(queue)
        if label.node == destination:
            return Route(ship.waypoint, destination, label.legs)
        if _dominated(settled.setdefault(label.node, []), label):
            continue
        settled[label.node].append((label.seconds, label.fuel))
        for nxt in _moves(label, ship, sites, stops, modes, jump_edge):
            heapq.heappush(queue, _Label(nxt[0], nxt[1], next(counter), nxt[2], nxt[3], nxt[4]))
    return None


def _dominated(seen: list[tuple[int, int]], label: _Label) -> bool:
    return any(s <= label.seconds and f >= label.fuel for s, f in seen)


def _moves(
    label: _Label, ship: ShipState, sites: Mapping[str, Site], stops: Iterable[str],
    modes: Sequence[FlightMode], jump_edge: _JumpEdge | None,
) -> Iterable[tuple[int, int, str, int, tuple[Leg, ...]]]:
    here = sites[label.node]
    tanks = [(label.fuel, 0)]
    if here.sells_fuel and ship.capacity > 0 and label.fuel < ship.capacity:
        tanks.append((ship.capacity, ship.capacity - label.fuel))
    if jump_edge is not None and label.node == jump_edge.origin_gate:
        seconds = sum(leg.seconds for leg in jump_edge.legs)
        legs = list(jump_edge.legs)
        yield (label.seconds + seconds, label.bought, jump_edge.destination_gate, label.fuel,
               label.legs + tuple(_with_fuel(legs, label.fuel)))
    here_system = system_of(label.node)
    for other in stops:
        if other == label.node or system_of(other) != here_system:
            continue
        dist = distance(here.point, sites[other].point)
        for fuel, bought in tanks:
            mode = _fastest(dist, fuel, ship.capacity, modes)
            if mode is None:
                continue
            burn = fuel_cost(dist, mode, ship.capacity)
            seconds = travel_time(dist, ship.speed, mode)
            leg = Leg(NAVIGATE, label.node, other, mode, seconds, burn, bought, fuel - burn,
                      refuel_cost=refuel_cost(bought, here.fuel_price),
                      ask=here.fuel_price if here.sells_fuel else None)
            yield (label.seconds + seconds, label.bought + bought, other, fuel - burn, label.legs + (leg,))


def refuel_cost(units: int, price: int | None) -> int | None:
    """What buying `units` of tank costs at `price` per market unit (0 when nothing is bought)."""
    if units <= 0:
        return 0
    return None if price is None else math.ceil(units / FUEL_PER_MARKET_UNIT) * price


def _with_fuel(legs: Sequence[Leg], fuel: int) -> list[Leg]:
    return [dataclasses.replace(leg, fuel=0, refuel=0, fuel_after=fuel) for leg in legs]


def _fastest(dist: float, fuel: int, capacity: int, modes: Sequence[FlightMode]) -> FlightMode | None:
    """The quickest allowed mode the tank (and a full tank) can pay for."""
    for mode in sorted(modes, key=lambda m: travel_time(dist, 1, m)):
        cost = fuel_cost(dist, mode, capacity)
        if cost <= fuel and (capacity == 0 or cost <= capacity):
            return mode
    return None
