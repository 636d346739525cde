"""Value types of scout-tour planning (inputs: ships and markets; output: a plan)."""

from __future__ import annotations

from dataclasses import dataclass

from spacetraders.domain.navigation import FlightMode, Point


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
        """The planning objective of this tour: approach plus one full loop."""
        return self.approach_seconds + self.cycle_seconds if self.markets else 0


@dataclass(frozen=True)
class Plan:
    tours: tuple[Tour, ...]
    makespan_seconds: int

    def tour_of(self, ship_symbol: str) -> Tour:
        for tour in self.tours:
            if tour.ship_symbol == ship_symbol:
                return tour
        raise KeyError(ship_symbol)
