"""The static universe: systems, waypoints and which of them host markets and shipyards.

Built once (by `generator` from a seed or `universe_file` from recorded JSON) and never
mutated; API shapes are rendered once and cached because they never change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from spacetraders.domain.navigation import Point


@dataclass(frozen=True)
class MarketSpec:
    """What a market trades (symbols only); prices come from `markets.quote`."""

    exports: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    exchange: tuple[str, ...] = ()

    @property
    def sells_fuel(self) -> bool:
        return "FUEL" in self.exports or "FUEL" in self.exchange

    @property
    def goods_symbols(self) -> frozenset[str]:
        return frozenset(self.exports + self.imports + self.exchange)

    def goods(self) -> list[tuple[str, str]]:
        """(symbol, MarketTradeGood.type) pairs in a stable order."""
        return (
            [(s, "EXPORT") for s in self.exports]
            + [(s, "IMPORT") for s in self.imports]
            + [(s, "EXCHANGE") for s in self.exchange]
        )


@dataclass(eq=False)
class Waypoint:
    symbol: str
    type: str
    system_symbol: str
    x: int
    y: int
    traits: list[dict[str, str]]
    orbits: str | None = None
    orbitals: list[str] = field(default_factory=list)
    faction: str | None = None
    chart: dict[str, str] | None = None
    is_under_construction: bool = False
    modifiers: list[dict[str, str]] = field(default_factory=list)
    market: MarketSpec | None = None
    shipyard: tuple[str, ...] | None = None  # ship types on sale
    hidden_traits: list[dict[str, str]] | None = None  # the real traits while only UNCHARTED shows

    def changed(self) -> None:
        """Forget the cached API shapes after a chart or a finished construction."""
        for cached in ("api", "trait_symbols"):
            self.__dict__.pop(cached, None)

    @property
    def point(self) -> Point:
        return Point(self.x, self.y)

    @cached_property
    def trait_symbols(self) -> frozenset[str]:
        return frozenset(t["symbol"] for t in self.traits)

    @cached_property
    def api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "symbol": self.symbol,
            "type": self.type,
            "systemSymbol": self.system_symbol,
            "x": self.x,
            "y": self.y,
            "orbitals": [{"symbol": s} for s in self.orbitals],
            "traits": self.traits,
            "modifiers": self.modifiers,
            "isUnderConstruction": self.is_under_construction,
        }
        if self.orbits:
            body["orbits"] = self.orbits
        if self.faction:
            body["faction"] = {"symbol": self.faction}
        if self.chart:
            body["chart"] = self.chart
        return body

    @cached_property
    def system_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "symbol": self.symbol,
            "type": self.type,
            "x": self.x,
            "y": self.y,
            "orbitals": [{"symbol": s} for s in self.orbitals],
        }
        if self.orbits:
            body["orbits"] = self.orbits
        return body

    @cached_property
    def route_api(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "type": self.type, "systemSymbol": self.system_symbol, "x": self.x, "y": self.y}


@dataclass(eq=False)
class System:
    symbol: str
    type: str
    x: int
    y: int
    waypoints: list[Waypoint]
    name: str | None = None
    factions: list[str] = field(default_factory=list)

    @property
    def sector_symbol(self) -> str:
        return self.symbol.split("-", 1)[0]

    @cached_property
    def api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "symbol": self.symbol,
            "sectorSymbol": self.sector_symbol,
            "type": self.type,
            "x": self.x,
            "y": self.y,
            "waypoints": [w.system_api for w in self.waypoints],
            "factions": [{"symbol": f} for f in self.factions],
        }
        if self.name:
            body["name"] = self.name
            body["constellation"] = self.name
        return body


@dataclass(eq=False)
class Universe:
    systems: dict[str, System]
    headquarters: str  # waypoint where new agents start
    # jump gate waypoint -> the gate waypoints it connects to (symmetric; see gates.py)
    gates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # recorded construction sites: waypoint -> ((good, required, fulfilled), ...)
    constructions: dict[str, tuple[tuple[str, int, int], ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.waypoints: dict[str, Waypoint] = {w.symbol: w for s in self.systems.values() for w in s.waypoints}
        if self.headquarters not in self.waypoints:
            raise ValueError(f"headquarters {self.headquarters} is not a waypoint of the universe")

    @property
    def waypoint_count(self) -> int:
        return len(self.waypoints)
