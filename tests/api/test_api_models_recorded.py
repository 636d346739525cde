"""The models read real recorded API payloads (../shared/spacetraders-data, never copied)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from spacetraders.api.models import Agent, Market, Ship, Shipyard, System, Waypoint

SNAPSHOT = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "spacetraders-data" / "systems"
    / "X1-AD75.universe-snapshot.json"
)


@pytest.fixture(scope="module")
def snapshot() -> dict:
    if not SNAPSHOT.exists():
        pytest.skip(f"recorded game data not found at {SNAPSHOT.resolve()}")
    return json.loads(SNAPSHOT.read_text())


def test_agent_and_ships(snapshot):
    agent = Agent.from_json(snapshot["agent"])
    assert (agent.symbol, agent.headquarters, agent.credits, agent.starting_faction) == (
        "FLWI_TEST", "X1-AD75-A1", 175000, "LORDS"
    )
    ships = {s.symbol: s for s in map(Ship.from_json, snapshot["ships"])}
    frigate = ships["FLWI_TEST-1"]
    assert (frigate.engine_speed, frigate.fuel.capacity, frigate.nav.flight_mode) == (36, 400, "BURN")
    route = frigate.nav.route
    assert (route.origin_symbol, route.destination_symbol) == ("X1-AD75-J57", "X1-AD75-J58")
    assert route.arrival - route.departure_time == (
        datetime(2025, 4, 9, 17, 25, 34, 980000, tzinfo=UTC)
        - datetime(2025, 4, 9, 17, 24, 38, 980000, tzinfo=UTC)
    )


def test_every_waypoint_market_shipyard_and_system_parses(snapshot):
    waypoints = [Waypoint.from_json(w) for w in snapshot["waypoints"]]
    markets = [Market.from_json(m) for m in snapshot["marketplaces"]]
    shipyards = [Shipyard.from_json(s) for s in snapshot["shipyards"]]
    system = System.from_json(snapshot["systems"][0])
    assert len(waypoints) == system.waypoint_count == 82
    assert {w.symbol for w in waypoints if w.has_marketplace} == {m.symbol for m in markets}
    assert {w.symbol for w in waypoints if w.has_shipyard} == {s.symbol for s in shipyards}
    assert all(m.trade_goods and "FUEL" in {g.symbol for g in m.trade_goods} for m in markets)
    a1 = next(m for m in markets if m.symbol == "X1-AD75-A1")
    food = next(g for g in a1.trade_goods if g.symbol == "FOOD")
    assert (food.type, food.supply, food.activity, food.trade_volume, food.purchase_price, food.sell_price) == (
        "IMPORT", "MODERATE", "WEAK", 60, 4152, 1953
    )
    assert all(s.ships and all(l.purchase_price >= 0 for l in s.ships) for s in shipyards)
    moons = [w for w in waypoints if w.orbits]
    assert moons and all(w.symbol in next(x for x in waypoints if x.symbol == w.orbits).orbitals for w in moons)
