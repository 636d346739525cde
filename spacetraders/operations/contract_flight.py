"""How a contract run flies: the navigation container's route and legs, with three changes.

- Refuels go through the run's money steps and guards (`ContractMoney.refuel`).
- In-system routes are planned from the system's waypoints only (`fuel_as_flown.route_sites`:
  catalogues are read once per API client), so a flight does not ask every unscouted market again.
- Always CRUISE: the pricing plans CRUISE legs, BURN halves the time for twice the fuel, and a
  contract's deadline is days away while fuel is most of its cost.

`fuel_as_flown.refuels_as_flown` prices a list of stops the way these flights will fly them.
"""

from __future__ import annotations

from spacetraders.domain.navigation import Point, system_of
from spacetraders.domain.routing import Route, Unreachable, plan_route
from spacetraders.operations.base import ContainerContext
from spacetraders.operations.contract_money import ContractMoney
from spacetraders.operations.fuel_as_flown import FLIGHT_MODE, route_sites
from spacetraders.operations.navigate import NavigateParams, Navigation, NavigationFailed
from spacetraders.operations.route_data import ship_state

__all__ = ["FLIGHT_MODE", "ContractFlight"]


class ContractFlight(Navigation):
    def __init__(self, ctx: ContainerContext, params: NavigateParams, money: ContractMoney,
                 positions: dict[str, Point]) -> None:
        super().__init__(ctx, params)
        self.contract_money, self.positions = money, positions

    async def _refuel(self, units: int) -> None:
        await self.contract_money.refuel(self, self.positions, units)

    async def _plan(self) -> Route:
        ship = self.ship
        if system_of(self.p.destination) != ship.nav.system_symbol:
            return await super()._plan()
        sites = await route_sites(self.ctx.db, self.ctx.api, ship.nav.system_symbol,
                                  needs_fuel=ship.fuel.capacity > 0, now=self.ctx.clock.now())
        try:
            return plan_route(ship_state(ship), self.p.destination, sites, choice=self.p.mode)
        except Unreachable as exc:
            raise NavigationFailed(f"cannot reach {self.p.destination}: {exc}") from None
