"""The client's trade, contract and ship-purchase methods against the in-process simulator."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from spacetraders.api import ApiError, NotDockedError, SpaceTradersClient
from spacetraders.clock import FakeClock
from spacetraders.sim.app import create_app
from spacetraders.sim.config import SimConfig

BASE_URL = "http://sim/v2"


def test_trade_contracts_and_a_ship_purchase_through_the_client():
    app = create_app(SimConfig(seed=4, clock=FakeClock(), enforce_rate_limit=False))
    transport = httpx.ASGITransport(app=app)

    async def scenario() -> None:
        async with SpaceTradersClient(BASE_URL, transport=transport) as anonymous:
            registered = await anonymous.register("BUYER", "COSMIC", "account")
        async with SpaceTradersClient(BASE_URL, registered.token, transport=transport) as client:
            frigate = registered.ships[0].symbol
            hq = registered.agent.headquarters
            start = (await client.get_agent()).credits

            bought = await client.purchase_cargo(frigate, "FUEL", 10)
            assert bought.transaction.units == 10 and bought.transaction.type == "PURCHASE"
            assert bought.agent.credits == start - bought.transaction.total_price
            assert (await client.get_cargo(frigate)) == bought.cargo and bought.cargo.units_of("FUEL") == 10
            sold = await client.sell_cargo(frigate, "FUEL", 4)
            assert sold.transaction.price_per_unit < bought.transaction.price_per_unit
            assert (await client.jettison(frigate, "FUEL", 1)).units_of("FUEL") == 5

            purchase = await client.purchase_ship("SHIP_LIGHT_SHUTTLE", hq)
            shuttle = purchase.ship
            assert shuttle.nav.waypoint_symbol == hq and shuttle.nav.status == "DOCKED" and shuttle.cargo_capacity == 40
            assert purchase.agent.credits == sold.agent.credits - purchase.transaction.price
            assert (await client.get_agent()).ship_count == len(registered.ships) + 1
            left = await client.transfer_cargo(frigate, shuttle.symbol, "FUEL", 5)
            assert left.units == 0 and (await client.get_cargo(shuttle.symbol)).units_of("FUEL") == 5

            (contract,) = await client.list_contracts()
            assert contract == await client.get_contract(contract.id) and not contract.accepted
            with pytest.raises(ApiError) as taken:
                await client.negotiate_contract(frigate)
            assert taken.value.code == 4511 and taken.value.data["contractId"] == contract.id
            accepted = await client.accept_contract(contract.id)
            assert accepted.contract.accepted and accepted.agent.credits == purchase.agent.credits + contract.on_accepted
            line = contract.deliver[0]
            with pytest.raises(ApiError) as elsewhere:
                await client.deliver_contract(contract.id, frigate, line.trade_symbol, 1)
            assert elsewhere.value.code == 4510
            with pytest.raises(ApiError) as early:
                await client.fulfill_contract(contract.id)
            assert early.value.code == 4502
            await client.orbit(frigate)
            with pytest.raises(NotDockedError):
                await client.purchase_cargo(frigate, "FUEL", 1)

    asyncio.run(scenario())
