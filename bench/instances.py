"""Planner benchmark instances: recorded systems (read from ../shared, never copied), the
simulator's generated systems, and synthetic systems generated like real ones (to reach
90 markets), each with a fleet all at the headquarters or spread over the markets.

Real 2025-era systems (NOTES.md §6) hold 25-30 markets on ~16 coordinates within ~720 of
the star: planets carry moons and orbital stations at their own x,y; fuel stations,
asteroid bases and the jump gate stand alone. Synthetic systems follow that shape with
more distinct coordinates, so instances reach 80 markets.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from spacetraders.domain.navigation import Point
from spacetraders.domain.planning import MarketSite, ShipSpec

SYSTEMS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "spacetraders-data" / "systems"
RECORDED = {
    "X1-PZ28": "X1-PZ28.waypoints.json",
    "X1-AD75": "X1-AD75.universe-snapshot.json",
    "X1-VB74": "X1-VB74.waypoints-compact.json",
}
# (engine speed, fuel capacity) of the ship types NOTES.md §4 lists.
PROBE = (9, 0)
FRIGATE = (36, 400)
HAULER = (15, 600)
EXPLORER = (36, 800)


@dataclass(frozen=True)
class Instance:
    name: str
    markets: tuple[MarketSite, ...]
    ships: tuple[ShipSpec, ...]


def _trait_symbols(waypoint: dict) -> set[str]:
    return {t if isinstance(t, str) else t["symbol"] for t in waypoint.get("traits", [])}


def load_recorded_markets(system: str) -> list[MarketSite] | None:
    """The markets of a recorded system, or None when ../shared is absent."""
    path = SYSTEMS_DIR / RECORDED[system]
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    waypoints = data["waypoints"] if isinstance(data, dict) else data
    return [
        MarketSite(w["symbol"], Point(w["x"], w["y"]), bool(w.get("has_fuel", True)))
        for w in waypoints
        if "MARKETPLACE" in _trait_symbols(w)
    ]


def synthetic_markets(name: str, n_markets: int, n_coords: int, rng: random.Random, fuel_share: float = 1.0) -> list[MarketSite]:
    """n_markets on n_coords coordinates; the extra markets orbit the first coordinates."""
    coords: list[Point] = []
    while len(coords) < n_coords:
        r = 720 * rng.random() ** 0.6
        a = rng.uniform(0, 2 * math.pi)
        p = Point(round(r * math.cos(a)), round(r * math.sin(a)))
        if p not in coords:
            coords.append(p)
    planets = coords[: max(1, n_coords // 3)]
    positions = coords + [rng.choice(planets) for _ in range(n_markets - n_coords)]
    return [
        MarketSite(f"{name}-M{i:02d}", pos, i == 0 or rng.random() < fuel_share)
        for i, pos in enumerate(positions)
    ]


def fleet(kinds: list[tuple[int, int]], markets: list[MarketSite], rng: random.Random, spread: bool) -> tuple[ShipSpec, ...]:
    """Ships at the headquarters market (first fuel market), or at random markets if `spread`."""
    home = next(m for m in markets if m.sells_fuel).position
    ships = []
    for i, (speed, capacity) in enumerate(kinds):
        position = rng.choice(markets).position if spread else home
        ships.append(ShipSpec(f"SHIP-{i + 1}", position, speed, capacity, capacity // 2))
    return tuple(ships)


def simulator_markets(seed: int) -> list[tuple[str, list[MarketSite], Point]]:
    """(system, markets, headquarters) of each system the simulator generates for a seed."""
    from spacetraders.sim.generator import generate_universe

    universe = generate_universe(seed)
    found = []
    for symbol, system in universe.systems.items():
        markets = [MarketSite(w.symbol, w.point, w.market.sells_fuel) for w in system.waypoints if w.market]
        home = universe.waypoints[universe.headquarters].point if universe.headquarters.startswith(symbol + "-") else None
        found.append((symbol, markets, home or next(m for m in markets if m.sells_fuel).position))
    return found


def _name(system: str, kinds: list[tuple[int, int]], spread: bool) -> str:
    return f"{system} {len(kinds)}sh {'spread' if spread else 'HQ'}"


def default_instances(seed: int = 7) -> list[Instance]:
    rng = random.Random(seed)
    instances: list[Instance] = []
    recorded_plans = [
        ("X1-AD75", [PROBE], False),
        ("X1-PZ28", [PROBE] * 3, False),
        ("X1-PZ28", [PROBE] * 5, False),
        ("X1-VB74", [PROBE] * 5, False),
        ("X1-VB74", [PROBE, PROBE, FRIGATE, HAULER, PROBE], True),
        ("X1-AD75", [PROBE] * 5, False),
        ("X1-AD75", [FRIGATE, PROBE, PROBE, PROBE, PROBE, PROBE, PROBE, PROBE], True),
    ]
    for system, kinds, spread in recorded_plans:
        markets = load_recorded_markets(system)
        if markets is not None:
            instances.append(Instance(_name(system, kinds, spread), tuple(markets), fleet(kinds, markets, rng, spread)))
    sim_plans = [([PROBE] * 2, False), ([PROBE] * 4, True), ([PROBE] * 6, False)]
    for (system, markets, home), (kinds, spread) in zip(simulator_markets(seed), sim_plans):
        ships = fleet(kinds, markets, rng, spread)
        if not spread:
            ships = tuple(ShipSpec(s.symbol, home, s.speed, s.fuel_capacity, s.fuel) for s in ships)
        instances.append(Instance(_name(f"sim {system}", kinds, spread), tuple(markets), ships))
    synthetic = [
        (10, 8, [PROBE, PROBE], False, 1.0),
        (20, 14, [PROBE, FRIGATE, PROBE, PROBE], True, 1.0),
        (40, 30, [HAULER, PROBE, EXPLORER], True, 1.0),
        (40, 32, [PROBE] * 6, False, 1.0),
        (50, 40, [HAULER], False, 1.0),
        (60, 45, [PROBE] * 5 + [FRIGATE, HAULER, PROBE], True, 1.0),
        (80, 60, [PROBE] * 10, False, 1.0),
        (80, 64, [PROBE, PROBE, FRIGATE, HAULER, EXPLORER, PROBE, PROBE, PROBE, HAULER, PROBE], True, 0.8),
        (90, 70, [PROBE] * 10, False, 1.0),
        (90, 66, [PROBE] * 7, True, 1.0),
    ]
    for k, (n_markets, n_coords, kinds, spread, fuel_share) in enumerate(synthetic):
        name = f"X1-SYN{k}"
        markets = synthetic_markets(name, n_markets, n_coords, rng, fuel_share)
        instances.append(Instance(_name(name, kinds, spread), tuple(markets), fleet(kinds, markets, rng, spread)))
    return instances
