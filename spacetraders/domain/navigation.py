"""The game's travel-time and fuel formulas (NOTES.md §4). Pure functions, no I/O.

Shared by the simulator (which must behave like the server) and the planner/tour
(which must predict it), so both always agree.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import NamedTuple


class FlightMode(StrEnum):
    CRUISE = "CRUISE"
    DRIFT = "DRIFT"
    BURN = "BURN"
    STEALTH = "STEALTH"


# Time multiplier per flight mode (community-derived, cross-checked on recorded data).
TIME_MULTIPLIER: dict[FlightMode, float] = {
    FlightMode.CRUISE: 25.0,
    FlightMode.DRIFT: 250.0,
    FlightMode.BURN: 12.5,
    FlightMode.STEALTH: 30.0,
}

# Fixed overhead of every hop, seconds (docking clamps, same-coordinate hops).
HOP_OVERHEAD_S = 15


class Point(NamedTuple):
    x: int
    y: int


def distance(a: Point | tuple[int, int], b: Point | tuple[int, int]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def travel_time(dist: float, speed: int, mode: FlightMode = FlightMode.CRUISE) -> int:
    """Seconds for one hop: floor(max(1, round(d)) * M / speed + 15).

    Server-observed samples (NOTES.md §4) agree with this within one second.
    """
    if speed <= 0:
        raise ValueError("engine speed must be positive")
    return math.floor(max(1, round(dist)) * TIME_MULTIPLIER[FlightMode(mode)] / speed + HOP_OVERHEAD_S)


def fuel_cost(dist: float, mode: FlightMode = FlightMode.CRUISE, fuel_capacity: int = 1) -> int:
    """Fuel units one hop consumes. Ships without a tank (probes) use none.

    A zero-distance hop costs 0 in CRUISE/STEALTH/BURN (the sources disagree on 0 vs 1;
    we pick 0 and the tour never depends on it) and 1 in DRIFT.
    """
    if fuel_capacity <= 0:
        return 0
    mode = FlightMode(mode)
    if mode is FlightMode.DRIFT:
        return 1
    base = round(dist)
    return 2 * base if mode is FlightMode.BURN else base


def fastest_mode(dist: float, fuel_available: int, fuel_capacity: int) -> FlightMode | None:
    """The quickest mode whose fuel the ship has now; None if not even DRIFT fits."""
    for mode in (FlightMode.BURN, FlightMode.CRUISE, FlightMode.DRIFT):
        if fuel_cost(dist, mode, fuel_capacity) <= fuel_available:
            return mode
    return None


def system_of(waypoint_symbol: str) -> str:
    """X1-TS98-A1 -> X1-TS98 (the system is everything before the last dash)."""
    system, sep, suffix = waypoint_symbol.rpartition("-")
    if not sep or not system or not suffix or "-" not in system:
        raise ValueError(f"not a waypoint symbol: {waypoint_symbol!r}")
    return system
