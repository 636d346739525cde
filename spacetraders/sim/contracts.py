"""Contracts (ECONOMY.md §13): the one a new agent receives, negotiate, accept, deliver, fulfil.

One offered-or-active contract per agent (4511): an offer holds the slot until its
`deadlineToAccept`, an accepted one until it is fulfilled or its `terms.deadline` passes.
Deadlines are game durations (24 h to accept, 7 d to deliver) divided by the time scale,
reported as real timestamps like every other time the simulator shows. Terms follow §17:
PROCUREMENT, one line, a good exported in the system (an ore for the starting contract, 45-80
units), delivered to an importer of it; pay U(3.5, 6) x units x the median export ask, of
which U(0.12, 0.27) on acceptance.
"""

from __future__ import annotations

import hashlib
import random
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from spacetraders.sim import economy
from spacetraders.sim.catalogue import GOODS
from spacetraders.sim.errors import SimError, validation_error
from spacetraders.sim.timefmt import iso
from spacetraders.sim.trading import remove_cargo, require_aboard, require_docked

if TYPE_CHECKING:
    from spacetraders.sim.agents import Agent
    from spacetraders.sim.simulator import Simulator

ACCEPT_WINDOW = timedelta(hours=24)  # obs: deadlineToAccept = registration + 24 h
DELIVERY_WINDOW = timedelta(days=7)  # obs: deadline = deadlineToAccept + 6 d
STARTING_UNITS = (45, 80)  # obs: 45-78 ore units in recorded starting contracts
NEGOTIATED_GOODS_VALUE = (600.0, 2000.0)  # default: small negotiated contracts pay 2-9k (obs)
PAY_MULTIPLE = (3.5, 6.0)  # obs: pay / exporter cost of the goods
ON_ACCEPTED_SHARE = (0.12, 0.27)  # obs


@dataclass(eq=False)
class Contract:
    id: str
    agent_symbol: str
    faction: str
    trade_symbol: str
    destination: str
    units_required: int
    on_accepted: int
    on_fulfilled: int
    deadline_to_accept: datetime
    deadline: datetime
    units_fulfilled: int = 0
    accepted: bool = False
    fulfilled: bool = False

    def holds_slot(self, now: datetime) -> bool:
        if not self.accepted:
            return now < self.deadline_to_accept
        return not self.fulfilled and now < self.deadline

    def api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "factionSymbol": self.faction,
            "type": "PROCUREMENT",
            "terms": {
                "deadline": iso(self.deadline),
                "payment": {"onAccepted": self.on_accepted, "onFulfilled": self.on_fulfilled},
                "deliver": [{
                    "tradeSymbol": self.trade_symbol, "destinationSymbol": self.destination,
                    "unitsRequired": self.units_required, "unitsFulfilled": self.units_fulfilled,
                }],
            },
            "accepted": self.accepted,
            "fulfilled": self.fulfilled,
            "expiration": iso(self.deadline_to_accept),
            "deadlineToAccept": iso(self.deadline_to_accept),
        }


class ContractBoard:
    """Every agent's contracts, and the rules that change them."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._by_id: dict[str, Contract] = {}
        self._by_agent: dict[str, list[Contract]] = {}

    # -- reads --------------------------------------------------------------------------

    def list_page(self, agent: Agent, page: int, limit: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
        mine = self._by_agent.get(agent.symbol, [])
        start = (page - 1) * limit
        return [c.api() for c in mine[start : start + limit]], {"total": len(mine), "page": page, "limit": limit}

    def get(self, agent: Agent, contract_id: str, code_if_foreign: int = 404) -> Contract:
        contract = self._by_id.get(contract_id)
        if contract is None or (contract.agent_symbol != agent.symbol and code_if_foreign == 404):
            raise SimError(404, 404, f"Contract {contract_id} not found.", {"contractId": contract_id})
        if contract.agent_symbol != agent.symbol:
            raise SimError(400, code_if_foreign, f"Contract {contract_id} belongs to another agent.",
                           {"contractId": contract_id, "agentSymbol": agent.symbol})
        return contract

    # -- offers -------------------------------------------------------------------------

    def starting(self, agent: Agent) -> dict[str, Any]:
        """The contract offered at registration."""
        return self._offer(agent, self.sim.universe.headquarters.rsplit("-", 1)[0], starting=True).api()

    def negotiate(self, agent: Agent, ship_symbol: str) -> dict[str, Any]:
        sim = self.sim
        ship = sim.ship(agent, ship_symbol)
        sim._not_in_transit(ship)
        require_docked(ship)
        if ship.location.faction is None:
            raise SimError(400, 4700, f"No faction is present at {ship.location.symbol} to negotiate with.",
                           {"waypointSymbol": ship.location.symbol})
        now = sim.now()
        current = next((c for c in self._by_agent.get(agent.symbol, []) if c.holds_slot(now)), None)
        if current is not None:
            raise SimError(400, 4511, f"Agent {agent.symbol} already has an offered or active contract {current.id}.",
                           {"agentSymbol": agent.symbol, "contractId": current.id})
        return {"contract": self._offer(agent, ship.location.system_symbol, starting=False).api()}

    def _offer(self, agent: Agent, system_symbol: str, starting: bool) -> Contract:
        sim = self.sim
        mine = self._by_agent.setdefault(agent.symbol, [])
        n = len(mine)
        rng = random.Random(f"contract:{sim.config.seed}:{agent.symbol}:{n}")
        game_now = sim.game_now()
        asks: dict[str, list[int]] = {}
        importers: dict[str, list[str]] = {}
        for wp in sim.universe.systems[system_symbol].waypoints:
            market = sim.markets.get(wp.symbol)
            if market is None:
                continue
            for row in market.trade_goods(game_now):
                if row["type"] == economy.EXPORT:
                    asks.setdefault(row["symbol"], []).append(int(row["purchasePrice"]))
                elif row["type"] == economy.IMPORT:
                    importers.setdefault(row["symbol"], []).append(wp.symbol)
        exported = sorted(asks)
        # Offer what can actually be delivered: a good exported here that some market imports.
        deliverable = [g for g in exported if importers.get(g)]
        ores = [g for g in deliverable if g.endswith("_ORE")]
        pool = (ores if starting and ores else deliverable) or exported or ["IRON_ORE"]
        good = rng.choice(pool)
        ask = statistics.median(asks[good]) if good in asks else economy.fallback_ask(
            good, GOODS[good].base_price if good in GOODS else None)
        if starting:
            units = rng.randint(*STARTING_UNITS)
        else:
            units = max(1, min(500, round(rng.uniform(*NEGOTIATED_GOODS_VALUE) / ask)))
        destination = rng.choice(sorted(importers[good])) if importers.get(good) else agent.headquarters
        total = rng.uniform(*PAY_MULTIPLE) * units * ask
        on_accepted = round(rng.uniform(*ON_ACCEPTED_SHARE) * total)
        now, scale = sim.now(), sim.config.time_scale
        digest = hashlib.sha1(f"{sim.config.seed}:{agent.symbol}:{n}".encode()).hexdigest()
        contract = Contract(
            id=f"cl{digest[:23]}", agent_symbol=agent.symbol, faction=agent.faction, trade_symbol=good,
            destination=destination, units_required=units, on_accepted=on_accepted,
            on_fulfilled=max(1, round(total) - on_accepted),
            deadline_to_accept=now + ACCEPT_WINDOW / scale, deadline=now + DELIVERY_WINDOW / scale,
        )
        mine.append(contract)
        self._by_id[contract.id] = contract
        return contract

    # -- lifecycle ----------------------------------------------------------------------

    def accept(self, agent: Agent, contract_id: str) -> dict[str, Any]:
        contract = self.get(agent, contract_id, code_if_foreign=4500)
        if contract.fulfilled:
            raise SimError(400, 4504, f"Contract {contract.id} is already fulfilled.", {"contractId": contract.id})
        if contract.accepted:
            raise SimError(400, 4501, f"Contract {contract.id} is already accepted.", {"contractId": contract.id})
        if self.sim.now() >= contract.deadline_to_accept:
            raise SimError(400, 4503, f"Contract {contract.id} can no longer be accepted: its deadline to accept "
                           "has passed.", {"contractId": contract.id, "deadlineToAccept": iso(contract.deadline_to_accept)})
        contract.accepted = True
        agent.credits += contract.on_accepted
        return {"agent": agent.api(), "contract": contract.api()}

    def _open_for_delivery(self, contract: Contract) -> None:
        if not contract.accepted:
            raise SimError(400, 4505, f"Contract {contract.id} is not accepted yet.", {"contractId": contract.id})
        if contract.fulfilled:
            raise SimError(400, 4504, f"Contract {contract.id} is already fulfilled.", {"contractId": contract.id})
        if self.sim.now() >= contract.deadline:
            raise SimError(400, 4503, f"Contract {contract.id} has expired.",
                           {"contractId": contract.id, "deadline": iso(contract.deadline)})

    def deliver(self, agent: Agent, contract_id: str, body: Any) -> dict[str, Any]:
        body = body if isinstance(body, dict) else {}
        ship_symbol, symbol, units = body.get("shipSymbol"), body.get("tradeSymbol"), body.get("units")
        if not isinstance(ship_symbol, str) or not ship_symbol:
            raise validation_error("shipSymbol", "required: the delivering ship's symbol")
        if not isinstance(symbol, str) or not symbol:
            raise validation_error("tradeSymbol", "required: the good to deliver")
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise validation_error("units", "required: an integer >= 1")
        symbol = symbol.upper()
        contract = self.get(agent, contract_id, code_if_foreign=4506)
        self._open_for_delivery(contract)
        if symbol != contract.trade_symbol:
            raise SimError(400, 4508, f"Contract {contract.id} does not require {symbol}.",
                           {"contractId": contract.id, "tradeSymbol": symbol})
        remaining = contract.units_required - contract.units_fulfilled
        if remaining == 0:
            raise SimError(400, 4509, f"Contract {contract.id} already has all the {symbol} it needs.",
                           {"contractId": contract.id, "tradeSymbol": symbol})
        if units > remaining:  # not pinned on the live server; bots send at most the remainder
            raise SimError(400, 4509, f"Contract {contract.id} needs only {remaining} more units of {symbol}.",
                           {"contractId": contract.id, "tradeSymbol": symbol, "unitsRemaining": remaining, "units": units})
        sim = self.sim
        ship = sim.ship(agent, ship_symbol)
        sim._not_in_transit(ship)
        if ship.location.symbol != contract.destination:
            raise SimError(400, 4510, f"Ship {ship.symbol} must be at {contract.destination} to deliver.",
                           {"contractId": contract.id, "shipSymbol": ship.symbol,
                            "destinationSymbol": contract.destination, "waypointSymbol": ship.location.symbol})
        require_docked(ship)
        require_aboard(ship, symbol, units)
        remove_cargo(ship, symbol, units)
        contract.units_fulfilled += units
        return {"contract": contract.api(), "cargo": ship.cargo_api()}

    def fulfill(self, agent: Agent, contract_id: str) -> dict[str, Any]:
        contract = self.get(agent, contract_id, code_if_foreign=4506)
        self._open_for_delivery(contract)
        if contract.units_fulfilled < contract.units_required:
            raise SimError(400, 4502, f"Contract {contract.id} still needs "
                           f"{contract.units_required - contract.units_fulfilled} units of {contract.trade_symbol}.",
                           {"contractId": contract.id, "tradeSymbol": contract.trade_symbol,
                            "unitsRequired": contract.units_required, "unitsFulfilled": contract.units_fulfilled})
        contract.fulfilled = True
        agent.credits += contract.on_fulfilled
        return {"agent": agent.api(), "contract": contract.api()}
