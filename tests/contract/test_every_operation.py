"""Every operation of the official spec is routed by the simulator, and every answer that
succeeds matches the spec's response schema (strict: no undeclared properties).

A scenario drives one agent through all 59 operations so each gets a request that can
succeed. An operation answers the documented 501 only if it is listed as not modelled,
never a routing 404/405; the others must succeed here.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from jsonschema import Draft7Validator  # type: ignore[import-untyped]

from spacetraders.clock import FakeClock
from spacetraders.sim import spec_enums
from spacetraders.sim.app import create_app
from spacetraders.sim.config import SimConfig
from spacetraders.sim.gates import gate_of
from spacetraders.sim.operations import NOT_MODELLED, OPERATIONS
from spacetraders.sim.ships import DOCKED, IN_ORBIT
from tests.contract.test_sim_responses import formats, spec  # noqa: F401  (fixture)

ROUTING_MISSES = {(404, "Not Found"), (405, "Method Not Allowed")}


def check(spec: dict[str, Any], method: str, path: str, response: httpx.Response) -> None:  # noqa: F811
    """The response's status is a documented one and its body matches that status's schema."""
    declared = spec["paths"][path][method]["responses"].get(str(response.status_code))
    assert declared is not None, f"{method.upper()} {path}: undocumented status {response.status_code}"
    if "content" not in declared:
        assert not response.content
        return
    root = {**spec, **declared["content"]["application/json"]["schema"]}
    errors = sorted(Draft7Validator(root, format_checker=formats).iter_errors(response.json()), key=str)
    assert not errors, f"{method.upper()} {path}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
    )


def test_the_operation_list_and_enums_match_the_spec(spec):  # noqa: F811
    declared = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if m in ("get", "post", "patch")}
    assert set(OPERATIONS) == declared and len(OPERATIONS) == 59
    assert NOT_MODELLED <= declared
    schemas = spec["components"]["schemas"]
    assert spec_enums.WAYPOINT_TYPES == set(schemas["WaypointType"]["enum"])
    assert spec_enums.WAYPOINT_TRAITS == set(schemas["WaypointTraitSymbol"]["enum"])
    assert spec_enums.TRADE_SYMBOLS == set(schemas["TradeSymbol"]["enum"])


def test_every_operation_is_routed_and_answers_in_the_spec_shape(spec):  # noqa: F811
    clock = FakeClock()
    app = create_app(SimConfig(seed=5, systems=3, clock=clock, enforce_rate_limit=False))
    sim = app.state.sim
    transport = httpx.ASGITransport(app=app)
    seen: dict[tuple[str, str], int] = {}

    async def call(c: httpx.AsyncClient, method: str, template: str, url: str, body: Any = None) -> httpx.Response:
        r = await c.request(method, url, json=body)
        error = r.json().get("error", {}) if r.content and r.headers.get("content-type") == "application/json" else {}
        assert (r.status_code, error.get("message")) not in ROUTING_MISSES, f"{method} {template} is not routed"
        key = (method, template)
        if r.status_code == 501:
            assert key in NOT_MODELLED, f"{method} {template} answers 501 but is not listed as not modelled"
            assert error["code"] == 501 and error["data"]["operation"] == f"{method} {template}"
        elif r.status_code < 300:
            check(spec, method.lower(), template, r)
        elif key not in NOT_MODELLED:  # the economy routes' own rules are tested with them
            raise AssertionError(f"{method} {template}: {r.status_code} {r.text[:300]}")
        seen[key] = r.status_code
        return r

    async def scenario() -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://sim/v2") as c:
            await call(c, "GET", "/", "/")
            c.headers["Authorization"] = "Bearer account-token"
            reg = await call(c, "POST", "/register", "/register", {"symbol": "EVERY", "faction": "COSMIC"})
            data = reg.json()["data"]
            c.headers["Authorization"] = f"Bearer {data['token']}"
            agent = sim.agents["EVERY"]
            hq = data["agent"]["headquarters"]
            home = hq.rsplit("-", 1)[0]
            frigate, probe, spare = (s["symbol"] for s in data["ships"][:3])
            contract = data["contract"]["id"]
            wp = "/systems/{systemSymbol}/waypoints/{waypointSymbol}"
            ship = "/my/ships/{shipSymbol}"

            async def ok(method: str, template: str, body: Any = None, **values: str) -> httpx.Response:
                url = template
                for name, value in values.items():
                    url = url.replace("{" + name + "}", value)
                return await call(c, method, template, url, body)

            # reads
            await ok("GET", "/my/agent")
            await ok("GET", "/agents")
            await ok("GET", "/agents/{agentSymbol}", agentSymbol="EVERY")
            await ok("GET", "/factions")
            await ok("GET", "/factions/{factionSymbol}", factionSymbol="COSMIC")
            await ok("GET", "/market/supply-chain")
            await ok("GET", "/systems")
            await ok("GET", "/systems/{systemSymbol}", systemSymbol=home)
            await ok("GET", "/systems/{systemSymbol}/waypoints", systemSymbol=home)
            await ok("GET", wp, systemSymbol=home, waypointSymbol=hq)
            await ok("GET", wp + "/market", systemSymbol=home, waypointSymbol=hq)
            await ok("GET", wp + "/shipyard", systemSymbol=home, waypointSymbol=hq)
            gate = gate_of(sim.universe.systems[home])
            assert gate is not None
            await ok("GET", wp + "/jump-gate", systemSymbol=home, waypointSymbol=gate.symbol)
            await ok("GET", wp + "/construction", systemSymbol=home, waypointSymbol=gate.symbol)
            await ok("GET", "/my/ships")
            await ok("GET", ship, shipSymbol=frigate)
            await ok("GET", ship + "/nav", shipSymbol=frigate)
            await ok("GET", ship + "/cargo", shipSymbol=frigate)
            await ok("GET", ship + "/mounts", shipSymbol=frigate)
            await ok("GET", ship + "/modules", shipSymbol=frigate)
            await ok("GET", ship + "/cooldown", shipSymbol=frigate)  # 204: none yet
            for template in ("/my/contracts", "/my/contracts/{contractId}"):
                await ok("GET", template, contractId=contract)

            # at the shipyard (HQ, docked): outfitting, repair, scrap, ship purchase, trading
            s = {"shipSymbol": frigate}
            await ok("POST", ship + "/mounts/remove", {"symbol": "MOUNT_SURVEYOR_II"}, **s)
            await ok("POST", ship + "/mounts/install", {"symbol": "MOUNT_SURVEYOR_II"}, **s)
            await ok("POST", ship + "/modules/remove", {"symbol": "MODULE_CREW_QUARTERS_I"}, **s)
            await ok("POST", ship + "/modules/install", {"symbol": "MODULE_CREW_QUARTERS_I"}, **s)
            await ok("GET", ship + "/repair", **s)
            await ok("POST", ship + "/repair", **s)
            await ok("GET", ship + "/scrap", shipSymbol=spare)
            await ok("POST", ship + "/scrap", shipSymbol=spare)
            await ok("POST", "/my/ships", {"shipType": "SHIP_PROBE", "waypointSymbol": hq})
            await ok("POST", ship + "/refuel", {}, **s)
            await ok("POST", ship + "/negotiate/contract", {}, **s)
            await ok("POST", ship + "/purchase", {"symbol": "FUEL", "units": 1}, **s)
            await ok("POST", ship + "/sell", {"symbol": "FUEL", "units": 1}, **s)
            sim.agents["EVERY"].ships[frigate].cargo["FUEL"] = 2
            await ok("POST", ship + "/jettison", {"symbol": "FUEL", "units": 1}, **s)
            await ok("POST", ship + "/transfer", {"tradeSymbol": "FUEL", "units": 1, "shipSymbol": probe}, **s)
            for template in ("/my/contracts/{contractId}/accept", "/my/contracts/{contractId}/fulfill"):
                await ok("POST", template, contractId=contract)
            body = {"shipSymbol": frigate, "tradeSymbol": "IRON_ORE", "units": 1}
            await ok("POST", "/my/contracts/{contractId}/deliver", body, contractId=contract)

            # in orbit: navigate, flight mode, scans, then mining at an asteroid
            await ok("POST", ship + "/orbit", **s)
            await ok("PATCH", ship + "/nav", {"flightMode": "CRUISE"}, **s)
            near = min((w for w in sim.universe.systems[home].waypoints if w.market and w.symbol != hq),
                       key=lambda w: abs(w.x - sim.universe.waypoints[hq].x) + abs(w.y - sim.universe.waypoints[hq].y))
            await ok("POST", ship + "/navigate", {"waypointSymbol": near.symbol}, **s)
            clock.advance(10_000)
            await ok("POST", ship + "/dock", **s)
            await ok("POST", ship + "/orbit", **s)
            for what in ("systems", "waypoints", "ships"):
                await ok("POST", ship + "/scan/" + what, **s)
                await ok("GET", ship + "/cooldown", **s)  # 200 with the scan's cooldown
                clock.advance(60)
            ships = agent.ships
            rock = next(w for w in sim.universe.systems[home].waypoints if w.type == "ASTEROID")
            sim.relocate(ships[frigate], rock)
            survey = (await ok("POST", ship + "/survey", **s)).json()["data"]["surveys"][0]
            clock.advance(100)
            await ok("POST", ship + "/extract", {}, **s)
            clock.advance(100)
            await ok("POST", ship + "/extract/survey", survey, **s)
            clock.advance(100)
            ships[frigate].cargo.clear()
            giant = next(w for w in sim.universe.systems[home].waypoints if w.type == "GAS_GIANT")
            sim.relocate(ships[frigate], giant)
            await ok("POST", ship + "/siphon", **s)
            clock.advance(100)
            ships[frigate].modules.append("MODULE_ORE_REFINERY_I")
            ships[frigate].cargo.clear()
            ships[frigate].cargo["IRON_ORE"] = 100
            await ok("POST", ship + "/refine", {"produce": "IRON"}, **s)
            clock.advance(100)

            # other systems: supply the unfinished gate, jump, chart, warp
            unfinished = next(g for g in sim.universe.gates if sim.universe.waypoints[g].is_under_construction)
            sim.relocate(ships[frigate], sim.universe.waypoints[unfinished])
            ships[frigate].status = DOCKED
            ships[frigate].cargo.clear()
            ships[frigate].cargo["FAB_MATS"] = 10
            body = {"shipSymbol": frigate, "tradeSymbol": "FAB_MATS", "units": 10}
            await ok("POST", wp + "/construction/supply", body, systemSymbol=unfinished.rsplit("-", 1)[0],
                     waypointSymbol=unfinished)
            sim.relocate(ships[probe], gate)
            ships[probe].status = IN_ORBIT
            target = next(g for g in sim.universe.gates[gate.symbol] if not sim.universe.waypoints[g].is_under_construction)
            await ok("POST", ship + "/jump", {"waypointSymbol": target}, shipSymbol=probe)
            hidden = next(w for w in sim.universe.systems[target.rsplit("-", 1)[0]].waypoints if w.hidden_traits)
            sim.relocate(ships[probe], hidden)
            await ok("POST", ship + "/chart", shipSymbol=probe)
            ships[frigate].modules.append("MODULE_WARP_DRIVE_I")
            ships[frigate].status = IN_ORBIT
            ships[frigate].flight_mode = "DRIFT"
            await ok("POST", ship + "/warp", {"waypointSymbol": hq}, **s)

    asyncio.run(scenario())
    assert set(seen) == set(OPERATIONS), f"not exercised: {sorted(set(OPERATIONS) - set(seen))}"
    assert seen[("GET", "/my/ships/{shipSymbol}/cooldown")] in (200, 204)
