"""Every trade, contract and ship-purchase request the client sends is valid against the spec.

Same harness as test_client_requests.py: a mock transport records the requests, which
openapi-core validates against ../shared/spacetraders-api/ (skipped without it).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from spacetraders.api import RateLimiter, SpaceTradersClient
from spacetraders.clock import FakeClock
from tests.contract.test_client_requests import (  # noqa: F401  (spec, openapi: fixtures)
    BASE_URL,
    SHIP,
    TOKEN,
    WAYPOINT,
    HttpxOpenAPIRequest,
    _operation_id,
    openapi,
    spec,
)

_AGENT = {"symbol": "COOPER", "headquarters": WAYPOINT, "credits": 1, "startingFaction": "COSMIC", "shipCount": 1}
_CARGO = {"capacity": 40, "units": 2, "inventory": [{"symbol": "FUEL", "name": "Fuel", "description": "", "units": 2}]}
_TX = {"waypointSymbol": WAYPOINT, "shipSymbol": SHIP, "tradeSymbol": "FUEL", "type": "PURCHASE", "units": 2,
       "pricePerUnit": 70, "totalPrice": 140, "timestamp": "2025-01-01T00:00:00.000Z"}
_CONTRACT = {"id": "c1", "factionSymbol": "COSMIC", "type": "PROCUREMENT", "accepted": False, "fulfilled": False,
             "expiration": "2025-01-02T00:00:00.000Z", "deadlineToAccept": "2025-01-02T00:00:00.000Z",
             "terms": {"deadline": "2025-01-08T00:00:00.000Z", "payment": {"onAccepted": 1, "onFulfilled": 2},
                       "deliver": [{"tradeSymbol": "IRON_ORE", "destinationSymbol": WAYPOINT, "unitsRequired": 5,
                                    "unitsFulfilled": 0}]}}
_NAV_POINT = {"symbol": WAYPOINT, "type": "PLANET", "systemSymbol": "X1-TS98", "x": 0, "y": 0}
_SHIP = {"symbol": "COOPER-2", "registration": {"role": "TRANSPORT"}, "frame": {"symbol": "FRAME_SHUTTLE"},
         "engine": {"speed": 15}, "cargo": {"capacity": 40, "units": 0}, "fuel": {"current": 300, "capacity": 300},
         "nav": {"systemSymbol": "X1-TS98", "waypointSymbol": WAYPOINT, "status": "DOCKED", "flightMode": "CRUISE",
                 "route": {"origin": _NAV_POINT, "destination": _NAV_POINT, "departureTime": _TX["timestamp"],
                           "arrival": _TX["timestamp"]}}}


def _reply(request: httpx.Request) -> httpx.Response:
    path = request.url.path.removeprefix("/v2")
    if path == "/my/contracts":
        return httpx.Response(200, json={"data": [_CONTRACT], "meta": {"total": 1, "page": 1, "limit": 20}})
    if path.startswith("/my/contracts/"):
        if path.endswith("/deliver"):
            return httpx.Response(200, json={"data": {"contract": _CONTRACT, "cargo": _CARGO}})
        if path.endswith(("/accept", "/fulfill")):
            return httpx.Response(200, json={"data": {"agent": _AGENT, "contract": _CONTRACT}})
        return httpx.Response(200, json={"data": _CONTRACT})
    if path == "/my/ships":
        tx = {"waypointSymbol": WAYPOINT, "shipSymbol": "SHIP_PROBE", "shipType": "SHIP_PROBE", "price": 1,
              "agentSymbol": "COOPER", "timestamp": _TX["timestamp"]}
        return httpx.Response(201, json={"data": {"agent": _AGENT, "ship": _SHIP, "transaction": tx}})
    if path.endswith("/negotiate/contract"):
        return httpx.Response(201, json={"data": {"contract": _CONTRACT}})
    if path.endswith(("/purchase", "/sell")):
        return httpx.Response(201, json={"data": {"agent": _AGENT, "cargo": _CARGO, "transaction": _TX}})
    if path.endswith(("/jettison", "/transfer")):
        return httpx.Response(200, json={"data": {"cargo": _CARGO}})
    return httpx.Response(200, json={"data": _CARGO})  # GET cargo


def test_every_trade_request_is_valid_against_the_spec(spec, openapi):  # noqa: F811
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _reply(request)

    async def scenario() -> None:
        clock = FakeClock()
        async with SpaceTradersClient(BASE_URL, TOKEN, transport=httpx.MockTransport(handler), clock=clock,
                                      limiter=RateLimiter(clock)) as client:
            assert (await client.get_cargo(SHIP)).units_of("FUEL") == 2
            bought = await client.purchase_cargo(SHIP, "FUEL", 2)
            assert bought.transaction.total_price == 140 and bought.cargo.free == 38
            await client.sell_cargo(SHIP, "FUEL", 2)
            await client.jettison(SHIP, "FUEL", 1)
            await client.transfer_cargo(SHIP, "COOPER-2", "FUEL", 1)
            contracts = await client.list_contracts()
            assert contracts[0].deliver[0].units_remaining == 5
            await client.get_contract("c1")
            await client.accept_contract("c1")
            await client.deliver_contract("c1", SHIP, "IRON_ORE", 5)
            await client.fulfill_contract("c1")
            await client.negotiate_contract(SHIP)
            bought_ship = await client.purchase_ship("SHIP_PROBE", WAYPOINT)
            assert bought_ship.transaction.ship_type == "SHIP_PROBE" and bought_ship.ship.symbol == "COOPER-2"
            for bad in (0, -1):
                with pytest.raises(ValueError):
                    await client.purchase_cargo(SHIP, "FUEL", bad)

    asyncio.run(scenario())
    for request in seen:
        openapi.validate_request(HttpxOpenAPIRequest(request))
    assert {_operation_id(spec, r) for r in seen} == {
        "get-my-ship-cargo", "purchase-cargo", "sell-cargo", "jettison", "transfer-cargo", "get-contracts",
        "get-contract", "accept-contract", "deliver-contract", "fulfill-contract", "negotiateContract",
        "purchase-ship",
    }
