"""--universe FILE: recorded waypoints become the simulated systems."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from spacetraders.sim.config import SimConfig
from spacetraders.sim.simulator import Simulator
from spacetraders.sim.universe_file import load_universe
from tests.conftest import shared_path


def test_recorded_pz28_waypoints_load_as_one_system():
    path = shared_path("spacetraders-data", "systems", "X1-PZ28.waypoints.json")
    recorded = json.loads(path.read_text())
    universe = load_universe(path)
    assert list(universe.systems) == ["X1-PZ28"]
    system = universe.systems["X1-PZ28"]
    assert len(system.waypoints) == len(recorded) == 90
    assert [w.symbol for w in system.waypoints] == [w["symbol"] for w in recorded]
    markets = [w for w in system.waypoints if w.market]
    assert len(markets) == sum("MARKETPLACE" in {t["symbol"] for t in w["traits"]} for w in recorded) == 30
    assert sum(w.shipyard is not None for w in system.waypoints) == 3
    hq = universe.waypoints[universe.headquarters]
    assert hq.system_symbol == "X1-PZ28" and hq.market and hq.market.sells_fuel


def test_snapshot_waypoints_key_and_recorded_market_catalogues():
    path = shared_path("spacetraders-data", "systems", "X1-AD75.universe-snapshot.json")
    snapshot = json.loads(path.read_text())
    universe = load_universe(path)
    system = universe.systems["X1-AD75"]
    assert len(system.waypoints) == 82 and system.type == snapshot["systems"][0]["type"]
    recorded = {m["symbol"]: m for m in snapshot["marketplaces"]}
    for symbol, market in recorded.items():
        spec = universe.waypoints[symbol].market
        assert spec.exchange == tuple(g["symbol"] for g in market["exchange"])
        assert spec.imports == tuple(g["symbol"] for g in market["imports"])
    # recorded nulls never leak into API output
    assert all(None not in w.api.values() for w in system.waypoints)
    assert Counter(w.type for w in system.waypoints)["ASTEROID"] == 54


def test_new_agents_start_in_the_first_system_of_the_file():
    path = shared_path("spacetraders-data", "systems", "X1-PZ28.waypoints.json")
    sim = Simulator(SimConfig(universe_file=path))
    data = sim.register("Bearer account", {"symbol": "FILEBOT", "faction": "COSMIC"})
    assert all(s["nav"]["systemSymbol"] == "X1-PZ28" for s in data["ships"])


def test_bad_universe_files_are_clear_errors(tmp_path: Path):
    missing = tmp_path / "missing.json"
    with pytest.raises(ValueError, match="cannot read"):
        load_universe(missing)
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    with pytest.raises(ValueError, match="non-empty list"):
        load_universe(empty)
    broken = tmp_path / "broken.json"
    broken.write_text('[{"symbol": "X1-A-B1"}]')
    with pytest.raises(ValueError, match="malformed waypoint"):
        load_universe(broken)


def test_recorded_gate_keeps_its_construction_state_and_links_nowhere_outside_the_file():
    path = shared_path("spacetraders-data", "systems", "X1-AD75.universe-snapshot.json")
    sim = Simulator(SimConfig(universe_file=path))
    gate = next(w for w in sim.universe.waypoints.values() if w.type == "JUMP_GATE")
    assert sim.universe.gates == {gate.symbol: ()}  # its recorded links lead to systems the file lacks
    site = sim.world.constructions[gate.symbol]
    assert site.is_complete is not gate.is_under_construction
    recorded = json.loads(path.read_text())["construction_sites"][0]
    assert recorded["symbol"] == gate.symbol
    assert site.api()["materials"] == [
        {"tradeSymbol": m["tradeSymbol"], "required": m["required"], "fulfilled": m["fulfilled"]}
        for m in recorded["materials"]
    ]
