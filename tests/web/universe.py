"""A deterministic synthetic system shaped like the recorded ones (NOTES.md §6).

About 80 waypoints within radius ~790 of the star: planets with moons and orbital stations
sharing their coordinates, fuel stations, asteroid bases and a field of plain asteroids;
about 25 markets on about 16 distinct points. Used by the web tests, the screenshot and
bench/tours_latency.py (never the recorded data itself, whose licence forbids copying).
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import datetime

from spacetraders.persistence.models import SystemRow, WaypointRow

MARKETPLACE = "MARKETPLACE"


@dataclass(frozen=True)
class Waypoint:
    symbol: str
    type: str
    x: int
    y: int
    traits: tuple[str, ...]
    orbits: str | None = None

    @property
    def is_market(self) -> bool:
        return MARKETPLACE in self.traits


def synthetic_system(symbol: str = "X1-TS98", *, seed: int = 7, asteroids: int = 50) -> list[Waypoint]:
    rng = random.Random(seed)
    # Like the game: one letter per neighbourhood, numbers counting up across the system.
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    numbers = iter(range(1, 1000))
    points: list[Waypoint] = []
    letter = ""

    def place(radius_lo: float, radius_hi: float) -> tuple[int, int]:
        angle = rng.uniform(0, 2 * math.pi)
        radius = rng.uniform(radius_lo, radius_hi)
        return round(radius * math.cos(angle)), round(radius * math.sin(angle))

    def add(kind: str, xy: tuple[int, int], market: bool, orbits: str | None = None) -> str:
        nonlocal letter
        if orbits is None and kind != "ASTEROID" or kind == "ASTEROID" and next(numbers_in_field) == 0:
            letter = next(letters)
        name = f"{symbol}-{letter}{next(numbers)}"
        traits = ((MARKETPLACE,) if market else ()) + (rng.choice(("BARREN", "ROCKY", "TEMPERATE", "VOLCANIC")),)
        points.append(Waypoint(name, kind, xy[0], xy[1], traits, orbits))
        return name

    numbers_in_field = iter(i % 10 for i in range(10_000))  # asteroid fields of ten
    for index in range(7):  # planets with their orbitals at the same point
        xy = place(60, 520)
        parent = add("PLANET", xy, market=index < 5)
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(("MOON", "MOON", "ORBITAL_STATION"))
            add(kind, xy, market=kind == "ORBITAL_STATION" or rng.random() < 0.6, orbits=parent)
    gas = place(300, 600)
    giant = add("GAS_GIANT", gas, market=True)
    add("ORBITAL_STATION", gas, market=True, orbits=giant)
    add("JUMP_GATE", place(400, 700), market=True)
    for _ in range(4):
        add("FUEL_STATION", place(200, 720), market=True)
    for _ in range(2):
        add("ASTEROID_BASE", place(500, 720), market=True)
    add("ENGINEERED_ASTEROID", place(100, 300), market=True)
    for _ in range(asteroids):
        add("ASTEROID", place(550, 790), market=False)
    return points


def insert_system(session, symbol: str, waypoints: list[Waypoint], *, now: datetime) -> None:  # type: ignore[no-untyped-def]
    session.add(SystemRow(system_symbol=symbol, sector_symbol="X1", type="ORANGE_STAR", x=0, y=0,
                          waypoints_synced_at=now))
    session.add_all(
        WaypointRow(waypoint_symbol=w.symbol, system_symbol=symbol, type=w.type, x=w.x, y=w.y,
                    traits=json.dumps(list(w.traits)), orbits=w.orbits, synced_at=now)
        for w in waypoints
    )
    session.flush()


def greedy_loop(markets: list[Waypoint], start: int = 0) -> list[Waypoint]:
    """A plausible visiting order (nearest neighbour), like a planner would produce."""
    left = markets[:]
    route = [left.pop(start % len(left))]
    while left:
        here = route[-1]
        nearest = min(left, key=lambda w: math.hypot(w.x - here.x, w.y - here.y))
        left.remove(nearest)
        route.append(nearest)
    return route
