"""Shape of the generated universe against the recorded 2025-era systems (NOTES.md §6)."""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest

from spacetraders.sim.generator import generate_universe
from spacetraders.sim.universe import System


@pytest.fixture(scope="module", params=[1, 2, 77])
def universe(request: pytest.FixtureRequest):
    return generate_universe(request.param, systems=3)


def _systems(universe) -> list[System]:
    return list(universe.systems.values())


def test_counts_per_system_match_recorded_systems(universe):
    assert len(universe.systems) == 3
    for system in _systems(universe):
        types = Counter(w.type for w in system.waypoints)
        assert 60 <= len(system.waypoints) <= 90
        assert types["PLANET"] == 7
        assert types["ORBITAL_STATION"] == 3
        assert types["FUEL_STATION"] == 4
        assert types["ASTEROID_BASE"] == 2
        assert types["ENGINEERED_ASTEROID"] == 1
        assert types["GAS_GIANT"] == 1
        assert types["JUMP_GATE"] == 1
        assert types["ASTEROID"] >= 50
        markets = [w for w in system.waypoints if w.market]
        assert 25 <= len(markets) <= 30
        assert len({(w.x, w.y) for w in markets}) == 16
        assert sum(w.shipyard is not None for w in system.waypoints) == 3
        assert all("MARKETPLACE" in w.trait_symbols for w in markets)
        assert all(("SHIPYARD" in w.trait_symbols) == (w.shipyard is not None) for w in system.waypoints)


def test_geometry_radius_and_orbitals(universe):
    for system in _systems(universe):
        by_symbol = {w.symbol: w for w in system.waypoints}
        assert len(by_symbol) == len(system.waypoints), "waypoint symbols are unique"
        for w in system.waypoints:
            assert math.hypot(w.x, w.y) <= 790
            if w.market:
                assert math.hypot(w.x, w.y) <= 720
            if w.orbits:
                parent = by_symbol[w.orbits]
                assert (parent.x, parent.y) == (w.x, w.y)
                assert w.symbol in parent.orbitals
                assert w.type in ("MOON", "ORBITAL_STATION")
            for child in w.orbitals:
                assert by_symbol[child].orbits == w.symbol
        parents = {by_symbol[w.orbits].type for w in system.waypoints if w.orbits}
        assert parents <= {"PLANET", "GAS_GIANT"}


def test_asteroids_are_never_markets_and_most_markets_sell_fuel(universe):
    for system in _systems(universe):
        assert not any(w.market for w in system.waypoints if w.type == "ASTEROID")
        markets = [w for w in system.waypoints if w.market]
        fuel = [w for w in markets if w.market.sells_fuel]
        assert len(fuel) >= 0.8 * len(markets)
        assert len(fuel) < len(markets), "a few markets do not sell fuel"


def test_headquarters_is_a_planet_market_with_fuel_and_a_shipyard(universe):
    hq = universe.waypoints[universe.headquarters]
    assert hq.system_symbol == next(iter(universe.systems))
    assert hq.type == "PLANET" and hq.market.sells_fuel and hq.shipyard
    assert {"SHIP_PROBE", "SHIP_LIGHT_SHUTTLE", "SHIP_LIGHT_HAULER"} <= set(hq.shipyard)  # the trading hulls


def test_same_seed_same_universe_other_seed_other_universe():
    def dump(seed: int) -> str:
        u = generate_universe(seed, systems=2)
        return json.dumps([[w.api for w in s.waypoints] for s in u.systems.values()], sort_keys=True)

    assert dump(5) == dump(5)
    assert dump(5) != dump(6)


def test_system_api_lists_waypoints_without_traits(universe):
    system = _systems(universe)[0]
    body = system.api
    assert body["sectorSymbol"] == "X1" and len(body["waypoints"]) == len(system.waypoints)
    assert all("traits" not in w for w in body["waypoints"])
