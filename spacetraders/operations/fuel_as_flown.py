"""What fuel costs as the navigation flies it: the system's waypoints as the route planner needs
them, and the refuel bill of flying a list of stops in turn. Shared by the contract run (its
flights and its check before accepting) and `contract evaluate` (application), so the two agree.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from spacetraders.api.models import Ship
from spacetraders.domain.fuel import CAUTIOUS_FUEL_ASK
from spacetraders.domain.refuel_plan import flown_bill
from spacetraders.domain.routing import ModeChoice, Site, plan_route
from spacetraders.domain.routing import ShipState as RouteShip
from spacetraders.operations.route_data import MARKETPLACE, fuel_sellers, stored_asks, system_waypoints
from spacetraders.persistence.database import Database

if TYPE_CHECKING:
    from spacetraders.api.client import SpaceTradersClient

FLIGHT_MODE = ModeChoice.CRUISE  # contract flights: fuel is most of a contract's cost, deadlines are days away


async def route_sites(db: Database, api: SpaceTradersClient, system: str, *, needs_fuel: bool,
                      now: datetime) -> dict[str, Site]:
    """The system's waypoints as the route planner needs them (fuel sellers, stored FUEL asks).
    Which markets sell fuel comes from `fuel_sellers` (stored data, else the catalogue read once
    per API client)."""
    waypoints = await system_waypoints(db, api, system, now=now)
    markets = [w.symbol for w in waypoints if MARKETPLACE in w.traits]
    sells = await fuel_sellers(db, api, markets) if needs_fuel else {}
    prices = await asyncio.to_thread(stored_asks, db, [m for m in markets if sells.get(m)], "FUEL")
    return {w.symbol: Site(w.symbol, w.x, w.y, sells.get(w.symbol, False), prices.get(w.symbol)) for w in waypoints}


async def refuels_as_flown(db: Database, api: SpaceTradersClient, ship: Ship, stops: Sequence[str], *,
                           now: datetime) -> int:
    """Credits the ship will pay for fuel flying to each stop in turn from where it is (CRUISE
    routes of the navigation's planner, each refuel buying what `refuel_plan` says, in whole
    market units at stored asks, else the dearest stored one). Raises Unreachable."""
    if ship.fuel.capacity <= 0:
        return 0
    sites = await route_sites(db, api, ship.nav.system_symbol, needs_fuel=True, now=now)
    asks = {s.symbol: s.fuel_price for s in sites.values() if s.fuel_price is not None}
    default = max(asks.values(), default=CAUTIOUS_FUEL_ASK)
    here, tank, credits = ship.nav.waypoint_symbol, ship.fuel.current, 0
    for stop in stops:
        if stop != here:
            route = plan_route(RouteShip(here, tank, ship.fuel.capacity, ship.engine_speed), stop, sites,
                               choice=FLIGHT_MODE)
            bill, tank = flown_bill(route, tank, ship.fuel.capacity, asks, default)
            credits += bill
        here = stop
    return credits
