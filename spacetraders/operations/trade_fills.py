"""Fills of a trade run: buy and sell one good at the market where the ship is docked, in
tranches of the good's tradeVolume, while the live quote stays within the plan's limit.

Every fill is a money step (operations/money_steps.py): the intent is recorded before the
call, and the fill's ledger row and the run's progress (cargo, cost basis, credits in
flight, breaches) are written in ONE transaction after it, so a kill -9 can neither lose
a fill nor make one twice.

Money guards, checked before each purchase tranche: credits never go below `reserve`, and
the cost of the cargo held (bought and not yet sold) never exceeds `max_spend`. A tranche
that would cross either is shrunk, or not made; a fill that crossed one anyway (the price
moved between the read and the call) is counted as a breach — the bench and the tests
require 0.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spacetraders.api.models import Market, TradeGood
from spacetraders.api.trade_models import TradeResult
from spacetraders.domain.navigation import system_of
from spacetraders.operations.base import ContainerContext
from spacetraders.operations.money_steps import MoneySteps, StepIntent, StepKind
from spacetraders.persistence.ledger import LedgerEntry
from spacetraders.persistence.ledger_entries import entry_for_trade
from spacetraders.persistence.markets import store_market_snapshot
from spacetraders.persistence.progress import save_progress
from spacetraders.persistence.unit_of_work import UnitOfWork

# The sim fills at the quote of the instant of the call; the real game may move a little
# between our read and the fill. Buying keeps this headroom under both guards.
PRICE_HEADROOM = 1.02
MARKET_READ_ATTEMPTS = 3


@dataclass
class TradeBook:
    """What the run has done, persisted as its progress (small and human-readable)."""

    trip: int = 0
    phase: str = "starting"
    plan: str = ""
    next_stop: str | None = None
    route: list[str] = field(default_factory=list)  # the trip's stops, for the map
    cargo: dict[str, int] = field(default_factory=dict)
    basis: dict[str, int] = field(default_factory=dict)  # credits paid for the units of each good held
    bought: int = 0  # credits spent on cargo by this run
    sold: int = 0  # credits earned from cargo by this run
    fills: int = 0
    breaches: int = 0
    credits: int | None = None  # the agent's credits after the last step we saw

    @property
    def in_flight(self) -> int:
        return sum(self.basis.values())

    def as_state(self) -> dict[str, Any]:
        return {
            "phase": self.phase, "trip": self.trip, "plan": self.plan, "next_stop": self.next_stop, "route": list(self.route),
            "cargo": dict(self.cargo), "basis": dict(self.basis), "in_flight": self.in_flight,
            "bought": self.bought, "sold": self.sold, "net": self.sold - self.bought, "fills": self.fills,
            "breaches": self.breaches, "credits": self.credits,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any] | None) -> TradeBook:
        if not state:
            return cls()
        return cls(
            trip=int(state.get("trip", 0)), phase=str(state.get("phase", "starting")), plan=str(state.get("plan", "")),
            next_stop=state.get("next_stop"), route=[str(w) for w in state.get("route") or []], cargo={str(k): int(v) for k, v in (state.get("cargo") or {}).items()},
            basis={str(k): int(v) for k, v in (state.get("basis") or {}).items()},
            bought=int(state.get("bought", 0)), sold=int(state.get("sold", 0)), fills=int(state.get("fills", 0)),
            breaches=int(state.get("breaches", 0)), credits=state.get("credits"),
        )

    def apply(self, side: str, good: str, units: int, total: int) -> None:
        """Account for one fill: cargo, cost basis (a sale releases its share), cash flow."""
        held = self.cargo.get(good, 0)
        if side == "buy":
            self.cargo[good] = held + units
            self.basis[good] = self.basis.get(good, 0) + total
            self.bought += total
        else:
            basis = self.basis.get(good, 0)
            released = round(basis * min(units, held) / held) if held else basis
            left = held - units
            if left > 0:
                self.cargo[good], self.basis[good] = left, basis - released
            else:
                self.cargo.pop(good, None)
                self.basis.pop(good, None)
            self.sold += total
        self.fills += 1

    def hold(self, cargo: dict[str, int]) -> None:
        """The server's hold is the truth: goods we no longer hold lose their basis."""
        self.cargo = {g: u for g, u in cargo.items() if u > 0}
        self.basis = {g: c for g, c in self.basis.items() if g in self.cargo}


@dataclass(frozen=True)
class Guards:
    reserve: int
    max_spend: int


# Refuels on the way are navigation's, not ours to refuse: a buy leaves this much per refuel
# the trip may need above the reserve (a market unit of FUEL is ~72 in the sim, 60-90 live).
REFUEL_ALLOWANCE = 150


class Desk:
    """The ship's trading desk at its current market; shares `TradeBook` with the run."""

    def __init__(self, ctx: ContainerContext, money: MoneySteps, ship_symbol: str, run_id: str, guards: Guards,
                 book: TradeBook, command_type: str) -> None:
        self.ctx, self.money, self.ship, self.run_id = ctx, money, ship_symbol, run_id
        self.guards, self.book, self.command_type = guards, book, command_type
        self.fuel_allowance = 0  # credits kept above the reserve for the refuels of the trip

    # -- the market ----------------------------------------------------------------------

    async def read(self, waypoint: str) -> Market:
        """The market with prices (we are there), stored as the latest snapshot."""
        for attempt in range(1, MARKET_READ_ATTEMPTS + 1):
            market = await self.ctx.api.get_market(system_of(waypoint), waypoint)
            if market.trade_goods:
                await asyncio.to_thread(self._store, market)
                return market
            if attempt < MARKET_READ_ATTEMPTS and not await self.ctx.sleep(float(attempt)):
                break
        raise RuntimeError(f"market {waypoint} shows no prices: {self.ship} does not seem to be there")

    def _store(self, market: Market) -> None:
        with self.ctx.db.transaction() as uow:
            store_market_snapshot(uow.session, market, player_id=self.ctx.player_id, now=self.ctx.clock.now())

    # -- tranches ------------------------------------------------------------------------

    async def sell(self, market: Market, good: str, units: int, limit: int) -> tuple[Market, int, bool]:
        """Sell up to `units` while the bid is at least `limit`. Returns (market, units sold,
        whether the whole amount went)."""
        sold, remaining = 0, min(units, self.book.cargo.get(good, 0))
        while remaining > 0 and not self.ctx.stopping:
            row = _row(market, good)
            if row is None or row.sell_price < limit:
                self.ctx.log.info("Stop selling %s at %s: bid %s below the plan's limit %d", good, market.symbol,
                                  row.sell_price if row else "none", limit)
                return market, sold, False
            n = min(remaining, row.trade_volume)
            await self._fill("sell", market.symbol, good, n)
            sold, remaining = sold + n, remaining - n
            if remaining > 0:
                market = await self.read(market.symbol)
        return market, sold, remaining == 0

    async def buy(self, market: Market, good: str, units: int, limit: int, free: int) -> tuple[Market, int, bool]:
        """Buy up to `units` (and `free` hold) while the ask is at most `limit` and the guards
        allow. Returns (market, units bought, whether the price held: False means re-plan)."""
        bought, remaining = 0, min(units, free)
        while remaining > 0 and not self.ctx.stopping:
            row = _row(market, good)
            if row is None or row.purchase_price > limit:
                self.ctx.log.info("Stop buying %s at %s: ask %s above the plan's limit %d", good, market.symbol,
                                  row.purchase_price if row else "none", limit)
                return market, bought, False
            n = min(remaining, row.trade_volume, self.affordable(row.purchase_price))
            if n <= 0:
                self.ctx.log.info("Stop buying %s: the money guards allow no more (reserve %d, max spend %d, "
                                  "in flight %d, credits %s)", good, self.guards.reserve, self.guards.max_spend,
                                  self.book.in_flight, self.book.credits)
                return market, bought, True
            await self._fill("buy", market.symbol, good, n)
            bought, remaining = bought + n, remaining - n
            if remaining > 0:
                market = await self.read(market.symbol)
        return market, bought, True

    def affordable(self, ask: int) -> int:
        """Units the guards allow at this ask (with headroom for a price move before the fill)."""
        price = max(1, ask) * PRICE_HEADROOM
        credits = self.book.credits if self.book.credits is not None else 0
        by_reserve = (credits - self.guards.reserve - self.fuel_allowance) / price
        by_spend = (self.guards.max_spend - self.book.in_flight) / price
        return max(0, int(min(by_reserve, by_spend)))

    async def _fill(self, side: str, waypoint: str, good: str, units: int) -> TradeResult:
        api, ship = self.ctx.api, self.ship
        intent = StepIntent(StepKind.PURCHASE if side == "buy" else StepKind.SELL, ship, good=good, units=units,
                            waypoint_symbol=waypoint)
        call: Callable[[], Any] = ((lambda: api.purchase_cargo(ship, good, units)) if side == "buy"
                                   else (lambda: api.sell_cargo(ship, good, units)))
        result: TradeResult = await self.money.run(intent, call, entry=self._entry, also=self._after)
        t = result.transaction
        self.ctx.log.info("%s %d %s at %s for %d (%d each); credits %d, in flight %d", "Bought" if side == "buy"
                          else "Sold", t.units, good, waypoint, t.total_price, t.price_per_unit,
                          result.agent.credits, self.book.in_flight)
        return result

    def _entry(self, result: TradeResult) -> LedgerEntry:
        return entry_for_trade(result, player_id=self.ctx.player_id, at=self.ctx.clock.now(),
                               container_id=self.ctx.container_id)

    def _after(self, uow: UnitOfWork, result: TradeResult) -> None:
        """In the fill's transaction: account for it, check the guards, save the progress."""
        t, book = result.transaction, self.book
        side = "sell" if t.type.upper() == "SELL" else "buy"
        book.apply(side, t.trade_symbol, t.units, t.total_price)
        book.hold({i.symbol: i.units for i in result.cargo.inventory})
        book.credits = result.agent.credits
        if side == "buy" and (book.credits < self.guards.reserve or book.in_flight > self.guards.max_spend):
            book.breaches += 1
            self.ctx.log.error("GUARD BREACH: credits %d (reserve %d), in flight %d (max spend %d)", book.credits,
                               self.guards.reserve, book.in_flight, self.guards.max_spend)
        self.save(uow)

    def save(self, uow: UnitOfWork) -> None:
        save_progress(uow, self.ctx.player_id, self.run_id, ship_symbol=self.ship, command_type=self.command_type,
                      container_id=self.ctx.container_id, state=self.book.as_state(), now=self.ctx.clock.now())


def _row(market: Market, good: str) -> TradeGood | None:
    return next((g for g in market.trade_goods if g.symbol == good), None)
