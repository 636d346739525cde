"""How a contract run flies: the navigation container's route and legs, with three changes.

- Refuels go through the run's money steps and guards (`ContractMoney.refuel`).
- In-system routes are planned with the fuel sellers this process already knows (market
  catalogues never change), so a flight does not ask every unscouted market again.
- Always CRUISE: the pricing plans CRUISE legs, BURN halves the time for twice the fuel, and a
  contract's deadline is days away while fuel is most of its cost.

`refuels_as_flown` prices a list of stops the way these flights will fly them.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence

from spacetraders.api.models import Ship
from spacetraders.domain.navigation import Point, system_of
from spacetraders.domain.routing import ModeChoice, Route, Site, Unreachable, plan_route
from spacetraders.domain.routing import ShipState as RouteShip
from spacetraders.operations.base import ContainerContext
from spacetraders.operations.contract_data import FUEL_PER_MARKET_UNIT
from spacetraders.operations.contract_money import DEFAULT_FUEL_ASK, ContractMoney
from spacetraders.operations.navigate import NavigateParams, Navigation, NavigationFailed
from spacetraders.operations.route_data import MARKETPLACE, fuel_sellers, ship_state, stored_asks, system_waypoints

FLIGHT_MODE = ModeChoice.CRUISE

# Which markets sell fuel, from their catalogues (which never change): the route planner would
# otherwise ask every market never scouted on every flight (a restarted run in this process too).
_SELLS_FUEL: dict[str, bool] = {}


class ContractFlight(Navigation):
    def __init__(self, ctx: ContainerContext, params: NavigateParams, money: ContractMoney,
                 positions: dict[str, Point]) -> None:
        super().__init__(ctx, params)
        self.contract_money, self.positions = money, positions

    async def _refuel(self) -> None:
        await self.contract_money.refuel(self, self.positions)

    async def _plan(self) -> Route:
        ship = self.ship
        if system_of(self.p.destination) != ship.nav.system_symbol:
            return await super()._plan()
        sites = await route_sites(self.ctx, ship.nav.system_symbol, needs_fuel=ship.fuel.capacity > 0)
        try:
            return plan_route(ship_state(ship), self.p.destination, sites, choice=self.p.mode)
        except Unreachable as exc:
            raise NavigationFailed(f"cannot reach {self.p.destination}: {exc}") from None


async def route_sites(ctx: ContainerContext, system: str, *, needs_fuel: bool) -> dict[str, Site]:
    """The system's waypoints as the route planner needs them (fuel sellers, stored FUEL asks)."""
    waypoints = await system_waypoints(ctx.db, ctx.api, system, now=ctx.clock.now())
    markets = [w.symbol for w in waypoints if MARKETPLACE in w.traits]
    unknown = [m for m in markets if m not in _SELLS_FUEL]
    if unknown and needs_fuel:
        _SELLS_FUEL.update(await fuel_sellers(ctx.db, ctx.api, unknown))
    sellers = [m for m in markets if _SELLS_FUEL.get(m)]
    prices = await asyncio.to_thread(stored_asks, ctx.db, sellers, "FUEL")
    return {w.symbol: Site(w.symbol, w.x, w.y, _SELLS_FUEL.get(w.symbol, False), prices.get(w.symbol))
            for w in waypoints}


def refuel_bill(route: Route, tank: int, capacity: int, asks: dict[str, int], default_ask: int) -> tuple[int, int]:
    """(credits, tank at the end) of flying `route` as the navigation does: a leg that refuels
    fills the tank, paying whole market units (100 fuel each) at the origin's ask."""
    credits = 0
    for leg in route.legs:
        if leg.refuel and tank < capacity:
            credits += math.ceil((capacity - tank) / FUEL_PER_MARKET_UNIT) * asks.get(leg.origin, default_ask)
            tank = capacity
        tank -= leg.fuel
    return credits, max(0, tank)


async def refuels_as_flown(ctx: ContainerContext, ship: Ship, stops: Sequence[str]) -> int:
    """Credits the ship will pay for fuel flying to each stop in turn from where it is (CRUISE
    routes of the navigation's planner, full refuels in whole market units at stored asks).
    Raises Unreachable."""
    if ship.fuel.capacity <= 0:
        return 0
    sites = await route_sites(ctx, ship.nav.system_symbol, needs_fuel=True)
    asks = {s.symbol: s.fuel_price for s in sites.values() if s.fuel_price is not None}
    default = max(asks.values(), default=DEFAULT_FUEL_ASK)
    here, tank, credits = ship.nav.waypoint_symbol, ship.fuel.current, 0
    for stop in stops:
        if stop != here:
            route = plan_route(RouteShip(here, tank, ship.fuel.capacity, ship.engine_speed), stop, sites,
                               choice=FLIGHT_MODE)
            bill, tank = refuel_bill(route, tank, ship.fuel.capacity, asks, default)
            credits += bill
        here = stop
    return credits
