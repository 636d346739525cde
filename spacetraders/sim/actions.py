"""Preconditions and cooldowns shared by the ship actions outside simulator.py."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from spacetraders.sim.errors import SimError, validation_error
from spacetraders.sim.ships import DOCKED, IN_ORBIT, Ship

if TYPE_CHECKING:
    from spacetraders.sim.agents import Agent
    from spacetraders.sim.simulator import Simulator


def ready_ship(sim: Simulator, agent: Agent, symbol: str, status: str | None = None, *, cooldown: bool = False) -> Ship:
    """The caller's ship, not in transit, in `status` if given, off cooldown if `cooldown`."""
    ship = sim.ship(agent, symbol)
    sim._not_in_transit(ship)
    if status == IN_ORBIT and ship.status != IN_ORBIT:
        raise SimError(400, 4236, "Ship action requires ship to be in orbit. Orbit the ship first.",
                       {"shipSymbol": ship.symbol, "navStatus": ship.status})
    if status == DOCKED and ship.status != DOCKED:
        raise SimError(400, 4244, "Ship action requires ship to be docked. Dock the ship first.",
                       {"shipSymbol": ship.symbol, "navStatus": ship.status})
    if cooldown:
        check_cooldown(sim, ship)
    return ship


def check_cooldown(sim: Simulator, ship: Ship) -> None:
    now = sim.now()
    if ship.cooldown_remaining(now) > 0:
        raise SimError(409, 4000, f"Ship action is still on cooldown for {ship.cooldown_remaining(now)} second(s).",
                       {"cooldown": ship.cooldown_api(now)})


def start_cooldown(sim: Simulator, ship: Ship, game_seconds: float) -> dict[str, Any]:
    """Block the ship's cooldown actions for `game_seconds` (scaled like travel); its Cooldown."""
    now = sim.now()
    real = game_seconds / sim.config.time_scale
    ship.cooldown_total = max(1, math.ceil(real))
    ship.cooldown_until = now + timedelta(seconds=real)
    return ship.cooldown_api(now)


def object_body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise validation_error("body", "expected a JSON object")
    return body


def symbol_field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise validation_error(name, "required: a non-empty string")
    return value.upper()


def units_field(body: dict[str, Any], name: str = "units") -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise validation_error(name, "required: an integer >= 1")
    return value


def cargo_units(ship: Ship) -> int:
    return sum(ship.cargo.values())


def take_cargo(ship: Ship, good: str, units: int) -> None:
    held = ship.cargo.get(good, 0)
    if held < units:
        raise SimError(400, 4219, f"Ship {ship.symbol} holds {held} {good}, not {units}.",
                       {"shipSymbol": ship.symbol, "tradeSymbol": good, "cargoUnits": held, "unitsToRemove": units})
    ship.cargo[good] = held - units
    if not ship.cargo[good]:
        del ship.cargo[good]


def add_cargo(ship: Ship, good: str, units: int) -> None:
    free = ship.cargo_capacity - cargo_units(ship)
    if units > free:
        raise SimError(400, 4228, f"Ship {ship.symbol} has room for {free} more unit(s), not {units}.",
                       {"shipSymbol": ship.symbol, "cargoCapacity": ship.cargo_capacity, "cargoUnits": cargo_units(ship)})
    ship.cargo[good] = ship.cargo.get(good, 0) + units
