"""Every request the client's travel methods send is valid against the official spec
(recorded on their way to the in-process simulator)."""

from __future__ import annotations

import asyncio
import re

import httpx

from spacetraders.api import SpaceTradersClient
from spacetraders.clock import FakeClock
from spacetraders.sim.app import create_app
from spacetraders.sim.config import SimConfig
from spacetraders.sim.gates import gate_of
from spacetraders.sim.ships import DOCKED, IN_ORBIT
from tests.contract.test_client_requests import BASE_URL, HttpxOpenAPIRequest, openapi, spec  # noqa: F401


class Recording(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


def _operation_id(spec: dict, request: httpx.Request) -> str:  # noqa: F811
    path = request.url.path.removeprefix("/v2")
    for template, operations in spec["paths"].items():
        if re.match("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$", path) and request.method.lower() in operations:
            return str(operations[request.method.lower()]["operationId"])
    raise AssertionError(f"{request.method} {path} is not an operation of the spec")


def test_travel_requests_are_valid_against_the_spec(spec, openapi):  # noqa: F811
    clock = FakeClock()
    app = create_app(SimConfig(seed=4, systems=4, clock=clock, enforce_rate_limit=False))
    sim = app.state.sim
    transport = Recording(httpx.ASGITransport(app=app))

    async def scenario() -> None:
        async with SpaceTradersClient(BASE_URL, transport=transport, clock=clock) as anonymous:
            registered = await anonymous.register("GATES", "COSMIC", "account")
        async with SpaceTradersClient(BASE_URL, registered.token, transport=transport, clock=clock) as client:
            frigate, probe = registered.ships[0].symbol, registered.ships[1].symbol
            home = registered.agent.headquarters.rsplit("-", 1)[0]
            gate = gate_of(sim.universe.systems[home])
            assert gate is not None
            await client.get_jump_gate(home, gate.symbol)
            await client.get_construction(home, gate.symbol)
            await client.get_cooldown(probe)
            ship = sim.agents["GATES"].ships[probe]
            sim.relocate(ship, gate)
            ship.status = IN_ORBIT
            target = next(g for g in sim.universe.gates[gate.symbol] if not sim.universe.waypoints[g].is_under_construction)
            await client.jump(probe, target)
            hidden = next(w for w in sim.universe.systems[target.rsplit("-", 1)[0]].waypoints if w.hidden_traits)
            sim.relocate(ship, hidden)
            await client.chart(probe)
            unfinished = next(g for g in sim.universe.gates if sim.universe.waypoints[g].is_under_construction)
            big = sim.agents["GATES"].ships[frigate]
            sim.relocate(big, sim.universe.waypoints[unfinished])
            big.status, big.cargo["FAB_MATS"] = DOCKED, 5
            await client.supply_construction(unfinished.rsplit("-", 1)[0], unfinished, frigate, "FAB_MATS", 5)
            big.status = IN_ORBIT
            big.modules.append("MODULE_WARP_DRIVE_I")
            big.flight_mode = "DRIFT"
            await client.warp(frigate, registered.agent.headquarters)

    asyncio.run(scenario())
    for request in transport.requests:
        openapi.validate_request(HttpxOpenAPIRequest(request))  # raises with the reason if invalid
    covered = {_operation_id(spec, r) for r in transport.requests}
    assert {"get-jump-gate", "get-construction", "supply-construction", "jump-ship", "warp-ship",
            "get-ship-cooldown", "create-chart"} <= covered
