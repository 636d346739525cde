"""Deterministic universe from a seed, shaped like the recorded 2025-era systems
(NOTES.md §6): 7 planets with moons and orbital stations on their parent's x,y, a gas
giant, 4 fuel stations, 2 asteroid bases, an engineered asteroid, a jump gate, 50+ plain
asteroids; 25-30 markets on 16 distinct coordinates; 3 shipyards; radius <= 790.
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass, field

from spacetraders.sim import catalogue as cat
from spacetraders.sim.catalogue import trait
from spacetraders.sim.gates import connect, place_systems
from spacetraders.sim.ship_templates import SHIPYARD_STOCK
from spacetraders.sim.trade_layout import add_local_sources, market_for
from spacetraders.sim.universe import System, Universe, Waypoint

SYSTEM_TYPES = ("ORANGE_STAR", "RED_STAR", "BLUE_STAR", "YOUNG_STAR", "WHITE_DWARF", "NEUTRON_STAR", "HYPERGIANT")
MAX_RADIUS = 790
MARKET_RADIUS = 720
MIN_SEPARATION = 40  # between distinct market coordinates
HOME_YARD = ("SHIP_PROBE", "SHIP_LIGHT_SHUTTLE", "SHIP_LIGHT_HAULER")


def generate_universe(seed: int, systems: int = 3, faction: str = "COSMIC") -> Universe:
    rng = random.Random(f"universe:{seed}")
    symbols: list[str] = []
    while len(symbols) < systems:
        symbol = f"X1-{''.join(rng.choices(string.ascii_uppercase, k=2))}{rng.randint(1, 99)}"
        if symbol not in symbols:
            symbols.append(symbol)
    built = {s: _SystemBuilder(rng, s, faction, is_home=(i == 0)).build() for i, s in enumerate(symbols)}
    ordered = list(built.values())
    place_systems(ordered, seed)
    for system in ordered[1:]:
        _hide_uncharted(system)
    return Universe(systems=built, headquarters=f"{symbols[0]}-A1", gates=connect(ordered, seed, home=symbols[0]))


def _hide_uncharted(system: System) -> None:
    """Plain asteroids of systems away from home are uncharted until a ship charts them."""
    for wp in system.waypoints:
        if wp.type == "ASTEROID":
            wp.hidden_traits, wp.traits, wp.chart = wp.traits, [trait("UNCHARTED")], None


@dataclass
class _SystemBuilder:
    rng: random.Random
    symbol: str
    faction: str
    is_home: bool
    waypoints: list[Waypoint] = field(default_factory=list)
    used_positions: list[tuple[int, int]] = field(default_factory=list)
    counter: int = 0
    group: int = 0

    def build(self) -> System:
        rng = self.rng
        planets = [self._hub("PLANET", 40 if i == 0 else 120, 600) for i in range(7)]
        gas_giant = self._hub("GAS_GIANT", 300, 650)
        self._add_orbitals(planets, gas_giant)
        fuel_stations = [self._hub("FUEL_STATION", 100, MARKET_RADIUS) for _ in range(4)]
        bases = [self._hub("ASTEROID_BASE", 250, MARKET_RADIUS) for _ in range(2)]
        self._hub("ENGINEERED_ASTEROID", 10, 80, suffix=f"X{rng.choice('ABCDEFGH')}{rng.randint(1, 9)}{rng.choice('ABCDEFGH')}")
        self._hub("JUMP_GATE", 250, MARKET_RADIUS)  # gates.connect marks the unfinished ones
        for centre in fuel_stations + bases:
            self._asteroids_near(centre, rng.randint(3, 6))
        missing = rng.randint(52, 58) - sum(w.type == "ASTEROID" for w in self.waypoints)
        while missing > 0:
            batch = min(missing, rng.randint(4, 8))
            self._asteroid_belt(batch)
            missing -= batch
        self._assign_markets()
        return System(
            symbol=self.symbol,
            type=rng.choice(SYSTEM_TYPES),
            x=rng.randint(-40000, 40000),
            y=rng.randint(-40000, 40000),
            waypoints=self.waypoints,
            name=f"Sim {self.symbol[3:]}",
            factions=[self.faction] if self.is_home else [],
        )

    # -- geometry -----------------------------------------------------------------------

    def _free_position(self, r_min: int, r_max: int) -> tuple[int, int]:
        for _ in range(1000):
            angle = self.rng.uniform(0, 2 * math.pi)
            radius = self.rng.uniform(r_min, r_max)
            x, y = round(radius * math.cos(angle)), round(radius * math.sin(angle))
            if all(math.hypot(x - px, y - py) >= MIN_SEPARATION for px, py in self.used_positions):
                self.used_positions.append((x, y))
                return x, y
        raise RuntimeError("could not place a waypoint")  # pragma: no cover - geometry has ample room

    def _next_symbol(self, new_group: bool) -> str:
        if new_group:
            self.group += 1
        self.counter += 1
        return f"{self.symbol}-{string.ascii_uppercase[(self.group - 1) % 26]}{self.counter}"

    def _add(self, type_: str, x: int, y: int, traits: list[str], *, new_group: bool = False,
             suffix: str | None = None, orbits: str | None = None, under_construction: bool = False) -> Waypoint:
        symbol = f"{self.symbol}-{suffix}" if suffix else self._next_symbol(new_group)
        civilised = type_ not in ("ASTEROID", "ASTEROID_FIELD")
        wp = Waypoint(
            symbol=symbol, type=type_, system_symbol=self.symbol, x=x, y=y,
            traits=[trait(t) for t in traits], orbits=orbits,
            faction=self.faction if civilised else None,
            chart={"waypointSymbol": symbol, "submittedBy": self.faction, "submittedOn": "2026-01-01T00:00:00.000Z"},
            is_under_construction=under_construction,
        )
        if under_construction:
            wp.traits.append(trait("UNDER_CONSTRUCTION"))
        self.waypoints.append(wp)
        return wp

    def _hub(self, type_: str, r_min: int, r_max: int, *, suffix: str | None = None,
             under_construction: bool = False) -> Waypoint:
        x, y = self._free_position(r_min, r_max)
        return self._add(type_, x, y, self._flavour(type_), new_group=suffix is None, suffix=suffix,
                         under_construction=under_construction)

    def _add_orbitals(self, planets: list[Waypoint], gas_giant: Waypoint) -> None:
        rng = self.rng
        parents = planets + [gas_giant]
        # Orbitals must follow their parent in naming (A1, A2, A3 ...), so rebuild in order.
        kinds: dict[int, list[str]] = {i: [] for i in range(len(parents))}
        for i in [0] + rng.sample(range(1, len(planets)), 2):
            kinds[i].append("ORBITAL_STATION")
        for _ in range(rng.randint(9, 12)):
            kinds[rng.randrange(len(parents))].append("MOON")
        ordered: list[Waypoint] = []
        for i, parent in enumerate(parents):
            ordered.append(parent)
            for kind in kinds[i]:
                self.counter += 1
                child = Waypoint(
                    symbol=f"{parent.symbol.rsplit('-', 1)[0]}-{parent.symbol.rsplit('-', 1)[1][0]}{self.counter}",
                    type=kind, system_symbol=self.symbol, x=parent.x, y=parent.y,
                    traits=[trait(t) for t in self._flavour(kind)], orbits=parent.symbol,
                    faction=self.faction,
                    chart=dict(parent.chart or {}),
                )
                if child.chart:
                    child.chart["waypointSymbol"] = child.symbol
                parent.orbitals.append(child.symbol)
                ordered.append(child)
        self.waypoints[:] = ordered

    def _asteroids_near(self, centre: Waypoint, count: int) -> None:
        for _ in range(count):
            x = centre.x + self.rng.randint(-45, 45)
            y = centre.y + self.rng.randint(-45, 45)
            x, y = _clamp(x, y, MAX_RADIUS)
            self._add("ASTEROID", x, y, self._flavour("ASTEROID"))

    def _asteroid_belt(self, count: int) -> None:
        angle = self.rng.uniform(0, 2 * math.pi)
        radius = self.rng.uniform(480, 760)
        for i in range(count):
            a = angle + self.rng.uniform(-0.15, 0.15)
            r = min(MAX_RADIUS, radius + self.rng.uniform(-25, 25))
            self._add("ASTEROID", round(r * math.cos(a)), round(r * math.sin(a)), self._flavour("ASTEROID"),
                      new_group=(i == 0))

    # -- traits and markets -------------------------------------------------------------

    def _flavour(self, type_: str) -> list[str]:
        rng = self.rng
        if type_ in ("PLANET", "MOON"):
            return rng.sample(cat.PLANET_FLAVOURS, rng.randint(2, 3)) + [rng.choice(cat.SETTLEMENT_TRAITS)]
        if type_ == "GAS_GIANT":
            return ["JOVIAN", "EXPLOSIVE_GASES"] + rng.sample(("STRONG_MAGNETOSPHERE", "VIBRANT_AURORAS"), 1)
        if type_ in ("ASTEROID", "ENGINEERED_ASTEROID", "ASTEROID_BASE"):
            base = ["OUTPOST"] if type_ == "ASTEROID_BASE" else []
            return base + [rng.choice(cat.ASTEROID_DEPOSITS), rng.choice(cat.ASTEROID_FLAVOURS)]
        if type_ == "ORBITAL_STATION":
            return [rng.choice(("MILITARY_BASE", "RESEARCH_FACILITY", "TRADING_HUB", "INDUSTRIAL"))]
        return []

    def _assign_markets(self) -> None:
        rng = self.rng
        hubs = [w for w in self.waypoints if w.type not in ("ASTEROID", "MOON", "ORBITAL_STATION")]
        orbitals = [w for w in self.waypoints if w.type in ("MOON", "ORBITAL_STATION")]
        target = rng.randint(25, 30)
        stations = [w for w in orbitals if w.type == "ORBITAL_STATION"]
        moons = [w for w in orbitals if w.type == "MOON"]
        extra = min(len(orbitals), target - len(hubs))
        chosen = stations[:extra] + rng.sample(moons, max(0, extra - len(stations)))
        markets = hubs + chosen
        hq = self.waypoints[0]
        fuel_less = set(rng.sample([m for m in chosen if m.type == "MOON"], 2)) if len(chosen) > 4 else set()
        for wp in markets:
            wp.market = market_for(rng, wp, headquarters=wp is hq, sells_fuel=wp not in fuel_less)
            wp.traits.append(trait("MARKETPLACE"))
        add_local_sources(rng, markets)
        yard_candidates = [w for w in markets if w is not hq and w.type in ("PLANET", "MOON", "ORBITAL_STATION")]
        for wp in [hq] + rng.sample(yard_candidates, 2):
            stock = set(rng.sample(SHIPYARD_STOCK, rng.randint(3, len(SHIPYARD_STOCK)))) | {"SHIP_PROBE"}
            if wp is hq:  # the home yard sells the trading hulls, as X1-AD75's (A2) does
                stock |= set(HOME_YARD)
            wp.shipyard = tuple(sorted(stock))
            wp.traits.append(trait("SHIPYARD"))


def _clamp(x: int, y: int, radius: int) -> tuple[int, int]:
    r = math.hypot(x, y)
    if r <= radius:
        return x, y
    return math.floor(x * radius / r), math.floor(y * radius / r)
