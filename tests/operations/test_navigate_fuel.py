"""A navigation buys only the fuel its route needs to the next refuel stop (whole market units,
plus a margin), not a full tank at every stop: fewer FUEL units for the same route, the ship
never short of a leg's fuel, and the ledger's refuel rows are the simulator's FUEL purchases."""

from __future__ import annotations

import json

import httpx

from spacetraders.application.ledger import LedgerFilter, list_view
from spacetraders.operations.base import ContainerContext
from spacetraders.operations.navigate import NavigateParams, Navigation
from tests.operations.conftest import World
from tests.operations.test_navigate import farthest_waypoint, params


class FuelWatch(httpx.AsyncBaseTransport):
    """Forwards to the simulator; records (fuel aboard, fuel the leg burned) of every navigate."""

    def __init__(self, inner: httpx.AsyncBaseTransport, world: World, ship: str) -> None:
        self.inner, self.world, self.ship = inner, world, ship
        self.legs: list[tuple[int, int]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        aboard = self.world.sim_ship(self.ship).fuel
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/navigate") and response.status_code == 200:
            body = json.loads(await response.aread())
            self.legs.append((aboard, body["data"]["fuel"]["consumed"]["amount"]))
        return response


class FullTankNavigation(Navigation):
    """The navigation as it was: a full tank at every refuel stop."""

    async def _refuel(self, units: int) -> None:
        await super()._refuel(self.ship.fuel.capacity - self.ship.fuel.current)


async def run_full_tank(ctx: ContainerContext) -> None:
    await FullTankNavigation(ctx, NavigateParams.from_params(ctx.params)).run()


def fuel_bought(world: World, ship: str) -> list[tuple[int, int]]:
    """(market units, price per unit) of the simulator's FUEL purchases for `ship`, oldest first."""
    fills = [t for m in world.sim.markets.values() for t in m.transactions
             if t["shipSymbol"] == ship and t["tradeSymbol"] == "FUEL" and t["type"] == "PURCHASE"]
    return [(t["units"], t["pricePerUnit"]) for t in sorted(fills, key=lambda t: t["timestamp"])]


def test_a_long_route_buys_less_fuel_never_strands_and_is_ledgered(world: World) -> None:
    ship = world.sim_ship(world.frigate)
    start, tank = ship.location, ship.fuel
    target = farthest_waypoint(world, world.system, world.sim.universe.waypoints[world.hq])

    watch = FuelWatch(world.transport, world, world.frigate)
    world.transport = watch
    world.run(run_navigate_partial, params(world.frigate, target, "cruise"))
    assert ship.location.symbol == target and not any("refused" in line for line in world.logs.lines)
    partial = fuel_bought(world, world.frigate)
    refuels = world.logs.matching("Refuelled")
    assert len(refuels) >= 2 and len(partial) == len(refuels)  # a route over several refuel stops
    assert watch.legs and all(aboard >= burn for aboard, burn in watch.legs)  # never below a leg's need
    rows = [r for r in list_view(world.db, LedgerFilter(player_id=world.player_id), limit=100)["entries"]
            if r["kind"] == "refuel"]
    assert sorted((r["units"], r["unit_price"]) for r in rows) == sorted(partial)
    assert -sum(r["total"] for r in rows) == sum(units * price for units, price in partial)

    ship.location, ship.fuel = start, tank  # the same route again, filling the tank at every stop
    world.run(run_full_tank, params(world.frigate, target, "cruise"))
    assert ship.location.symbol == target
    full = fuel_bought(world, world.frigate)[len(partial):]
    assert sum(u for u, _ in partial) < sum(u for u, _ in full), (partial, full)


async def run_navigate_partial(ctx: ContainerContext) -> None:
    await Navigation(ctx, NavigateParams.from_params(ctx.params)).run()


