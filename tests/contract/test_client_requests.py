"""Every request the client makes is valid against the official OpenAPI spec.

The spec lives outside the repository (its licence forbids copying it in):
../shared/spacetraders-api/SpaceTraders.bundled.json relative to the repository root.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from werkzeug.datastructures import Headers, ImmutableMultiDict

from spacetraders.api import RateLimiter, SpaceTradersClient
from spacetraders.clock import FakeClock

SPEC = Path(__file__).resolve().parents[2] / ".." / "shared" / "spacetraders-api" / "SpaceTraders.bundled.json"
BASE_URL = "https://api.spacetraders.io/v2"  # the spec's server, so paths resolve against it
TOKEN = "eyJhbGciOiJIUzI1NiJ9.contract-test.signature"
SYSTEM, WAYPOINT, SHIP = "X1-TS98", "X1-TS98-A1", "COOPER-1"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(f"official SpaceTraders OpenAPI spec not found at {SPEC.resolve()} (kept outside the repo)")
    return json.loads(SPEC.read_text())


@pytest.fixture(scope="module")
def openapi(spec):
    from openapi_core import OpenAPI

    return OpenAPI.from_file_path(str(SPEC))


class HttpxOpenAPIRequest:
    """An httpx request seen through openapi-core's Request protocol."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        self.parameters = _parameters(request)

    @property
    def host_url(self) -> str:
        return f"{self.request.url.scheme}://{self.request.url.netloc.decode()}"

    @property
    def path(self) -> str:
        return self.request.url.path

    @property
    def method(self) -> str:
        return self.request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self.request.content or None

    @property
    def content_type(self) -> str:
        return self.request.headers.get("content-type", "application/json").lower()


def _parameters(request: httpx.Request):
    from openapi_core.datatypes import RequestParameters

    return RequestParameters(
        query=ImmutableMultiDict(parse_qs(request.url.query.decode())),
        header=Headers(dict(request.headers)),
        cookie=ImmutableMultiDict(),
    )


# Minimal bodies the client can parse; their shape is not under test here.
def _nav() -> dict:
    point = {"symbol": WAYPOINT, "type": "PLANET", "systemSymbol": SYSTEM, "x": 0, "y": 0}
    return {"systemSymbol": SYSTEM, "waypointSymbol": WAYPOINT, "status": "IN_ORBIT", "flightMode": "CRUISE",
            "route": {"origin": point, "destination": point, "departureTime": "2025-01-01T00:00:00.000Z",
                      "arrival": "2025-01-01T00:00:00.000Z"}}


_FUEL = {"current": 10, "capacity": 100}
_AGENT = {"symbol": "COOPER", "headquarters": WAYPOINT, "credits": 1, "startingFaction": "COSMIC", "shipCount": 1}
_SHIP = {"symbol": SHIP, "registration": {"role": "COMMAND"}, "nav": _nav(), "frame": {"symbol": "FRAME_FRIGATE"},
         "engine": {"speed": 36}, "cargo": {"capacity": 40, "units": 0}, "fuel": _FUEL}
_WAYPOINT = {"symbol": WAYPOINT, "type": "PLANET", "systemSymbol": SYSTEM, "x": 1, "y": 2, "traits": []}
_SYSTEM = {"symbol": SYSTEM, "sectorSymbol": "X1", "type": "RED_STAR", "x": 1, "y": 2, "waypoints": []}


def _reply(request: httpx.Request) -> httpx.Response:
    path = request.url.path.removeprefix("/v2")
    page = {"meta": {"total": 1, "page": 1, "limit": 20}}
    if path == "/":
        return httpx.Response(200, json={"status": "ok", "version": "v2.3.0", "resetDate": "2025-04-06"})
    if path == "/register":
        return httpx.Response(201, json={"data": {"token": TOKEN, "agent": _AGENT, "ships": [_SHIP]}})
    if path == "/my/agent":
        return httpx.Response(200, json={"data": _AGENT})
    if path == "/my/ships":
        return httpx.Response(200, json={"data": [_SHIP], **page})
    if path.endswith(("/orbit", "/dock")):
        return httpx.Response(200, json={"data": {"nav": _nav()}})
    if path.endswith(("/navigate", "/nav")):
        return httpx.Response(200, json={"data": {"nav": _nav(), "fuel": _FUEL, "events": []}})
    if path.endswith("/refuel"):
        return httpx.Response(200, json={"data": {"agent": _AGENT, "fuel": _FUEL, "transaction": {}}})
    if path.startswith("/my/ships/"):
        return httpx.Response(200, json={"data": _SHIP})
    if path.endswith("/market"):
        return httpx.Response(200, json={"data": {"symbol": WAYPOINT, "exports": [], "imports": [], "exchange": []}})
    if path.endswith("/shipyard"):
        return httpx.Response(200, json={"data": {"symbol": WAYPOINT, "shipTypes": [], "modificationsFee": 0}})
    if path == "/systems":
        return httpx.Response(200, json={"data": [_SYSTEM], **page})
    if path.endswith("/waypoints"):
        return httpx.Response(200, json={"data": [_WAYPOINT], **page})
    if "/waypoints/" in path:
        return httpx.Response(200, json={"data": _WAYPOINT})
    return httpx.Response(200, json={"data": _SYSTEM})


async def _exercise_every_operation(client: SpaceTradersClient) -> None:
    await client.get_status()
    await client.register("COOPER", "COSMIC", "account-token")
    await client.register("COOPER", "COSMIC", "account-token", email="me@example.com")
    await client.get_agent()
    await client.list_ships()
    await client.get_ship(SHIP)
    await client.orbit(SHIP)
    await client.dock(SHIP)
    await client.navigate(SHIP, "X1-TS98-B6")
    await client.set_flight_mode(SHIP, "BURN")
    await client.refuel(SHIP)
    await client.refuel(SHIP, units=100, from_cargo=True)
    await client.get_market(SYSTEM, WAYPOINT)
    await client.get_shipyard(SYSTEM, WAYPOINT)
    await client.list_systems()
    await client.get_system(SYSTEM)
    await client.list_waypoints(SYSTEM, traits=["MARKETPLACE"])
    await client.get_waypoint(SYSTEM, WAYPOINT)


def _captured(token: str | None) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _reply(request)

    async def scenario() -> None:
        clock = FakeClock()
        transport = httpx.MockTransport(handler)
        async with SpaceTradersClient(BASE_URL, token, transport=transport, clock=clock,
                                      limiter=RateLimiter(clock)) as client:
            await _exercise_every_operation(client)

    asyncio.run(scenario())
    return seen


def _operation_id(spec: dict, request: httpx.Request) -> str:
    path = request.url.path.removeprefix("/v2")
    for template, operations in spec["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and request.method.lower() in operations:
            return operations[request.method.lower()]["operationId"]
    raise AssertionError(f"{request.method} {path} is not an operation of the spec")


def test_every_request_is_valid_against_the_spec(spec, openapi):
    requests = _captured(TOKEN)
    for request in requests:
        openapi.validate_request(HttpxOpenAPIRequest(request))  # raises with the reason if invalid
    covered = {_operation_id(spec, r) for r in requests}
    assert covered == {
        "get-status", "register", "get-my-agent", "get-my-ships", "get-my-ship", "orbit-ship", "dock-ship",
        "navigate-ship", "patch-ship-nav", "refuel-ship", "get-market", "get-shipyard", "get-systems",
        "get-system", "get-system-waypoints", "get-waypoint",
    }


def test_public_reads_without_a_token_are_valid_too(spec, openapi):
    from spacetraders.api import AuthError

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _reply(request)

    async def scenario() -> None:
        clock = FakeClock()
        async with SpaceTradersClient(BASE_URL, None, transport=httpx.MockTransport(handler), clock=clock,
                                      limiter=RateLimiter(clock)) as client:
            await client.list_systems()
            await client.get_market(SYSTEM, WAYPOINT)
            await client.list_waypoints(SYSTEM)
            with pytest.raises(AuthError):
                await client.get_agent()

    asyncio.run(scenario())
    assert len(seen) == 3
    for request in seen:
        assert "authorization" not in request.headers
        openapi.validate_request(HttpxOpenAPIRequest(request))


@pytest.mark.parametrize(
    "bad",
    [
        httpx.Request("GET", f"{BASE_URL}/my/ships?page=1&limit=50", headers={"Authorization": f"Bearer {TOKEN}"}),
        httpx.Request("POST", f"{BASE_URL}/my/ships/{SHIP}/navigate", json={"waypoint": "X1-TS98-B6"},
                      headers={"Authorization": f"Bearer {TOKEN}"}),
        httpx.Request("PATCH", f"{BASE_URL}/my/ships/{SHIP}/nav", json={"flightMode": "WARP9"},
                      headers={"Authorization": f"Bearer {TOKEN}"}),
        httpx.Request("GET", f"{BASE_URL}/my/agent"),  # no token
        httpx.Request("POST", f"{BASE_URL}/register", json={"symbol": "AB", "faction": "COSMIC"},
                      headers={"Authorization": "Bearer x"}),
    ],
)
def test_the_validator_rejects_requests_the_spec_forbids(openapi, bad):
    from openapi_core.exceptions import OpenAPIError

    with pytest.raises(OpenAPIError):
        openapi.validate_request(HttpxOpenAPIRequest(bad))
