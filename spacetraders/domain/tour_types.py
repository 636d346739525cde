"""Value types of scout-tour planning (inputs: ships and markets; output: a plan)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from spacetraders.domain.navigation import FlightMode, Point


class Objective(StrEnum):
    """What the plan minimises first.

    PERIOD: the longest loop (how stale a market can get once tours run), then the longest
    first pass (approach + loop), then the sum of first passes.
    FIRST_PASS: the longest first pass, then the sum (for scouting a system once).
    """

    PERIOD = "period"
    FIRST_PASS = "first-pass"


@dataclass(frozen=True)
class ShipSpec:
    """What the planner needs to know about one ship. `fuel_capacity` 0 = a probe (no tank)."""

    symbol: str
    position: Point
    speed: int
    fuel_capacity: int
    fuel: int


@dataclass(frozen=True)
class MarketSite:
    symbol: str
    position: Point
    sells_fuel: bool = True


@dataclass(frozen=True)
class Leg:
    origin: str
    destination: str
    distance: float
    mode: FlightMode
    seconds: int
    fuel: int


@dataclass(frozen=True)
class Tour:
    """One ship's closed loop. `markets` starts with the market the ship goes to first;
    `legs` is the loop markets[0] -> markets[1] -> ... -> markets[0] (no legs for a single
    market: the ship just stays there). `approach_seconds` is the flight from the ship's
    current position to markets[0]."""

    ship_symbol: str
    markets: tuple[str, ...]
    legs: tuple[Leg, ...]
    cycle_seconds: int
    approach_seconds: int
    total_distance: float

    @property
    def seconds(self) -> int:
        """The first pass of this tour: approach plus one full loop (0 for an idle ship)."""
        return self.approach_seconds + self.cycle_seconds if self.markets else 0

    @property
    def first_pass_seconds(self) -> int:
        return self.seconds


@dataclass(frozen=True)
class Plan:
    """`makespan_seconds`: when the first pass of every tour is complete (the longest
    approach + loop). `period_seconds`: the longest loop, i.e. once the tours run every
    market is read again at least this often (flight time; reads and waits add to it)."""

    tours: tuple[Tour, ...]
    makespan_seconds: int
    objective: Objective = Objective.PERIOD

    @property
    def period_seconds(self) -> int:
        return max((t.cycle_seconds for t in self.tours if t.markets), default=0)

    @property
    def first_pass_seconds(self) -> int:
        return self.makespan_seconds

    def key(self) -> tuple[int, int, int]:
        """The objective as a comparable tuple (smaller is better)."""
        total = sum(t.seconds for t in self.tours)
        if self.objective is Objective.FIRST_PASS:
            return self.makespan_seconds, self.makespan_seconds, total
        return self.period_seconds, self.makespan_seconds, total

    def tour_of(self, ship_symbol: str) -> Tour:
        for tour in self.tours:
            if tour.ship_symbol == ship_symbol:
                return tour
        raise KeyError(ship_symbol)
