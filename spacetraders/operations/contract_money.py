"""The money side of a contract run: its progress record, its guards, and its money steps.

Every accept, purchase, refuel, delivery and fulfilment goes through `MoneySteps.run`: the
intent is committed before the call, and the ledger row, the closed intent and the run's
progress land in one transaction after it. The guards cap purchases and refuels so that the
agent's credits never drop below `reserve` and a contract's spending (purchases, refuels and
jumps of the ship since its round began, read from the ledger) never exceeds `max_spend`; a
cut is logged and counted in the progress (`breaches_avoided`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from spacetraders.api.models import RefuelResult
from spacetraders.api.trade_models import Contract, ContractDelivery, ContractResult, TradeResult
from spacetraders.domain.fuel import CAUTIOUS_FUEL_ASK, market_units
from spacetraders.domain.navigation import system_of
from spacetraders.operations.base import ContainerContext
from spacetraders.operations.money_steps import MoneySteps, StepIntent, StepKind
from spacetraders.operations.route_data import stored_asks
from spacetraders.persistence.ledger import LedgerEntry, LedgerFilter, LedgerKind, list_entries
from spacetraders.persistence.ledger_entries import entry_for_contract, entry_for_refuel, entry_for_trade
from spacetraders.persistence.progress import load_progress, save_progress
from spacetraders.persistence.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from spacetraders.operations.navigate import Navigation

COMMAND_TYPE = "ContractCommand"
SPEND_KINDS = (LedgerKind.PURCHASE, LedgerKind.REFUEL, LedgerKind.JUMP)


class RunEnded(Exception):
    """The run stops here for a reason a person should read (refused contract, guard, no market)."""


@dataclass
class Progress:
    """The run's small, human-readable state (`container inspect`, the map's next stop), keyed on
    the run id that a restarted container inherits with its params."""

    ctx: ContainerContext
    run_id: str
    ship_symbol: str
    state: dict[str, Any] = field(default_factory=dict)

    def load(self) -> None:
        with self.ctx.db.read() as session:
            stored = load_progress(session, self.ctx.player_id, self.run_id)
        self.state = stored or {"phase": "start", "fulfilled": 0, "breaches_avoided": 0}

    def save(self, uow: UnitOfWork) -> None:
        save_progress(uow, self.ctx.player_id, self.run_id, ship_symbol=self.ship_symbol, command_type=COMMAND_TYPE,
                      container_id=self.ctx.container_id, state=dict(self.state), now=self.ctx.clock.now())

    async def checkpoint(self) -> None:
        def write() -> None:
            with self.ctx.db.transaction() as uow:
                self.save(uow)

        await asyncio.to_thread(write)

    def count_breach(self) -> None:
        self.state["breaches_avoided"] = self.state.get("breaches_avoided", 0) + 1


class ContractMoney:
    def __init__(self, ctx: ContainerContext, progress: Progress, *, reserve: int, max_spend: int | None) -> None:
        self.ctx, self.progress = ctx, progress
        self.ship_symbol = progress.ship_symbol
        self.reserve, self.max_spend = reserve, max_spend
        self.steps = MoneySteps(ctx)
        self.credits = 0  # the agent's, as the last answer said

    @property
    def state(self) -> dict[str, Any]:
        return self.progress.state

    # -- guards ----------------------------------------------------------------------------

    def over_guards(self, cost: int, advance: int) -> str | None:
        """Which guard a plan costing `cost` would pass (the advance is paid before any spending)."""
        if self.max_spend is not None and cost > self.max_spend:
            return f"max spend {self.max_spend:,}"
        if self.credits + advance - cost < self.reserve:
            return f"reserve {self.reserve:,} (credits {self.credits:,})"
        return None

    async def guarded(self, units: int, ask: int, good: str) -> int:
        """`units`, cut so that the reserve and the contract's spending cap hold; 0 ends the run."""
        allowed, why = units, []
        if self.credits - units * ask < self.reserve:
            allowed = min(allowed, max(0, (self.credits - self.reserve) // ask))
            why.append(f"reserve {self.reserve:,} (credits {self.credits:,})")
        if self.max_spend is not None:
            spent = await self.spent()
            if spent + units * ask > self.max_spend:
                allowed = min(allowed, max(0, (self.max_spend - spent) // ask))
                why.append(f"max spend {self.max_spend:,} (spent {spent:,})")
        if allowed < units:
            self.progress.count_breach()
            self.ctx.log.warning("Guard: buying %d %s at %d would pass the %s; buying %d", units, good, ask,
                                 " and the ".join(why), allowed)
            await self.progress.checkpoint()
        if allowed <= 0:
            raise RunEnded(f"guard: no more {good} can be bought within the " + " and the ".join(why))
        return allowed

    async def spent(self) -> int:
        """What the ship spent since its round began, from the ledger (a kill loses none of it:
        settling an open step writes its row)."""
        since = self.state.get("since")

        def read() -> int:
            with self.ctx.db.read() as session:
                rows = list_entries(session, LedgerFilter(player_id=self.ctx.player_id, ship_symbol=self.ship_symbol,
                                                          since=datetime.fromisoformat(since) if since else None),
                                    limit=100_000)
                return -sum(r.total for r in rows if r.kind in SPEND_KINDS)

        return await asyncio.to_thread(read)

    # -- steps -----------------------------------------------------------------------------

    async def accept(self, contract: Contract) -> Contract:
        api = self.ctx.api

        def also(uow: UnitOfWork, _r: Any) -> None:
            self.state["phase"] = "buying"
            self.progress.save(uow)

        result: ContractResult = await self.steps.run(
            StepIntent(StepKind.ACCEPT, self.ship_symbol, reference=contract.id),
            lambda: api.accept_contract(contract.id),
            lambda r: self._contract_entry(r, fulfilled=False), also)
        self.credits = result.agent.credits
        self.ctx.log.info("Accepted contract %s: +%d (credits %d)", contract.id, contract.on_accepted, self.credits)
        return result.contract

    async def purchase(self, good: str, units: int, waypoint: str) -> None:
        api, symbol = self.ctx.api, self.ship_symbol

        def entry(r: TradeResult) -> LedgerEntry:
            return entry_for_trade(r, player_id=self.ctx.player_id, at=self.ctx.clock.now(),
                                   container_id=self.ctx.container_id)

        def also(uow: UnitOfWork, r: Any) -> None:
            self.state["bought"] = self.state.get("bought", 0) + r.transaction.units
            self.progress.save(uow)

        result = await self.steps.run(StepIntent(StepKind.PURCHASE, symbol, good=good, units=units,
                                                 waypoint_symbol=waypoint),
                                      lambda: api.purchase_cargo(symbol, good, units), entry, also)
        self.credits = result.agent.credits
        self.ctx.log.info("Bought %d %s at %s for %d (%d each; credits %d)", units, good, waypoint,
                          result.transaction.total_price, result.transaction.price_per_unit, self.credits)

    async def deliver(self, contract: Contract, line: ContractDelivery, units: int) -> Contract:
        api, symbol = self.ctx.api, self.ship_symbol

        def also(uow: UnitOfWork, _r: Any) -> None:
            self.state["delivered"] = self.state.get("delivered", 0) + units
            self.state["trip"] = self.state.get("trip", 0) + 1
            self.progress.save(uow)

        result = await self.steps.run(
            StepIntent(StepKind.DELIVER, symbol, good=line.trade_symbol, units=units,
                       waypoint_symbol=line.destination_symbol, reference=contract.id),
            lambda: api.deliver_contract(contract.id, symbol, line.trade_symbol, units), lambda _r: None, also)
        done = next((d for d in result.contract.deliver if d.trade_symbol == line.trade_symbol), line)
        self.ctx.log.info("Delivered %d %s to %s: %d/%d", units, line.trade_symbol, line.destination_symbol,
                          done.units_fulfilled, done.units_required)
        return result.contract

    async def fulfil(self, contract: Contract) -> None:
        api = self.ctx.api

        def also(uow: UnitOfWork, _r: Any) -> None:
            self.state.update(phase="done", fulfilled=self.state["fulfilled"] + 1, next_stop=None, route=None)
            self.progress.save(uow)

        result: ContractResult = await self.steps.run(
            StepIntent(StepKind.FULFIL, self.ship_symbol, reference=contract.id),
            lambda: api.fulfill_contract(contract.id),
            lambda r: self._contract_entry(r, fulfilled=True), also)
        self.credits = result.agent.credits
        self.ctx.log.info("Fulfilled contract %s: +%d (credits %d); %d fulfilled by this run", contract.id,
                          contract.on_fulfilled, self.credits, self.state["fulfilled"])

    async def refuel(self, flight: Navigation, system_waypoints: Iterable[str], units: int) -> None:
        """A refuel of `units` tank units the flight asked for on the way, within the guards
        (a cut ends the run only at zero: a partial refuel would strand the ship)."""
        api, symbol = self.ctx.api, self.ship_symbol
        await flight._save(await api.dock(symbol))
        here = flight.ship.nav.waypoint_symbol
        await self.guarded(market_units(units), await self._fuel_ask(here, system_waypoints), "FUEL")

        def entry(r: RefuelResult) -> LedgerEntry:
            return entry_for_refuel(r, player_id=self.ctx.player_id, ship_symbol=symbol, at=self.ctx.clock.now(),
                                    container_id=self.ctx.container_id, waypoint_symbol=here)

        def also(uow: UnitOfWork, r: Any) -> None:
            flight._store(uow, fuel=r.fuel)
            self.progress.save(uow)

        result = await self.steps.run(StepIntent(StepKind.REFUEL, symbol, good="FUEL", waypoint_symbol=here),
                                      lambda: api.refuel(symbol, units=units), entry, also)
        self.credits = result.credits
        self.ctx.log.info("Refuelled at %s for %d (credits %d)", here, result.price, self.credits)
        await flight._save(await api.orbit(symbol))

    async def _fuel_ask(self, waypoint: str, system_waypoints: Iterable[str]) -> int:
        """The stored FUEL ask here, else the dearest stored in the system (the guard errs high)."""
        asks = await asyncio.to_thread(stored_asks, self.ctx.db, [waypoint], "FUEL")
        if waypoint in asks:
            return asks[waypoint]
        known = [w for w in system_waypoints if system_of(w) == system_of(waypoint)]
        everywhere = await asyncio.to_thread(stored_asks, self.ctx.db, known, "FUEL")
        return max(everywhere.values(), default=CAUTIOUS_FUEL_ASK)

    def _contract_entry(self, result: ContractResult, *, fulfilled: bool) -> LedgerEntry:
        return entry_for_contract(result, player_id=self.ctx.player_id, at=self.ctx.clock.now(), fulfilled=fulfilled,
                                  ship_symbol=self.ship_symbol, container_id=self.ctx.container_id)
