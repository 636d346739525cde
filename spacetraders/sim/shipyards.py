"""Shipyards (ECONOMY.md §14): listings, prices that rise with each sale, buying a ship.

A yard's price for a type is its base (the template's price, +/-10 % per yard) times
exp(d), where each sale adds ln(1.025) to d (obs: +2.5 % per ship) and d halves every
12 game hours (default: no recovery was seen within 90 min).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from spacetraders.sim.economy import ACTIVITY_LEVELS, SHIP_PRICE_RISE, SUPPLY_LEVELS, ship_price, stable_hash
from spacetraders.sim.errors import SimError, not_found, validation_error
from spacetraders.sim.ship_templates import TEMPLATES
from spacetraders.sim.timefmt import iso
from spacetraders.sim.universe import Waypoint

if TYPE_CHECKING:
    from spacetraders.sim.agents import Agent
    from spacetraders.sim.simulator import Simulator

MODIFICATIONS_FEE = 100  # obs: X1-AD75's three yards
TRANSACTIONS_KEPT = 20


@dataclass
class _Price:
    displacement: float = 0.0
    updated: datetime | None = None


@dataclass
class Shipyards:
    seed: int
    _prices: dict[tuple[str, str], _Price] = field(default_factory=dict)
    _transactions: dict[str, deque[dict[str, Any]]] = field(default_factory=dict)

    def base_price(self, waypoint: str, ship_type: str) -> float:
        h = stable_hash(self.seed, waypoint, ship_type)
        return max(TEMPLATES[ship_type].base_price, 10_000) * (0.9 + (h % 200) / 1000)

    def price(self, waypoint: str, ship_type: str, game_now: datetime) -> int:
        state = self._prices.get((waypoint, ship_type))
        if state is None or state.updated is None:
            return round(self.base_price(waypoint, ship_type))
        hours = (game_now - state.updated).total_seconds() / 3600
        return ship_price(self.base_price(waypoint, ship_type), state.displacement, max(0.0, hours))[0]

    def _sold(self, waypoint: str, ship_type: str, game_now: datetime) -> None:
        state = self._prices.setdefault((waypoint, ship_type), _Price())
        hours = (game_now - state.updated).total_seconds() / 3600 if state.updated else 0.0
        _, now_d = ship_price(self.base_price(waypoint, ship_type), state.displacement, max(0.0, hours))
        state.displacement, state.updated = now_d + math.log(SHIP_PRICE_RISE), game_now

    def listing(self, sim: Simulator, agent: Agent | None, wp: Waypoint) -> dict[str, Any]:
        """GET shipyard: types always; ships with prices and transactions only with a ship present."""
        if wp.shipyard is None:
            raise SimError(404, 404, f"Shipyard not found at {wp.symbol}.", {"waypointSymbol": wp.symbol})
        body: dict[str, Any] = {
            "symbol": wp.symbol,
            "shipTypes": [{"type": t} for t in wp.shipyard],
            "modificationsFee": MODIFICATIONS_FEE,
        }
        if sim._has_ship_at(agent, wp):
            game_now = sim.game_now()
            body["ships"] = [self._entry(wp, t, game_now) for t in wp.shipyard]
            body["transactions"] = list(self._transactions.get(wp.symbol, ()))
        return body

    def _entry(self, wp: Waypoint, ship_type: str, game_now: datetime) -> dict[str, Any]:
        h = stable_hash(self.seed, wp.symbol, ship_type)
        return TEMPLATES[ship_type].shipyard_entry(
            self.price(wp.symbol, ship_type, game_now), SUPPLY_LEVELS[1 + h % 4], ACTIVITY_LEVELS[(h >> 4) % 3]
        )

    def purchase(self, sim: Simulator, agent: Agent, body: Any) -> dict[str, Any]:
        """POST /my/ships: the new ship is docked at the yard with its template's fit, full tank, empty hold."""
        body = body if isinstance(body, dict) else {}
        ship_type, waypoint_symbol = body.get("shipType"), body.get("waypointSymbol")
        if not isinstance(ship_type, str) or not ship_type:
            raise validation_error("shipType", "required: a ship type such as SHIP_PROBE")
        if not isinstance(waypoint_symbol, str) or not waypoint_symbol:
            raise validation_error("waypointSymbol", "required: the shipyard's waypoint symbol")
        ship_type, waypoint_symbol = ship_type.upper(), waypoint_symbol.upper()
        wp = sim.universe.waypoints.get(waypoint_symbol)
        if wp is None:
            raise not_found("Waypoint", waypoint_symbol)
        if wp.shipyard is None:
            raise SimError(404, 404, f"Shipyard not found at {wp.symbol}.", {"waypointSymbol": wp.symbol})
        if ship_type not in wp.shipyard:
            raise SimError(400, 400, f"The shipyard at {wp.symbol} does not sell {ship_type}.",
                           {"waypointSymbol": wp.symbol, "shipType": ship_type,
                            "shipTypes": list(wp.shipyard)})
        if not sim._has_ship_at(agent, wp):
            raise SimError(400, 4245, f"Agent {agent.symbol} has no ship at {wp.symbol} to purchase a ship there.",
                           {"waypointSymbol": wp.symbol})
        game_now = sim.game_now()
        price = self.price(wp.symbol, ship_type, game_now)
        if price > agent.credits:
            raise SimError(400, 4216, f"Agent has insufficient funds: {price} credits needed, {agent.credits} "
                           "available.", {"creditsAvailable": agent.credits, "creditsNeeded": price})
        now = sim.now()
        agent.credits -= price
        ship = sim._new_ship(agent, ship_type, wp, now)
        self._sold(wp.symbol, ship_type, game_now)
        transaction = {
            "waypointSymbol": wp.symbol, "shipSymbol": ship_type, "shipType": ship_type, "price": price,
            "agentSymbol": agent.symbol, "timestamp": iso(now),
        }
        self._transactions.setdefault(wp.symbol, deque(maxlen=TRANSACTIONS_KEPT)).append(transaction)
        return {"agent": agent.api(), "ship": ship.api(), "transaction": transaction}
