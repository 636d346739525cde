"""Travel between systems and the gates' construction sites (ECONOMY.md §15): jump-gate
and construction reads, construction supply, jump, warp, cooldown, chart.

Jump: instant, from a finished gate to a finished gate it connects to, fee = one ANTIMATTER
at the origin gate's ask (booked as a market purchase), cooldown round(15 + 0.3 d) game
seconds for the galaxy distance d. Warp: a warp-drive module, fuel like CRUISE navigation
over the galaxy distance, time 15 + d * M / speed with M = 50 CRUISE (ECONOMY.md §15.3).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from spacetraders.domain.navigation import FlightMode, fuel_cost
from spacetraders.sim.actions import (
    check_cooldown,
    object_body,
    ready_ship,
    start_cooldown,
    symbol_field,
    take_cargo,
    units_field,
)
from spacetraders.sim.errors import SimError, not_found
from spacetraders.sim.gates import ConstructionSite
from spacetraders.sim.ships import DOCKED, IN_ORBIT, IN_TRANSIT, Ship
from spacetraders.sim.timefmt import iso
from spacetraders.sim.universe import System, Waypoint

if TYPE_CHECKING:
    from spacetraders.sim.agents import Agent
    from spacetraders.sim.simulator import Simulator

JUMP_FEE_GOOD = "ANTIMATTER"
JUMP_FEE_FALLBACK = 5_050  # X1-AD75's gate ask at reset, when the gate sells no ANTIMATTER
WARP_MULTIPLIER = {FlightMode.CRUISE: 50, FlightMode.DRIFT: 300, FlightMode.BURN: 25, FlightMode.STEALTH: 60}


def galaxy_distance(a: System, b: System) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)


def jump_cooldown(distance: float) -> int:
    """Game seconds a jump blocks the ship (eseidel's fit to the live server, 2025-05)."""
    return round(15 + 0.3 * distance)


def jump_fee(sim: Simulator, gate: Waypoint) -> int:
    """What one jump from `gate` costs: the gate market's ANTIMATTER ask."""
    market = sim.markets.get(gate.symbol)
    price = market.purchase_price(JUMP_FEE_GOOD, sim.game_now()) if market is not None else None
    return price if price is not None else JUMP_FEE_FALLBACK


# -- reads ----------------------------------------------------------------------------------


def jump_gate(sim: Simulator, system_symbol: str, waypoint_symbol: str) -> dict[str, Any]:
    wp = sim.waypoint(system_symbol, waypoint_symbol)
    if wp.symbol not in sim.universe.gates:
        raise SimError(404, 404, f"Jump gate not found at {wp.symbol}.", {"waypointSymbol": wp.symbol})
    return {"symbol": wp.symbol, "connections": list(sim.universe.gates[wp.symbol])}


def _site(sim: Simulator, system_symbol: str, waypoint_symbol: str) -> ConstructionSite:
    wp = sim.waypoint(system_symbol, waypoint_symbol)
    site = sim.world.constructions.get(wp.symbol)
    if site is None:
        raise SimError(404, 404, f"No construction site at {wp.symbol}.", {"waypointSymbol": wp.symbol})
    return site


def construction(sim: Simulator, system_symbol: str, waypoint_symbol: str) -> dict[str, Any]:
    return _site(sim, system_symbol, waypoint_symbol).api()


def supply_construction(
    sim: Simulator, agent: Agent, system_symbol: str, waypoint_symbol: str, body: Any
) -> dict[str, Any]:
    body = object_body(body)
    ship_symbol, good, units = symbol_field(body, "shipSymbol"), symbol_field(body, "tradeSymbol"), units_field(body)
    site = _site(sim, system_symbol, waypoint_symbol)
    ship = ready_ship(sim, agent, ship_symbol, DOCKED)
    if ship.location is not site.waypoint:
        raise SimError(400, 4802, f"Ship {ship.symbol} must be docked at {site.waypoint.symbol} to supply it.",
                       {"shipSymbol": ship.symbol, "waypointSymbol": site.waypoint.symbol})
    if good not in site.materials:
        raise SimError(400, 4800, f"{good} is not a material of the construction at {site.waypoint.symbol}.",
                       {"tradeSymbol": good, "waypointSymbol": site.waypoint.symbol})
    required, fulfilled = site.materials[good]
    if fulfilled >= required:
        raise SimError(400, 4801, f"The construction at {site.waypoint.symbol} needs no more {good}.",
                       {"tradeSymbol": good, "required": required, "fulfilled": fulfilled})
    used = min(units, required - fulfilled)  # never more than still needed
    take_cargo(ship, good, used)
    site.supply(good, used)
    return {"construction": site.api(), "cargo": ship.cargo_api()}


def cooldown(sim: Simulator, agent: Agent, ship_symbol: str) -> dict[str, Any] | None:
    """The ship's Cooldown, or None (HTTP 204) when it has none."""
    ship = sim.ship(agent, ship_symbol)
    now = sim.now()
    return ship.cooldown_api(now) if ship.cooldown_remaining(now) else None


# -- actions --------------------------------------------------------------------------------


def jump(sim: Simulator, agent: Agent, ship_symbol: str, body: Any) -> dict[str, Any]:
    target = symbol_field(object_body(body), "waypointSymbol")
    ship = ready_ship(sim, agent, ship_symbol, IN_ORBIT)
    origin = ship.location
    if origin.symbol not in sim.universe.gates:
        raise SimError(400, 4254, f"Ship {ship.symbol} is not at a jump gate.",
                       {"shipSymbol": ship.symbol, "waypointSymbol": origin.symbol})
    destination = sim.universe.waypoints.get(target)
    if destination is not None and destination.system_symbol == origin.system_symbol:
        raise SimError(400, 4208, "Jump destination is in the ship's current system; navigate instead.",
                       {"shipSymbol": ship.symbol, "destinationSymbol": target})
    if destination is None or target not in sim.universe.gates[origin.symbol]:
        raise SimError(400, 4255, f"{target} is not a gate connected to {origin.symbol}.",
                       {"waypointSymbol": target, "connections": list(sim.universe.gates[origin.symbol])})
    check_cooldown(sim, ship)
    if origin.is_under_construction:
        raise SimError(400, 4256, f"The jump gate at {origin.symbol} is still under construction.",
                       {"waypointSymbol": origin.symbol})
    if destination.is_under_construction:
        raise SimError(400, 4262, f"The jump gate at {destination.symbol} is still under construction.",
                       {"waypointSymbol": destination.symbol})
    fee = jump_fee(sim, origin)
    agent.spend(fee, "a jump")
    now = sim.now()
    here, there = sim.universe.systems[origin.system_symbol], sim.universe.systems[destination.system_symbol]
    sim.relocate(ship, destination)
    ship.departure = ship.arrival = now
    ship.status = IN_ORBIT
    transaction = {
        "waypointSymbol": origin.symbol, "shipSymbol": ship.symbol, "tradeSymbol": JUMP_FEE_GOOD,
        "type": "PURCHASE", "units": 1, "pricePerUnit": fee, "totalPrice": fee, "timestamp": iso(now),
    }
    market = sim.markets.get(origin.symbol)
    if market is not None:
        market.record(transaction)
    return {
        "nav": ship.nav_api(),
        "cooldown": start_cooldown(sim, ship, jump_cooldown(galaxy_distance(here, there))),
        "transaction": transaction,
        "agent": agent.api(),
    }


def _has_warp_drive(ship: Ship) -> bool:
    return any(m.startswith("MODULE_WARP_DRIVE") for m in ship.modules)


def warp(sim: Simulator, agent: Agent, ship_symbol: str, body: Any) -> dict[str, Any]:
    target = symbol_field(object_body(body), "waypointSymbol")
    ship = ready_ship(sim, agent, ship_symbol, IN_ORBIT)
    here = ship.location
    destination = sim.universe.waypoints.get(target)
    if destination is None:
        raise not_found("Waypoint", target)
    if destination.system_symbol == here.system_symbol:
        raise SimError(400, 4235, "Warp destination is in the ship's current system; navigate instead.",
                       {"shipSymbol": ship.symbol, "destinationSymbol": target})
    if not _has_warp_drive(ship):
        raise SimError(400, 4241, f"Ship {ship.symbol} has no warp drive module.", {"shipSymbol": ship.symbol})
    mode = FlightMode(ship.flight_mode)
    d = galaxy_distance(sim.universe.systems[here.system_symbol], sim.universe.systems[destination.system_symbol])
    needed = fuel_cost(d, mode, ship.template.fuel_capacity)
    if needed > ship.fuel:
        raise SimError(400, 4203, f"Warp request failed. Ship requires {needed} fuel, has {ship.fuel}.",
                       {"shipSymbol": ship.symbol, "fuelRequired": needed, "fuelAvailable": ship.fuel})
    now = sim.now()
    seconds = math.floor(15 + max(1, round(d)) * WARP_MULTIPLIER[mode] / ship.template.speed)
    sim.relocate(ship, destination)
    ship.departure, ship.arrival = now, now + timedelta(seconds=seconds / sim.config.time_scale)
    ship.status = IN_TRANSIT
    ship.fuel -= needed
    ship.fuel_consumed = (needed, now)
    return {"nav": ship.nav_api(), "fuel": ship.fuel_api()}


def chart(sim: Simulator, agent: Agent, ship_symbol: str) -> dict[str, Any]:
    ship = ready_ship(sim, agent, ship_symbol)
    wp = ship.location
    if wp.hidden_traits is None:
        raise SimError(400, 4230, f"Waypoint {wp.symbol} is already charted.", {"waypointSymbol": wp.symbol})
    wp.chart = {"waypointSymbol": wp.symbol, "submittedBy": agent.symbol, "submittedOn": iso(sim.now())}
    wp.traits, wp.hidden_traits = wp.hidden_traits, None
    wp.changed()
    return {"chart": wp.chart, "waypoint": wp.api, "agent": agent.api()}
