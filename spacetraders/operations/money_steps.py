"""Steps that move money, made so that a crash between the call and the write never repeats them.

Purchases, sales, refuels, deliveries, contract accepts and fulfilments, ship purchases and
jumps are not idempotent on the game server. Each goes through `MoneySteps.run`:

1. an intent row is committed before the call (with what the server showed before, where the
   outcome could not be told apart otherwise);
2. the call is made;
3. one transaction closes the intent, writes the ledger row and the caller's own writes
   (progress, the ship's state).

A kill between 2 and 3 leaves the intent open. `settle_open`, which every run calls first,
asks the server what happened (market transactions after the ship's last settled one, the
contract's progress, the fleet, the ship's system) and closes the intent, writing the ledger
row the crash lost. Only then does the operation act again, so it never buys or sells twice.
A refused call (the game said no) closes the intent as not done; a call whose answer was lost
(connection dropped after sending, 5xx) is reconciled at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from spacetraders.api.errors import ApiError, ApiUnavailableError, RateLimitError, ServerError
from spacetraders.api.trade_models import MarketTransaction
from spacetraders.persistence.intents import (
    IntentRow,
    done_before,
    last_fill_at,
    open_intent,
    open_intent_of,
    settle_intent,
)
from spacetraders.persistence.ledger import LedgerEntry, LedgerKind, record_entry
from spacetraders.persistence.models import MoneyIntent
from spacetraders.persistence.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from spacetraders.operations.base import ContainerContext

T = TypeVar("T")
logger = logging.getLogger(__name__)

# Our clock and the server's differ by a little; a first step of a ship looks this far back.
CLOCK_SKEW = timedelta(seconds=30)


class StepKind(StrEnum):
    PURCHASE = "purchase"
    SELL = "sell"
    REFUEL = "refuel"
    SHIP_PURCHASE = "ship_purchase"
    DELIVER = "deliver"
    FULFIL = "fulfil"
    ACCEPT = "accept"
    JUMP = "jump"


@dataclass(frozen=True)
class StepIntent:
    kind: StepKind
    ship_symbol: str
    good: str | None = None  # trade good, FUEL, or the ship type of a SHIP_PURCHASE
    units: int | None = None
    waypoint_symbol: str | None = None
    reference: str | None = None  # contract id (DELIVER/FULFIL/ACCEPT), jump destination gate


@dataclass(frozen=True)
class Settled:
    """What reconciling an intent left open by a crash found."""

    intent: StepIntent
    happened: bool
    entry: LedgerEntry | None
    detail: str


class Unsettled(RuntimeError):
    """The server cannot tell (yet) whether an open step happened; the intent stays open."""


@dataclass(frozen=True)
class _Evidence:
    happened: bool
    detail: str
    entry: LedgerEntry | None = None
    server_at: datetime | None = None


def _system_of(waypoint: str) -> str:
    return "-".join(waypoint.split("-")[:2])


def _server_time(result: object) -> datetime | None:
    """The server's time of a trade's fill: later reconciles look only past it."""
    transaction = getattr(result, "transaction", None)
    timestamp = getattr(transaction, "timestamp", None) or getattr(result, "timestamp", None)
    return timestamp if isinstance(timestamp, datetime) else None


def refused(exc: ApiError) -> bool:
    """The game answered no: nothing happened. Lost answers and 5xx may hide a success."""
    if isinstance(exc, (ApiUnavailableError, ServerError, RateLimitError)) or exc.after_lost_attempt:
        return False
    return exc.status is not None and 400 <= exc.status < 500


class MoneySteps:
    def __init__(self, ctx: ContainerContext) -> None:
        self.ctx = ctx

    # -- the step --------------------------------------------------------------------------

    async def run(
        self,
        intent: StepIntent,
        call: Callable[[], Awaitable[T]],
        entry: Callable[[T], LedgerEntry | None],
        also: Callable[[UnitOfWork, T], None] | None = None,
    ) -> T:
        snapshot = await self._snapshot(intent)
        intent_id = await asyncio.to_thread(self._open, intent, snapshot)
        try:
            result = await call()
        except ApiError as exc:
            if refused(exc):
                await asyncio.to_thread(self._close, intent_id, False, f"refused: {exc}", None, None)
                raise
            # The answer was lost: settle now if the server can tell, else leave it open for the next start.
            settled = await self.settle_open(intent.ship_symbol)
            self.ctx.log.warning("%s of %s lost its answer (%s); the server shows it %s", intent.kind,
                                 intent.ship_symbol, exc, "happened" if settled and settled.happened else "did not happen")
            raise
        row = entry(result)
        await asyncio.to_thread(self._close, intent_id, True, "response", row,
                                (lambda uow: also(uow, result)) if also else None, _server_time(result))
        return result

    async def settle_open(self, ship_symbol: str) -> Settled | None:
        """Reconcile the ship's open intent with the server, if there is one, and close it."""
        row = await asyncio.to_thread(self._read_open, ship_symbol)
        if row is None:
            return None
        intent = StepIntent(StepKind(row.kind), row.ship_symbol, row.good, row.units, row.waypoint_symbol,
                            row.reference)
        try:
            evidence = await self._evidence(row)
        except ApiError as exc:
            raise Unsettled(f"cannot tell whether {row.kind} of {ship_symbol} happened: {exc}") from exc
        await asyncio.to_thread(self._close, row.intent_id, evidence.happened, f"reconciled: {evidence.detail}",
                                evidence.entry, None, evidence.server_at)
        self.ctx.log.warning("Reconciled an unsettled %s of %s: %s", row.kind, ship_symbol, evidence.detail)
        return Settled(intent, evidence.happened, evidence.entry, evidence.detail)

    # -- database --------------------------------------------------------------------------

    def _open(self, intent: StepIntent, snapshot: dict[str, Any]) -> int:
        with self.ctx.db.transaction() as uow:
            return open_intent(uow, MoneyIntent(
                player_id=self.ctx.player_id, ship_symbol=intent.ship_symbol, container_id=self.ctx.container_id,
                kind=intent.kind.value, good=intent.good, units=intent.units, waypoint_symbol=intent.waypoint_symbol,
                reference=intent.reference, snapshot=json.dumps(snapshot) if snapshot else None,
                created_at=self.ctx.clock.now(),
            ))

    def _close(
        self, intent_id: int, happened: bool, resolution: str, entry: LedgerEntry | None,
        also: Callable[[UnitOfWork], None] | None, server_at: datetime | None = None,
    ) -> None:
        with self.ctx.db.transaction() as uow:
            settle_intent(uow, intent_id, happened=happened, now=self.ctx.clock.now(), resolution=resolution,
                          server_at=server_at)
            if entry is not None:
                record_entry(uow, entry)
            if also is not None:
                also(uow)

    def _read_open(self, ship_symbol: str) -> IntentRow | None:
        with self.ctx.db.read() as session:
            return open_intent_of(session, self.ctx.player_id, ship_symbol)

    def _accounting(self, row: IntentRow) -> tuple[datetime | None, int]:
        since = row.created_at - CLOCK_SKEW
        with self.ctx.db.read() as session:
            return last_fill_at(session, row), done_before(session, row, since)

    # -- what the server shows -------------------------------------------------------------

    async def _snapshot(self, intent: StepIntent) -> dict[str, Any]:
        """Before the call, what later tells the outcome apart where transactions do not."""
        api = self.ctx.api
        if intent.kind is StepKind.DELIVER and intent.reference:
            contract = await api.get_contract(intent.reference)
            done = {d.trade_symbol: d.units_fulfilled for d in contract.deliver}
            return {"units_fulfilled": done.get(intent.good or "", 0)}
        if intent.kind is StepKind.SHIP_PURCHASE:
            ships = await api.list_ships()
            return {"ships": sorted(s.symbol for s in ships), "credits": (await api.get_agent()).credits}
        if intent.kind is StepKind.JUMP:
            return {"credits": (await api.get_agent()).credits}
        return {}

    async def _evidence(self, row: IntentRow) -> _Evidence:
        kind = StepKind(row.kind)
        if kind in (StepKind.PURCHASE, StepKind.SELL, StepKind.REFUEL):
            return await self._trade_evidence(row, kind)
        if kind is StepKind.DELIVER:
            return await self._deliver_evidence(row)
        if kind in (StepKind.ACCEPT, StepKind.FULFIL):
            return await self._contract_evidence(row, kind)
        if kind is StepKind.SHIP_PURCHASE:
            return await self._ship_purchase_evidence(row)
        return await self._jump_evidence(row)

    def _entry(self, row: IntentRow, kind: LedgerKind, total: int, credits_after: int, at: datetime,
               **fields: Any) -> LedgerEntry:
        return LedgerEntry(player_id=self.ctx.player_id, at=at, kind=kind, total=total, credits_after=credits_after,
                           ship_symbol=row.ship_symbol, container_id=self.ctx.container_id, **fields)

    async def _trade_evidence(self, row: IntentRow, kind: StepKind) -> _Evidence:
        if not row.waypoint_symbol:
            raise Unsettled(f"{row.kind} of {row.ship_symbol} has no waypoint to check")
        ship = await self.ctx.api.get_ship(row.ship_symbol)
        if ship.nav.waypoint_symbol != row.waypoint_symbol:
            raise Unsettled(f"{row.ship_symbol} left {row.waypoint_symbol}: its transactions there are not visible")
        market = await self.ctx.api.get_market(_system_of(row.waypoint_symbol), row.waypoint_symbol)
        good = "FUEL" if kind is StepKind.REFUEL else row.good
        side = "SELL" if kind is StepKind.SELL else "PURCHASE"
        # The ship's steps are serial, so its fills have increasing server times. Fills after the
        # server time of its last recorded fill are new. Without one (a first step, or earlier
        # answers without a time), fills since just before the intent count, minus the ship's
        # earlier recorded steps of the same shape in that window.
        last_fill, done_in_window = await asyncio.to_thread(self._accounting, row)
        since = last_fill or row.created_at - CLOCK_SKEW
        matches = sorted(
            (t for t in (MarketTransaction.from_json(raw) for raw in market.raw.get("transactions") or ())
             if t.ship_symbol == row.ship_symbol and t.trade_symbol == good and t.type == side
             and (t.timestamp > since if last_fill else t.timestamp >= since)
             and (row.units is None or kind is StepKind.REFUEL or t.units == row.units)),
            key=lambda t: t.timestamp,
        )
        accounted = 0 if last_fill else done_in_window
        if len(matches) <= accounted:
            return _Evidence(False, f"no new {side} of {good} by {row.ship_symbol} at {row.waypoint_symbol} "
                                    f"({len(matches)} fill(s) since {since.isoformat()}, {accounted} already recorded)")
        t = matches[accounted]
        credits = (await self.ctx.api.get_agent()).credits
        ledger_kind = {StepKind.SELL: LedgerKind.SALE, StepKind.PURCHASE: LedgerKind.PURCHASE}.get(kind, LedgerKind.REFUEL)
        total = t.total_price if kind is StepKind.SELL else -t.total_price
        entry = self._entry(row, ledger_kind, total, credits, t.timestamp, good=good, units=t.units,
                            unit_price=t.price_per_unit, waypoint_symbol=row.waypoint_symbol)
        return _Evidence(True, f"{side} of {t.units} {good} at {t.price_per_unit} found in the market's transactions",
                         entry, t.timestamp)

    async def _deliver_evidence(self, row: IntentRow) -> _Evidence:
        contract = await self.ctx.api.get_contract(row.reference or "")
        now_done = {d.trade_symbol: d.units_fulfilled for d in contract.deliver}.get(row.good or "", 0)
        before = int(row.snapshot.get("units_fulfilled", 0))
        if now_done > before:
            return _Evidence(True, f"contract {contract.id}: {row.good} fulfilled {before} -> {now_done}")
        return _Evidence(False, f"contract {contract.id}: {row.good} still at {now_done} units")

    async def _contract_evidence(self, row: IntentRow, kind: StepKind) -> _Evidence:
        contract = await self.ctx.api.get_contract(row.reference or "")
        flag = contract.accepted if kind is StepKind.ACCEPT else contract.fulfilled
        if not flag:
            return _Evidence(False, f"contract {contract.id} is not {'accepted' if kind is StepKind.ACCEPT else 'fulfilled'}")
        credits = (await self.ctx.api.get_agent()).credits
        ledger_kind = LedgerKind.CONTRACT_ACCEPTED if kind is StepKind.ACCEPT else LedgerKind.CONTRACT_FULFILLED
        paid = contract.on_accepted if kind is StepKind.ACCEPT else contract.on_fulfilled
        entry = self._entry(row, ledger_kind, paid, credits, self.ctx.clock.now(), reference=contract.id)
        return _Evidence(True, f"contract {contract.id} shows it {ledger_kind.value.split('_')[1]}", entry)

    async def _ship_purchase_evidence(self, row: IntentRow) -> _Evidence:
        known = set(row.snapshot.get("ships") or ())
        ships = await self.ctx.api.list_ships()
        new = sorted(s.symbol for s in ships if s.symbol not in known and s.nav.waypoint_symbol == row.waypoint_symbol)
        if not new:
            return _Evidence(False, f"no new ship at {row.waypoint_symbol}")
        credits = (await self.ctx.api.get_agent()).credits
        before = row.snapshot.get("credits")
        price = max(0, int(before) - credits) if isinstance(before, int) else 0
        entry = self._entry(row, LedgerKind.SHIP_PURCHASE, -price, credits, self.ctx.clock.now(), good=row.good,
                            units=1, unit_price=price, waypoint_symbol=row.waypoint_symbol, reference=new[0])
        return _Evidence(True, f"new ship {new[0]} at {row.waypoint_symbol}", entry)

    async def _jump_evidence(self, row: IntentRow) -> _Evidence:
        ship = await self.ctx.api.get_ship(row.ship_symbol)
        target = row.reference or ""
        if ship.nav.waypoint_symbol != target:
            return _Evidence(False, f"{row.ship_symbol} is at {ship.nav.waypoint_symbol}, not {target}")
        credits = (await self.ctx.api.get_agent()).credits
        before = row.snapshot.get("credits")
        fee = max(0, int(before) - credits) if isinstance(before, int) else 0
        entry = self._entry(row, LedgerKind.JUMP, -fee, credits, self.ctx.clock.now(), good="ANTIMATTER",
                            waypoint_symbol=target)
        return _Evidence(True, f"{row.ship_symbol} is at {target}", entry)
