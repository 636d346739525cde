"""Every simulator response validates against the official spec's response schema.

The spec stays outside the repository (its licence forbids copying it in); the test reads
../shared/spacetraders-api/SpaceTraders.bundled.json and skips when it is absent. Three
known spec mistakes (SOURCE.txt) are relaxed in memory; everything else is made stricter:
objects may not carry properties the spec does not declare, and date-time strings must
be ISO-8601 UTC with milliseconds.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft7Validator, FormatChecker

from spacetraders.clock import FakeClock
from spacetraders.sim.app import create_app
from spacetraders.sim.config import SimConfig

SPEC = Path(__file__).resolve().parents[2] / ".." / "shared" / "spacetraders-api" / "SpaceTraders.bundled.json"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _relax_known_mistakes(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    schemas["ShipNavRoute"]["required"].remove("departure")
    schemas["ShipyardShip"]["required"].remove("symbol")
    register = spec["paths"]["/register"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    required = register["properties"]["data"]["required"]
    required[required.index("ship")] = "ships"


def _forbid_undeclared_properties(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _forbid_undeclared_properties(value)
    elif isinstance(node, list):
        for value in node:
            _forbid_undeclared_properties(value)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(f"official SpaceTraders OpenAPI spec not found at {SPEC.resolve()} (kept outside the repo)")
    document = copy.deepcopy(json.loads(SPEC.read_text()))
    _relax_known_mistakes(document)
    _forbid_undeclared_properties(document["components"])
    _forbid_undeclared_properties(document["paths"])
    return document


formats = FormatChecker()


@formats.checks("date-time")
def _iso_with_ms(value: object) -> bool:
    return not isinstance(value, str) or bool(ISO_MS.match(value))


def check(spec: dict[str, Any], method: str, path: str, response: httpx.Response) -> Any:
    """Assert the status is the spec's success status and the body matches its schema."""
    responses = spec["paths"][path][method]["responses"]
    (status, declared), = ((int(k), v) for k, v in responses.items() if k.startswith("2"))
    assert response.status_code == status, f"{method.upper()} {path}: {response.status_code} {response.text[:300]}"
    schema = declared["content"]["application/json"]["schema"]
    root = {**spec, **schema}  # refs (#/components/...) resolve against the spec document
    errors = sorted(Draft7Validator(root, format_checker=formats).iter_errors(response.json()), key=str)
    assert not errors, f"{method.upper()} {path}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
    )
    return response.json()


def test_every_simulated_endpoint_matches_the_spec(spec):
    app = create_app(SimConfig(seed=3, clock=FakeClock(), enforce_rate_limit=False))
    sim = app.state.sim
    transport = httpx.ASGITransport(app=app)

    async def scenario() -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://sim/v2") as c:
            check(spec, "get", "/", await c.get("/"))
            reg = check(spec, "post", "/register", await c.post(
                "/register", json={"symbol": "CONTRACT", "faction": "COSMIC"},
                headers={"Authorization": "Bearer account"},
            ))
            c.headers["Authorization"] = f"Bearer {reg['data']['token']}"
            hq = reg["data"]["agent"]["headquarters"]
            system = hq.rsplit("-", 1)[0]
            ship = reg["data"]["ships"][0]["symbol"]
            check(spec, "get", "/my/agent", await c.get("/my/agent"))
            check(spec, "get", "/my/ships", await c.get("/my/ships", params={"limit": 20}))
            check(spec, "get", "/my/ships/{shipSymbol}", await c.get(f"/my/ships/{ship}"))
            check(spec, "get", "/systems", await c.get("/systems"))
            check(spec, "get", "/systems/{systemSymbol}", await c.get(f"/systems/{system}"))
            waypoints = "/systems/{systemSymbol}/waypoints"
            check(spec, "get", waypoints, await c.get(f"/systems/{system}/waypoints", params={"limit": 20, "page": 2}))
            check(spec, "get", waypoints + "/{waypointSymbol}", await c.get(f"/systems/{system}/waypoints/{hq}"))
            market, shipyard = waypoints + "/{waypointSymbol}/market", waypoints + "/{waypointSymbol}/shipyard"
            present = check(spec, "get", market, await c.get(f"/systems/{system}/waypoints/{hq}/market"))
            assert present["data"]["tradeGoods"]
            absent = check(spec, "get", market, await c.get(f"/systems/{system}/waypoints/{hq}/market", headers={"Authorization": ""}))
            assert "tradeGoods" not in absent["data"]
            yard = check(spec, "get", shipyard, await c.get(f"/systems/{system}/waypoints/{hq}/shipyard"))
            assert yard["data"]["ships"]
            check(spec, "get", shipyard, await c.get(f"/systems/{system}/waypoints/{hq}/shipyard", headers={"Authorization": ""}))

            sim.agents["CONTRACT"].ships[ship].fuel = 100
            refuel = check(spec, "post", "/my/ships/{shipSymbol}/refuel", await c.post(f"/my/ships/{ship}/refuel", json={"units": 150}))
            assert refuel["data"]["transaction"]["tradeSymbol"] == "FUEL"
            check(spec, "post", "/my/ships/{shipSymbol}/orbit", await c.post(f"/my/ships/{ship}/orbit"))
            check(spec, "patch", "/my/ships/{shipSymbol}/nav", await c.patch(f"/my/ships/{ship}/nav", json={"flightMode": "DRIFT"}))
            target = next(w.symbol for w in sim.universe.systems[system].waypoints if w.market and w.symbol != hq)
            nav = check(spec, "post", "/my/ships/{shipSymbol}/navigate",
                        await c.post(f"/my/ships/{ship}/navigate", json={"waypointSymbol": target}))
            assert nav["data"]["nav"]["status"] == "IN_TRANSIT" and "consumed" in nav["data"]["fuel"]
            check(spec, "get", "/my/ships/{shipSymbol}/nav", await c.get(f"/my/ships/{ship}/nav"))
            sim.clock.advance(100_000)  # type: ignore[attr-defined]
            check(spec, "post", "/my/ships/{shipSymbol}/dock", await c.post(f"/my/ships/{ship}/dock"))

    asyncio.run(scenario())


def test_every_generated_trait_type_and_good_is_in_the_spec_enums(spec):
    schemas = spec["components"]["schemas"]
    app = create_app(SimConfig(seed=9, systems=2, clock=FakeClock()))
    universe = app.state.sim.universe
    traits = {t["symbol"] for w in universe.waypoints.values() for t in w.traits}
    assert traits <= set(schemas["WaypointTraitSymbol"]["enum"])
    assert {w.type for w in universe.waypoints.values()} <= set(schemas["WaypointType"]["enum"])
    goods = {g for m in app.state.sim.markets.values() for g, _ in m.spec.goods()}
    assert goods <= set(schemas["TradeSymbol"]["enum"])
    assert {s.type for s in universe.systems.values()} <= set(schemas["SystemType"]["enum"])
