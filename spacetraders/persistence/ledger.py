"""The ledger table: write one credit change, list them, and sum them by day/kind/ship/container.

`record_entry` never commits: it adds the row to the caller's session, so the entry lands
in the same transaction as the step's outcome (or in none, if that transaction rolls back).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, SQLColumnExpression

from spacetraders.persistence.models import LEDGER_INCOME_KINDS, LEDGER_SPEND_KINDS, Ledger
from spacetraders.persistence.unit_of_work import UnitOfWork


class LedgerKind(StrEnum):
    SALE = "sale"
    CONTRACT_ACCEPTED = "contract_accepted"
    CONTRACT_FULFILLED = "contract_fulfilled"
    PURCHASE = "purchase"
    REFUEL = "refuel"
    SHIP_PURCHASE = "ship_purchase"
    JUMP = "jump"

    @property
    def is_income(self) -> bool:
        return self.value in LEDGER_INCOME_KINDS


assert {k.value for k in LedgerKind} == set(LEDGER_INCOME_KINDS + LEDGER_SPEND_KINDS)


class ReportBy(StrEnum):
    DAY = "day"
    KIND = "kind"
    SHIP = "ship"
    CONTAINER = "container"


@dataclass(frozen=True)
class LedgerEntry:
    """One credit change. `total` is signed: income positive, spend negative."""

    player_id: int
    at: datetime
    kind: LedgerKind
    total: int
    credits_after: int
    ship_symbol: str | None = None
    container_id: str | None = None
    good: str | None = None
    units: int | None = None
    unit_price: int | None = None
    waypoint_symbol: str | None = None
    reference: str | None = None

    def __post_init__(self) -> None:
        # The database checks these too; failing here names the mistake instead of a constraint.
        kind = LedgerKind(self.kind)
        if kind.is_income and self.total < 0:
            raise ValueError(f"ledger {kind} must not be negative (got {self.total})")
        if not kind.is_income and self.total > 0:
            raise ValueError(f"ledger {kind} is a spend: total must not be positive (got {self.total})")
        if self.units is not None and self.units <= 0:
            raise ValueError(f"ledger units must be positive (got {self.units})")
        if self.unit_price is not None and self.unit_price < 0:
            raise ValueError(f"ledger unit price must not be negative (got {self.unit_price})")


@dataclass(frozen=True)
class LedgerFilter:
    player_id: int | None = None
    since: datetime | None = None
    ship_symbol: str | None = None
    kind: LedgerKind | None = None


def record_entry(target: UnitOfWork | Session, entry: LedgerEntry) -> int:
    """Add `entry` inside the caller's transaction (flushed, not committed); returns its id."""
    session = target.session if isinstance(target, UnitOfWork) else target
    row = Ledger(
        player_id=entry.player_id, at=entry.at, kind=str(entry.kind), total=entry.total,
        credits_after=entry.credits_after, ship_symbol=entry.ship_symbol, container_id=entry.container_id,
        good=entry.good, units=entry.units, unit_price=entry.unit_price,
        waypoint_symbol=entry.waypoint_symbol, reference=entry.reference,
    )
    session.add(row)
    session.flush()
    return row.entry_id


def _where(query: Any, f: LedgerFilter) -> Any:
    if f.player_id is not None:
        query = query.where(Ledger.player_id == f.player_id)
    if f.since is not None:
        query = query.where(Ledger.at >= f.since)
    if f.ship_symbol is not None:
        query = query.where(Ledger.ship_symbol == f.ship_symbol)
    if f.kind is not None:
        query = query.where(Ledger.kind == str(f.kind))
    return query


def list_entries(session: Session, f: LedgerFilter, *, limit: int) -> list[Ledger]:
    """Newest first."""
    query = _where(select(Ledger), f).order_by(Ledger.at.desc(), Ledger.entry_id.desc()).limit(limit)
    return list(session.scalars(query))


@dataclass(frozen=True)
class ReportRow:
    key: str | None  # the day (YYYY-MM-DD), kind, ship or container; None: no ship / no container
    entries: int
    income: int
    spend: int  # negative or zero
    net: int


def _day(session: Session) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "sqlite":
        return func.date(Ledger.at)  # stored as naive UTC text
    return cast(func.timezone("UTC", Ledger.at), Date)


def report(session: Session, f: LedgerFilter, by: ReportBy) -> list[ReportRow]:
    """Income, spend and net per group, ordered by the group key (nulls last)."""
    key: SQLColumnExpression[Any] = {
        ReportBy.DAY: _day(session),
        ReportBy.KIND: Ledger.kind,
        ReportBy.SHIP: Ledger.ship_symbol,
        ReportBy.CONTAINER: Ledger.container_id,
    }[by]
    income = func.coalesce(func.sum(case((Ledger.total > 0, Ledger.total), else_=0)), 0)
    spend = func.coalesce(func.sum(case((Ledger.total < 0, Ledger.total), else_=0)), 0)
    query = _where(
        select(key.label("key"), func.count().label("entries"), income.label("income"), spend.label("spend")), f
    ).group_by(key).order_by(key.is_(None), key)
    rows = []
    for r in session.execute(query):
        label = r.key.isoformat() if isinstance(r.key, date) else r.key
        rows.append(ReportRow(label, int(r.entries), int(r.income), int(r.spend), int(r.income) + int(r.spend)))
    return rows
