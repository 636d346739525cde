"""Public directories and scans: factions, agents, the supply chain, system/waypoint/ship scans.

Every faction of the spec exists; their headquarters is the universe's starting waypoint
(the simulator has one home). Scans need a sensor array, cost a 60 s cooldown (ECONOMY.md
§16 default) and see every system (sorted by distance), the waypoints of the ship's
system, and the other ships in it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spacetraders.sim import catalogue
from spacetraders.sim.actions import ready_ship, start_cooldown
from spacetraders.sim.errors import SimError, not_found
from spacetraders.sim.supply_chain import EXPORT_INPUTS
from spacetraders.sim.travel import galaxy_distance

if TYPE_CHECKING:
    from spacetraders.sim.agents import Agent
    from spacetraders.sim.simulator import Simulator

SCAN_COOLDOWN_S = 60


def _page(items: list[dict[str, Any]], page: int, limit: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    start = (page - 1) * limit
    return items[start : start + limit], {"total": len(items), "page": page, "limit": limit}


def factions(sim: Simulator, page: int, limit: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    return _page([catalogue.faction(f, sim.universe.headquarters) for f in catalogue.FACTIONS], page, limit)


def faction(sim: Simulator, symbol: str) -> dict[str, Any]:
    if symbol.upper() not in catalogue.FACTIONS:
        raise not_found("Faction", symbol)
    return catalogue.faction(symbol.upper(), sim.universe.headquarters)


def agents(sim: Simulator, page: int, limit: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    everyone = list(sim.agents.values())
    start = (page - 1) * limit
    return [a.public_api() for a in everyone[start : start + limit]], {"total": len(everyone), "page": page, "limit": limit}


def agent(sim: Simulator, symbol: str) -> dict[str, Any]:
    found = sim.agents.get(symbol.upper())
    if found is None:
        raise not_found("Agent", symbol)
    return found.public_api()


def supply_chain() -> dict[str, Any]:
    return {"exportToImportMap": {k: list(v) for k, v in EXPORT_INPUTS.items()}}


def scan(sim: Simulator, agent: Agent, ship_symbol: str, what: str) -> dict[str, Any]:
    """POST .../scan/{systems|waypoints|ships}."""
    ship = ready_ship(sim, agent, ship_symbol, cooldown=True)
    if not any(m.startswith("MOUNT_SENSOR_ARRAY") for m in ship.mounts):
        raise SimError(400, 4215, f"Ship {ship.symbol} has no sensor array.", {"shipSymbol": ship.symbol})
    here = sim.universe.systems[ship.location.system_symbol]
    if what == "systems":
        found: list[dict[str, Any]] = [
            {"symbol": s.symbol, "sectorSymbol": s.sector_symbol, "type": s.type, "x": s.x, "y": s.y,
             "distance": round(galaxy_distance(here, s))}
            for s in sorted(sim.universe.systems.values(), key=lambda s: galaxy_distance(here, s))
        ]
    elif what == "waypoints":
        keys = ("symbol", "type", "systemSymbol", "x", "y", "orbitals", "faction", "traits", "chart")
        found = [{k: w.api[k] for k in keys if k in w.api} for w in here.waypoints]
    else:
        now = sim.now()
        found = []
        for other in sim.ships_in_system(here.symbol):
            if other is ship:
                continue
            other.settle(now)
            full = other.api()
            found.append({
                "symbol": other.symbol, "registration": full["registration"], "nav": full["nav"],
                "frame": {"symbol": full["frame"]["symbol"]}, "reactor": {"symbol": full["reactor"]["symbol"]},
                "engine": {"symbol": full["engine"]["symbol"]}, "mounts": [{"symbol": m} for m in other.mounts],
            })
    return {"cooldown": start_cooldown(sim, ship, SCAN_COOLDOWN_S), what: found}
