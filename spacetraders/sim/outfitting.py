"""Mounts and modules (list, install, remove), repair and scrap (ECONOMY.md §14.1).

All need the ship docked at a shipyard. Installing takes the part from the cargo hold,
removing puts it there; each costs the yard's modification fee. Ships never wear in the
simulator, so a repair costs nothing and changes nothing; scrapping pays half the ship's
value (its template's shipyard base price, at least SCRAP_FLOOR).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spacetraders.sim.actions import add_cargo, object_body, ready_ship, symbol_field
from spacetraders.sim.errors import SimError
from spacetraders.sim.outfit import ALL_MODULES, ALL_MOUNTS
from spacetraders.sim.ship_templates import FRAMES
from spacetraders.sim.ships import DOCKED, Ship
from spacetraders.sim.simulator import SHIPYARD_MODIFICATIONS_FEE
from spacetraders.sim.timefmt import iso

if TYPE_CHECKING:
    from spacetraders.sim.agents import Agent
    from spacetraders.sim.simulator import Simulator

MODIFICATION_FEE = SHIPYARD_MODIFICATIONS_FEE  # what the shipyard shows as modificationsFee
SCRAP_SHARE, SCRAP_FLOOR = 0.5, 20_000


def _at_yard(sim: Simulator, agent: Agent, ship_symbol: str) -> Ship:
    ship = ready_ship(sim, agent, ship_symbol, DOCKED)
    if ship.location.shipyard is None:
        raise SimError(400, 4246, f"Waypoint {ship.location.symbol} has no shipyard to work on ships.",
                       {"shipSymbol": ship.symbol, "waypointSymbol": ship.location.symbol})
    return ship


def mounts(sim: Simulator, agent: Agent, ship_symbol: str) -> list[dict[str, Any]]:
    return [ALL_MOUNTS[m] for m in sim.ship(agent, ship_symbol).mounts if m in ALL_MOUNTS]


def modules(sim: Simulator, agent: Agent, ship_symbol: str) -> list[dict[str, Any]]:
    return [ALL_MODULES[m] for m in sim.ship(agent, ship_symbol).modules if m in ALL_MODULES]


def _transaction(ship: Ship, part: str, price: int, sim: Simulator) -> dict[str, Any]:
    return {"waypointSymbol": ship.location.symbol, "shipSymbol": ship.symbol, "tradeSymbol": part,
            "totalPrice": price, "timestamp": iso(sim.now())}


def change(sim: Simulator, agent: Agent, ship_symbol: str, body: Any, *, kind: str, install: bool) -> dict[str, Any]:
    """Install or remove a mount (`kind` "mounts") or module ("modules")."""
    part = symbol_field(object_body(body), "symbol")
    catalogue = ALL_MOUNTS if kind == "mounts" else ALL_MODULES
    ship = _at_yard(sim, agent, ship_symbol)
    fitted = ship.mounts if kind == "mounts" else ship.modules
    if part not in catalogue:
        raise SimError(400, 4247, f"{part} is not a ship {kind[:-1]} the simulator knows.", {"symbol": part})
    if agent.credits < MODIFICATION_FEE:
        raise SimError(400, 4248, f"Agent has insufficient funds: the modification costs {MODIFICATION_FEE}.",
                       {"creditsAvailable": agent.credits, "creditsNeeded": MODIFICATION_FEE})
    if install:
        if ship.cargo.get(part, 0) < 1:
            raise SimError(400, 4218, f"Ship {ship.symbol} carries no {part} to install.",
                           {"shipSymbol": ship.symbol, "symbol": part})
        frame = FRAMES[ship.template.frame]
        if kind == "mounts":
            used, room = len(fitted) + 1, int(frame["mountingPoints"])
        else:
            size = lambda m: int(ALL_MODULES[m]["requirements"].get("slots", 1))  # noqa: E731
            used, room = sum(size(m) for m in fitted) + size(part), int(frame["moduleSlots"])
        if used > room:
            raise SimError(400, 4250, f"Ship {ship.symbol} has no free {kind[:-1]} slot for {part}.",
                           {"shipSymbol": ship.symbol, "used": used - 1, "available": room})
        ship.cargo[part] -= 1
        if not ship.cargo[part]:
            del ship.cargo[part]
        fitted.append(part)
    else:
        if part not in fitted:
            raise SimError(400, 4247, f"Ship {ship.symbol} has no {part} installed.",
                           {"shipSymbol": ship.symbol, "symbol": part})
        fitted.remove(part)
        try:
            add_cargo(ship, part, 1)
        except SimError:
            fitted.append(part)
            raise
    agent.spend(MODIFICATION_FEE, f"a {kind[:-1]} change")
    return {
        "agent": agent.api(),
        kind: [catalogue[m] for m in fitted if m in catalogue],
        "cargo": ship.cargo_api(),
        "transaction": _transaction(ship, part, MODIFICATION_FEE, sim),
    }


def _scrap_value(ship: Ship) -> int:
    return round(max(ship.template.base_price, SCRAP_FLOOR) * SCRAP_SHARE)


def repair(sim: Simulator, agent: Agent, ship_symbol: str, *, quote: bool) -> dict[str, Any]:
    ship = _at_yard(sim, agent, ship_symbol)
    transaction = _transaction(ship, "", 0, sim)
    del transaction["tradeSymbol"]
    if quote:
        return {"transaction": transaction}
    return {"agent": agent.api(), "ship": ship.api(), "transaction": transaction}


def scrap(sim: Simulator, agent: Agent, ship_symbol: str, *, quote: bool) -> dict[str, Any]:
    ship = _at_yard(sim, agent, ship_symbol)
    transaction = _transaction(ship, "", _scrap_value(ship), sim)
    del transaction["tradeSymbol"]
    if quote:
        return {"transaction": transaction}
    agent.credits += transaction["totalPrice"]
    sim.remove_ship(agent, ship)
    return {"agent": agent.api(), "transaction": transaction}
