"""What the route planner needs, read from the database first and the API for the rest:
waypoint coordinates (the waypoint cache), fuel sellers (stored market data, else the
market's public catalogue), and across systems the jump-gate network (connections,
finished or not, galaxy coordinates, the ANTIMATTER price stored for a gate's market).

Shared by `ship navigate` (application) and the NavigateCommand container, which re-plans
from the ship's real position on every start.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from spacetraders.api.errors import NotFoundError
from spacetraders.api.models import Ship, Waypoint
from spacetraders.domain.navigation import Point, system_of
from spacetraders.domain.routing import GateNetwork, ModeChoice, Route, ShipState, Site, plan_route
from spacetraders.errors import NotFound
from spacetraders.persistence.database import Database
from spacetraders.persistence.markets import known_fuel_sellers, market_with_goods
from spacetraders.persistence.universe import list_waypoints, store_system_waypoints, waypoint_traits

if TYPE_CHECKING:  # the client (and httpx) load only when a navigation really runs
    from spacetraders.api.client import SpaceTradersClient

MARKETPLACE, JUMP_GATE, UNDER_CONSTRUCTION = "MARKETPLACE", "JUMP_GATE", "UNDER_CONSTRUCTION"
FUEL, ANTIMATTER = "FUEL", "ANTIMATTER"
# Gates explored (breadth first) looking for the destination's system: bounds the API calls.
MAX_GATES_EXPLORED = 40


@dataclass(frozen=True)
class _CachedWaypoint:
    symbol: str
    type: str
    x: int
    y: int
    traits: tuple[str, ...]


@dataclass(frozen=True)
class RouteMap:
    sites: dict[str, Site]
    gates: GateNetwork | None


def ship_state(ship: Ship) -> ShipState:
    """Where the ship is, or is heading (a flight in progress ends at nav.waypoint_symbol)."""
    return ShipState(ship.nav.waypoint_symbol, ship.fuel.current, ship.fuel.capacity, ship.engine_speed)


async def plan_for_ship(
    db: Database, api: SpaceTradersClient, ship: Ship, destination: str, choice: ModeChoice, *, now: datetime
) -> Route:
    """Load the map around the ship and the destination, then plan (Unreachable if none)."""
    route_map = await load_route_map(db, api, ship, destination, now=now)
    return plan_route(ship_state(ship), destination, route_map.sites, choice=choice, gates=route_map.gates)


async def load_route_map(db: Database, api: SpaceTradersClient, ship: Ship, destination: str, *, now: datetime) -> RouteMap:
    here, there = ship.nav.system_symbol, system_of(destination)
    waypoints: dict[str, _CachedWaypoint] = {}
    for system in dict.fromkeys((here, there)):
        for w in await system_waypoints(db, api, system, now=now):
            waypoints[w.symbol] = w
    if destination not in waypoints:
        raise NotFound(f"unknown destination {destination}: no such waypoint in {there}")
    needs_fuel = ship.fuel.capacity > 0
    markets = [w.symbol for w in waypoints.values() if MARKETPLACE in w.traits]
    sellers = await fuel_sellers(db, api, markets) if needs_fuel else {}
    prices = await asyncio.to_thread(stored_asks, db, [m for m, sells in sellers.items() if sells], FUEL)
    sites = {w.symbol: Site(w.symbol, w.x, w.y, sellers.get(w.symbol, False), prices.get(w.symbol))
             for w in waypoints.values()}
    gates = None
    if here != there:
        gate = next((w.symbol for w in waypoints.values() if w.type == JUMP_GATE and system_of(w.symbol) == here), None)
        if gate is not None and UNDER_CONSTRUCTION not in waypoints[gate].traits:
            gates = await explore_gates(db, api, gate, there)
    return RouteMap(sites, gates)


async def system_waypoints(db: Database, api: SpaceTradersClient, system: str, *, now: datetime) -> list[_CachedWaypoint]:
    """A system's waypoints from the cache; fetched and stored when the cache lacks the system."""

    def cached() -> list[_CachedWaypoint]:
        with db.read() as session:
            return [_CachedWaypoint(r.waypoint_symbol, r.type, r.x, r.y, tuple(waypoint_traits(r)))
                    for r in list_waypoints(session, system)]

    rows = await asyncio.to_thread(cached)
    if rows:
        return rows
    try:
        info = await api.get_system(system)
        fetched = await api.list_waypoints(system)
    except NotFoundError:
        raise NotFound(f"unknown system {system}") from None

    def store() -> None:
        with db.transaction() as uow:
            store_system_waypoints(uow.session, info, fetched, now=now)

    await asyncio.to_thread(store)
    return [_CachedWaypoint(w.symbol, w.type, w.x, w.y, w.traits) for w in fetched]


async def fuel_sellers(db: Database, api: SpaceTradersClient, markets: list[str]) -> dict[str, bool]:
    """Stored market data first; a market never stored is asked for its public catalogue.
    Unknown means "no": a route never counts on fuel it may not find."""

    def stored() -> dict[str, bool]:
        with db.read() as session:
            return known_fuel_sellers(session, markets)

    known = await asyncio.to_thread(stored)
    read = _CATALOGUE_FUEL.setdefault(api, {})
    for market in markets:
        if market not in known:
            if market not in read:  # a catalogue never changes: ask once per client
                try:
                    catalogue = await api.get_market(system_of(market), market)
                except NotFoundError:
                    known[market] = False
                    continue
                read[market] = FUEL in catalogue.exports + catalogue.exchange
            known[market] = read[market]
    return known


# Whether each market's public catalogue lists FUEL for sale, as this client read it (a trader
# plans a route per stop with one client: without it every plan re-read every unscouted catalogue).
_CATALOGUE_FUEL: WeakKeyDictionary[SpaceTradersClient, dict[str, bool]] = WeakKeyDictionary()


async def explore_gates(db: Database, api: SpaceTradersClient, origin_gate: str, target_system: str) -> GateNetwork:
    """Breadth first from the origin gate until a finished gate of the target system is seen."""
    connections: dict[str, tuple[str, ...]] = {}
    systems: dict[str, Point] = {}
    queue, seen = deque([origin_gate]), {origin_gate}
    while queue and len(connections) < MAX_GATES_EXPLORED:
        gate = queue.popleft()
        system = system_of(gate)
        if system not in systems:
            info = await api.get_system(system)
            systems[system] = Point(info.x, info.y)
        if not await _finished(api, gate):  # the origin too: the cache may not say
            continue
        if system == target_system:
            connections[gate] = ()
            break
        connections[gate] = (await api.get_jump_gate(system, gate)).connections
        for other in connections[gate]:
            if other not in seen:
                seen.add(other)
                queue.append(other)
    fees = await asyncio.to_thread(stored_asks, db, list(connections), ANTIMATTER)  # one per jump
    return GateNetwork(connections, systems, fees)


async def _finished(api: SpaceTradersClient, gate: str) -> bool:
    waypoint = await api.get_waypoint(system_of(gate), gate)
    return not under_construction(waypoint)


def under_construction(waypoint: Waypoint) -> bool:
    return bool(waypoint.raw.get("isUnderConstruction")) or UNDER_CONSTRUCTION in waypoint.traits


def stored_asks(db: Database, markets: list[str], good: str) -> dict[str, int]:
    """The price to buy `good` last stored for each market that has one (FUEL for refuels,
    ANTIMATTER at a gate: the fee of one jump from it)."""
    asks: dict[str, int] = {}
    with db.read() as session:
        for market in markets:
            try:
                view = market_with_goods(session, market)
            except NotFound:
                continue
            price = next((g.purchase_price for g in view.goods if g.symbol == good), None)
            if price is not None:
                asks[market] = price
    return asks
