"""`scout plan --max-age`: how many ships keep every market of a system fresh enough.

Reads the system's marketplaces (waypoint cache) and either the player's ships (`--ships`,
taken in the order given) or N standard probes (engine speed 9, no tank) at the agent's
headquarters. Writes nothing but the waypoint cache.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from spacetraders.api.client import SpaceTradersClient
from spacetraders.application.scouting import fetch_ship, fuel_sellers, show_value, split_list
from spacetraders.application.universe import MARKETPLACE, parse_ship_symbol, parse_system_symbol, system_waypoints
from spacetraders.domain import durations
from spacetraders.domain.navigation import Point, distance, system_of
from spacetraders.domain.planning import MarketSite, ShipSpec
from spacetraders.domain.sizing import Sizing, fewest_ships
from spacetraders.errors import ConfigError, NotFound

PROBE_SPEED = 9  # SHIP_PROBE's engine (ECONOMY.md §14.3); probes have no fuel tank
MAX_PROBES = 500
MAX_AGE_S = 30 * 86400


def parse_duration(text: str, option: str = "--max-age") -> int:
    """'90', '90s', '10m', '1h30m', '2d' -> whole seconds, between 1 s and 30 days."""
    try:
        return int(durations.parse_duration(text, option=option, maximum=MAX_AGE_S).total_seconds())
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


@dataclass(frozen=True)
class SizingRequest:
    system: str
    max_age_seconds: int
    ships: tuple[str, ...] | None = None  # None: probes
    probes: int | None = None  # None with no ships: one probe per stop at most

    def __post_init__(self) -> None:
        if self.ships is not None and self.probes is not None:
            raise ConfigError("give --ships or --probes, not both")
        if self.probes is not None and (
            isinstance(self.probes, bool) or not isinstance(self.probes, int) or not 1 <= self.probes <= MAX_PROBES
        ):
            raise ConfigError(f"--probes must be between 1 and {MAX_PROBES}, not {show_value(self.probes)}")
        if not isinstance(self.max_age_seconds, int) or not 1 <= self.max_age_seconds <= MAX_AGE_S:
            raise ConfigError(f"--max-age must be between 1 s and {MAX_AGE_S // 86400} days")

    @classmethod
    def parse(cls, *, system: str, max_age: str, ships: str | None = None, probes: int | None = None) -> SizingRequest:
        ship_list = [parse_ship_symbol(s) for s in split_list(ships)] if ships is not None else None
        if ship_list is not None and not ship_list:
            raise ConfigError("--ships is empty: name at least one ship or leave it out")
        if ship_list is not None and len(set(ship_list)) != len(ship_list):
            raise ConfigError("a ship is given twice in --ships")
        return cls(parse_system_symbol(system), parse_duration(max_age),
                   tuple(ship_list) if ship_list is not None else None, probes)


@dataclass(frozen=True)
class SizingResult:
    system: str
    markets: tuple[str, ...]
    fleet: str  # "ships" or "probes at <waypoint>"
    ships_given: int
    sizing: Sizing

    def as_dict(self) -> dict[str, Any]:
        s, plan = self.sizing, self.sizing.plan
        return {
            "system": self.system,
            "markets": list(self.markets),
            "fleet": self.fleet,
            "ships_given": self.ships_given,
            "max_age_seconds": s.max_age_seconds,
            "reached": s.reached,
            "ships_needed": s.ships_needed,
            "best_age_seconds": s.best_age_seconds,
            "period_seconds": plan.period_seconds,
            "first_pass_seconds": plan.makespan_seconds,
            "makespan_seconds": plan.makespan_seconds,
            "tours": [
                {"ship_symbol": t.ship_symbol, "markets": list(t.markets), "cycle_seconds": t.cycle_seconds,
                 "approach_seconds": t.approach_seconds, "period_seconds": t.cycle_seconds,
                 "first_pass_seconds": t.seconds}
                for t in plan.tours
            ],
            "tried": [{"ships": k, "period_seconds": p} for k, p in s.tried],
        }


async def size_scouting(db: Any, api: SpaceTradersClient, request: SizingRequest, *, now: Any) -> SizingResult:
    cached = await system_waypoints(db, api, request.system, now=now)
    coords = {w.symbol: Point(w.x, w.y) for w in cached.waypoints}
    markets = [w.symbol for w in cached.waypoints if MARKETPLACE in w.traits]
    if not markets:
        raise NotFound(f"system {request.system} has no marketplace")
    if request.ships is not None:
        fetched = [await fetch_ship(api, symbol) for symbol in request.ships]
        for ship in fetched:
            if ship.nav.system_symbol != request.system:
                raise ConfigError(f"ship {ship.symbol} is in system {ship.nav.system_symbol}, not {request.system}")
        sells = await fuel_sellers(db, api, markets, fetched)
        ships = [ShipSpec(s.symbol, coords[s.nav.waypoint_symbol], s.engine_speed, s.fuel.capacity, s.fuel.current)
                 for s in fetched]
        fleet = "ships"
    else:
        home = await _headquarters(api, request.system, coords, markets)
        count = request.probes if request.probes is not None else len({coords[m] for m in markets})
        ships = [ShipSpec(f"PROBE-{i + 1}", coords[home], PROBE_SPEED, 0, 0) for i in range(count)]
        sells = {m: True for m in markets}
        fleet = f"probes at {home}"
    sites = [MarketSite(m, coords[m], sells.get(m, False)) for m in markets]
    try:
        sizing = await asyncio.to_thread(fewest_ships, ships, sites, request.max_age_seconds)
    except ValueError as exc:
        raise ConfigError(f"cannot plan the tours: {exc}") from None
    return SizingResult(request.system, tuple(markets), fleet, len(ships), sizing)


async def _headquarters(api: SpaceTradersClient, system: str, coords: dict[str, Point], markets: list[str]) -> str:
    """The agent's headquarters when it is in this system, else the market nearest the star."""
    agent = await api.get_agent()
    if system_of(agent.headquarters) == system and agent.headquarters in coords:
        return agent.headquarters
    return min(markets, key=lambda m: (distance(coords[m], (0, 0)), m))
