"""The client against the in-process simulator: register, ships, orbit, navigate, market.

Skipped until `spacetraders.sim.app` exists. Stays under the 30-request burst so the
simulator's enforced rate limit never makes it wait.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from spacetraders.api import (
    AlreadyAtDestinationError,
    InTransitError,
    SpaceTradersClient,
)

sim_app = pytest.importorskip("spacetraders.sim.app", reason="the simulator (spacetraders.sim.app) is not there yet")
sim_config = pytest.importorskip("spacetraders.sim.config")

BASE_URL = "http://sim/v2"


def test_register_orbit_navigate_and_read_a_market():
    transport = httpx.ASGITransport(app=sim_app.create_app(sim_config.SimConfig(seed=1)))
    symbol = f"T{uuid.uuid4().hex[:8].upper()}"

    async def scenario():
        async with SpaceTradersClient(BASE_URL, transport=transport) as anonymous:
            registered = await anonymous.register(symbol, "COSMIC", "test-account-token")
            status = await anonymous.get_status()
        assert registered.agent.symbol == symbol and registered.token
        assert status.reset_date

        async with SpaceTradersClient(BASE_URL, registered.token, transport=transport) as client:
            agent = await client.get_agent()
            ships = await client.list_ships()
            assert agent.symbol == symbol and agent.ship_count == len(ships) >= 1
            assert {s.symbol for s in ships} >= {s.symbol for s in registered.ships}

            ship = next(s for s in ships if s.nav.status != "IN_TRANSIT")
            system = ship.nav.system_symbol
            markets = await client.list_waypoints(system, traits=["MARKETPLACE"])
            assert markets and all(w.has_marketplace and w.system_symbol == system for w in markets)

            # a market where one of our ships sits shows prices; elsewhere only the catalogue
            here = {s.nav.waypoint_symbol for s in ships if s.nav.status != "IN_TRANSIT"}
            market_wp = next((w for w in markets if w.symbol in here), markets[0])
            market = await client.get_market(system, market_wp.symbol)
            assert market.symbol == market_wp.symbol and market.goods
            assert bool(market.trade_goods) == (market_wp.symbol in here)

            nav = await client.orbit(ship.symbol)
            assert nav.status == "IN_ORBIT"
            with pytest.raises(AlreadyAtDestinationError):
                await client.navigate(ship.symbol, ship.nav.waypoint_symbol)

            target = next(w for w in markets if w.symbol != ship.nav.waypoint_symbol)
            result = await client.navigate(ship.symbol, target.symbol)
            assert result.nav.status == "IN_TRANSIT"
            assert result.nav.waypoint_symbol == result.nav.route.destination_symbol == target.symbol
            assert result.nav.route.arrival > result.nav.route.departure_time
            assert result.fuel.current <= ship.fuel.current

            with pytest.raises(InTransitError) as caught:
                await client.dock(ship.symbol)
            assert caught.value.seconds_to_arrival and caught.value.seconds_to_arrival > 0

    asyncio.run(scenario())
