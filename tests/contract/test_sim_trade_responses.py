"""The simulator's trade, contract and shipyard answers validate against the official spec.

Same rules as test_sim_responses.py (its `spec` fixture and `check`): the spec's success
status, its response schema with undeclared properties forbidden, ISO timestamps with ms.
"""

from __future__ import annotations

import asyncio

import httpx

from spacetraders.clock import FakeClock
from spacetraders.sim.app import create_app
from spacetraders.sim.config import SimConfig
from tests.contract.test_sim_responses import check, spec  # noqa: F401  (spec is a fixture)


def test_every_trade_contract_and_shipyard_endpoint_matches_the_spec(spec):  # noqa: F811
    clock = FakeClock()
    app = create_app(SimConfig(seed=5, clock=clock, enforce_rate_limit=False))
    sim = app.state.sim
    transport = httpx.ASGITransport(app=app)

    async def scenario() -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://sim/v2") as c:
            reg = (await c.post("/register", json={"symbol": "TRADER", "faction": "COSMIC"},
                                headers={"Authorization": "Bearer account"})).json()["data"]
            c.headers["Authorization"] = f"Bearer {reg['token']}"
            hq = reg["agent"]["headquarters"]
            system = hq.rsplit("-", 1)[0]
            ship, probe = reg["ships"][0]["symbol"], reg["ships"][1]["symbol"]
            agent = sim.agents["TRADER"]

            s = "/my/ships/{shipSymbol}"
            check(spec, "get", s + "/cargo", await c.get(f"/my/ships/{ship}/cargo"))
            bought = check(spec, "post", s + "/purchase",
                           await c.post(f"/my/ships/{ship}/purchase", json={"symbol": "FUEL", "units": 12}))
            assert bought["data"]["cargo"]["units"] == 12
            check(spec, "post", s + "/sell", await c.post(f"/my/ships/{ship}/sell", json={"symbol": "FUEL", "units": 2}))
            check(spec, "post", s + "/jettison",
                  await c.post(f"/my/ships/{ship}/jettison", json={"symbol": "FUEL", "units": 1}))
            market = check(spec, "get", "/systems/{systemSymbol}/waypoints/{waypointSymbol}/market",
                           await c.get(f"/systems/{system}/waypoints/{hq}/market"))
            assert [t["type"] for t in market["data"]["transactions"]] == ["PURCHASE", "SELL"]

            yard = "/systems/{systemSymbol}/waypoints/{waypointSymbol}/shipyard"
            new = check(spec, "post", "/my/ships",
                        await c.post("/my/ships", json={"shipType": "SHIP_LIGHT_SHUTTLE", "waypointSymbol": hq}))
            shuttle = new["data"]["ship"]["symbol"]
            listing = check(spec, "get", yard, await c.get(f"/systems/{system}/waypoints/{hq}/shipyard"))
            assert listing["data"]["transactions"]
            moved = check(spec, "post", s + "/transfer", await c.post(
                f"/my/ships/{ship}/transfer", json={"tradeSymbol": "FUEL", "units": 4, "shipSymbol": shuttle}))
            assert moved["data"]["cargo"]["units"] == 5

            contract = reg["contract"]
            cid = contract["id"]
            check(spec, "get", "/my/contracts", await c.get("/my/contracts"))
            check(spec, "get", "/my/contracts/{contractId}", await c.get(f"/my/contracts/{cid}"))
            check(spec, "post", "/my/contracts/{contractId}/accept", await c.post(f"/my/contracts/{cid}/accept"))
            line = contract["terms"]["deliver"][0]
            dest = sim.universe.waypoints[line["destinationSymbol"]]
            carrier = agent.ships[ship]
            carrier.location = dest  # the route there is navigation's business, tested elsewhere
            sim._present.setdefault(("TRADER", dest.symbol), set()).add(carrier)
            carrier.cargo[line["tradeSymbol"]] = line["unitsRequired"]
            check(spec, "post", "/my/contracts/{contractId}/deliver", await c.post(
                f"/my/contracts/{cid}/deliver",
                json={"shipSymbol": ship, "tradeSymbol": line["tradeSymbol"], "units": line["unitsRequired"]}))
            check(spec, "post", "/my/contracts/{contractId}/fulfill", await c.post(f"/my/contracts/{cid}/fulfill"))
            check(spec, "post", s + "/negotiate/contract", await c.post(f"/my/ships/{probe}/negotiate/contract"))

    asyncio.run(scenario())
