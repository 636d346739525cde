"""Endpoints: the requests the client sends and how it reads the answers."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx
import pytest

from spacetraders.api import AuthError
from tests.api import api_payloads as p

SHIP = "COOPER-1"


def _json(request: httpx.Request) -> object:
    return json.loads(request.content) if request.content else None


def test_list_ships_reads_every_page_of_twenty(make_client, token):
    all_ships = [p.ship(f"COOPER-{i:X}") for i in range(1, 46)]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        page, limit = int(request.url.params["page"]), int(request.url.params["limit"])
        chunk = all_ships[(page - 1) * limit : page * limit]
        return httpx.Response(200, json=p.page(chunk, page, len(all_ships), limit))

    async def scenario():
        async with make_client(handler) as client:
            return await client.list_ships()

    ships = asyncio.run(scenario())
    assert [s.symbol for s in ships] == [s["symbol"] for s in all_ships]
    assert [(r.url.path, dict(r.url.params)) for r in seen] == [
        ("/v2/my/ships", {"page": str(n), "limit": "20"}) for n in (1, 2, 3)
    ]
    assert all(r.headers["Authorization"] == f"Bearer {token}" for r in seen)


def test_list_ships_stops_on_an_empty_page_even_if_total_lies(make_client):
    calls = []

    def handler(request):
        calls.append(request)
        page = int(request.url.params["page"])
        items = [p.ship("COOPER-1")] if page == 1 else []
        return httpx.Response(200, json=p.page(items, page, total=99))

    async def scenario():
        async with make_client(handler) as client:
            return await client.list_ships()

    assert len(asyncio.run(scenario())) == 1
    assert len(calls) == 2


def test_list_waypoints_paginates_and_filters_traits_locally(make_client):
    waypoints = [
        p.waypoint(f"X1-TS98-W{i}", traits=("MARKETPLACE",) if i % 3 == 0 else ("BARREN",)) for i in range(25)
    ]
    waypoints[3]["traits"].append({"symbol": "SHIPYARD", "name": "Shipyard", "description": ""})
    seen = []

    def handler(request):
        seen.append(request)
        page = int(request.url.params["page"])
        return httpx.Response(200, json=p.page(waypoints[(page - 1) * 20 : page * 20], page, len(waypoints)))

    async def scenario():
        async with make_client(handler) as client:
            return (
                await client.list_waypoints("X1-TS98"),
                await client.list_waypoints("X1-TS98", traits=["MARKETPLACE"]),
                await client.list_waypoints("X1-TS98", traits="SHIPYARD"),
                await client.list_waypoints("X1-TS98", traits={"MARKETPLACE", "SHIPYARD"}),
            )

    everything, markets, shipyards, both = asyncio.run(scenario())
    assert len(everything) == 25
    assert [w.symbol for w in markets] == [f"X1-TS98-W{i}" for i in range(0, 25, 3)]
    assert all(w.has_marketplace for w in markets)
    assert [w.symbol for w in shipyards] == [w.symbol for w in both] == ["X1-TS98-W3"]
    assert len(seen) == 8  # 2 pages per call
    assert all("traits" not in r.url.params for r in seen)
    assert {r.url.path for r in seen} == {"/v2/systems/X1-TS98/waypoints"}


def test_ship_actions_send_the_documented_requests(make_client):
    seen = []

    def handler(request):
        seen.append((request.method, request.url.path, _json(request)))
        path = request.url.path
        if path.endswith("/orbit"):
            return httpx.Response(200, json={"data": {"nav": p.nav(status="IN_ORBIT")}})
        if path.endswith("/dock"):
            return httpx.Response(200, json={"data": {"nav": p.nav(status="DOCKED")}})
        if path.endswith("/navigate"):
            body = {"nav": p.nav(status="IN_TRANSIT", destination="X1-TS98-B6"), "fuel": p.fuel(380), "events": []}
            return httpx.Response(200, json={"data": body})
        if path.endswith("/nav"):
            return httpx.Response(200, json={"data": {"nav": {**p.nav(), "flightMode": "DRIFT"}, "fuel": p.fuel(), "events": []}})
        if path.endswith("/refuel"):
            body = {
                "agent": p.agent(credits=170_000),
                "fuel": p.fuel(400),
                "transaction": {"units": 2, "totalPrice": 144, "tradeSymbol": "FUEL"},
            }
            return httpx.Response(200, json={"data": body})
        return httpx.Response(200, json={"data": p.ship(SHIP)})

    async def scenario():
        async with make_client(handler) as client:
            return (
                await client.orbit(SHIP),
                await client.dock(SHIP),
                await client.navigate(SHIP, "X1-TS98-B6"),
                await client.set_flight_mode(SHIP, "DRIFT"),
                await client.refuel(SHIP),
                await client.refuel(SHIP, units=150, from_cargo=True),
                await client.get_ship(SHIP),
            )

    orbit, dock, navigate, mode, refuel, refuel_cargo, ship = asyncio.run(scenario())
    assert seen == [
        ("POST", f"/v2/my/ships/{SHIP}/orbit", None),
        ("POST", f"/v2/my/ships/{SHIP}/dock", None),
        ("POST", f"/v2/my/ships/{SHIP}/navigate", {"waypointSymbol": "X1-TS98-B6"}),
        ("PATCH", f"/v2/my/ships/{SHIP}/nav", {"flightMode": "DRIFT"}),
        ("POST", f"/v2/my/ships/{SHIP}/refuel", {}),
        ("POST", f"/v2/my/ships/{SHIP}/refuel", {"units": 150, "fromCargo": True}),
        ("GET", f"/v2/my/ships/{SHIP}", None),
    ]
    assert (orbit.status, dock.status, mode.flight_mode) == ("IN_ORBIT", "DOCKED", "DRIFT")
    assert navigate.nav.status == "IN_TRANSIT"
    assert navigate.nav.route.destination_symbol == "X1-TS98-B6"
    assert navigate.nav.route.arrival == datetime(2025, 4, 9, 17, 25, 34, 980000, tzinfo=UTC)
    assert navigate.fuel.current == 380
    assert (refuel.credits, refuel.units, refuel.price, refuel.fuel.current) == (170_000, 2, 144, 400)
    assert refuel_cargo == refuel
    assert (ship.role, ship.frame, ship.engine_speed, ship.cargo_capacity, ship.cargo_units) == (
        "COMMAND", "FRAME_FRIGATE", 36, 40, 3
    )


def test_refuel_rejects_non_positive_units_without_a_request(make_client):
    def handler(request):  # pragma: no cover - must not be reached
        raise AssertionError("no request expected")

    async def scenario():
        async with make_client(handler) as client:
            await client.refuel(SHIP, units=0)

    with pytest.raises(ValueError):
        asyncio.run(scenario())


def test_market_prices_only_when_the_server_sends_them(make_client):
    def handler(request):
        with_prices = request.url.path.split("/")[-2].endswith("A1")
        return httpx.Response(200, json={"data": p.market(request.url.path.split("/")[-2], with_prices)})

    async def scenario():
        async with make_client(handler) as client:
            return await client.get_market("X1-TS98", "X1-TS98-A1"), await client.get_market("X1-TS98", "X1-TS98-B2")

    present, absent = asyncio.run(scenario())
    assert present.symbol == "X1-TS98-A1" and present.exchange == ("FUEL",)
    assert [(g.symbol, g.purchase_price, g.sell_price, g.supply) for g in present.trade_goods] == [
        ("FUEL", 72, 68, "MODERATE")
    ]
    assert present.raw["tradeGoods"][0]["tradeVolume"] == 100  # full JSON kept for storage
    assert "raw" not in repr(present)
    assert absent.trade_goods == () and absent.goods == {"FUEL"}


def test_public_reads_without_token_send_no_authorization(make_client):
    seen = []

    def handler(request):
        seen.append(request)
        path = request.url.path
        if path == "/v2/":
            return httpx.Response(200, json={"status": "ok", "version": "v2.3.0", "resetDate": "2025-04-06",
                                             "serverResets": {"next": "2025-04-13T00:00:00.000Z", "frequency": "weekly"}})
        if path.endswith("/shipyard"):
            return httpx.Response(200, json={"data": {"symbol": "X1-TS98-A2", "shipTypes": [{"type": "SHIP_PROBE"}],
                                                      "modificationsFee": 100}})
        if path == "/v2/systems/X1-TS98":
            return httpx.Response(200, json={"data": {"symbol": "X1-TS98", "sectorSymbol": "X1", "type": "RED_STAR",
                                                      "x": 5, "y": 6, "waypoints": [p.waypoint("X1-TS98-A1")] * 3,
                                                      "factions": []}})
        return httpx.Response(200, json={"data": p.waypoint("X1-TS98-A2", orbits="X1-TS98-A1")})

    async def scenario():
        async with make_client(handler, token=None) as client:
            return (
                await client.get_status(),
                await client.get_shipyard("X1-TS98", "X1-TS98-A2"),
                await client.get_system("X1-TS98"),
                await client.get_waypoint("X1-TS98", "X1-TS98-A2"),
            )

    status, shipyard, system, waypoint = asyncio.run(scenario())
    assert all("authorization" not in r.headers for r in seen)
    assert status.reset_date == "2025-04-06" and status.next_reset.day == 13
    assert shipyard.ship_types == ("SHIP_PROBE",) and shipyard.ships == ()
    assert (system.sector_symbol, system.type, system.waypoint_count) == ("X1", "RED_STAR", 3)
    assert waypoint.orbits == "X1-TS98-A1" and not waypoint.has_marketplace


def test_agent_calls_need_a_token(make_client):
    async def scenario():
        async with make_client(lambda r: httpx.Response(500), token=None) as client:
            await client.get_agent()

    with pytest.raises(AuthError, match="needs an agent token"):
        asyncio.run(scenario())


def test_register_uses_the_account_token_and_hides_the_new_one(make_client, token):
    account_token = "ACCOUNT-" + token[::-1]
    seen = []

    def handler(request):
        seen.append(request)
        body = {"token": token, "agent": p.agent("NEWBIE"), "faction": {}, "contract": {},
                "ships": [p.ship("NEWBIE-1"), p.ship("NEWBIE-2")]}
        return httpx.Response(201, json={"data": body})

    async def scenario():
        async with make_client(handler, token=None) as client:
            return await client.register("newbie", "COSMIC", account_token)

    result = asyncio.run(scenario())
    assert seen[0].headers["Authorization"] == f"Bearer {account_token}"
    assert _json(seen[0]) == {"symbol": "newbie", "faction": "COSMIC"}
    assert result.token == token
    assert result.agent.symbol == "NEWBIE" and [s.symbol for s in result.ships] == ["NEWBIE-1", "NEWBIE-2"]
    assert token not in repr(result) and token not in str(result)
