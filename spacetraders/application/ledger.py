"""The ledger's use cases: turn an API result into a ledger entry, record it, list and report.

Recording a credit change, inside the caller's unit of work (one transaction with the step):

    with db.transaction() as uow:
        ...                                   # write the step's outcome
        record_entry(uow, entry_for_trade(result, player_id=p, container_id=cid, at=now))

The `entry_for_*` builders map each money-moving API result to one entry; `record_entry`
adds it to the transaction (never commits). The CLI and the web API share `list_view` and
`report_view`, which return JSON-ready dicts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from spacetraders.api.models import RefuelResult
from spacetraders.api.trade_models import ContractResult, ShipPurchase, TradeResult
from spacetraders.domain.durations import duration_seconds
from spacetraders.persistence.database import Database
from spacetraders.persistence.ledger import (
    LedgerEntry,
    LedgerFilter,
    LedgerKind,
    ReportBy,
    list_entries,
    record_entry,
    report,
)
from spacetraders.persistence.models import Ledger

__all__ = [
    "LedgerEntry", "LedgerFilter", "LedgerKind", "ReportBy", "record_entry",
    "entry_for_trade", "entry_for_refuel", "entry_for_ship_purchase", "entry_for_contract", "entry_for_jump",
    "parse_since", "list_view", "report_view", "MAX_SINCE",
]

MAX_SINCE = timedelta(days=3650)  # a --since further back than ten years is a typo


# --- builders: one per money-moving API result -------------------------------------------


def entry_for_trade(
    result: TradeResult, *, player_id: int, at: datetime, container_id: str | None = None
) -> LedgerEntry:
    """A purchase (spend) or a sale (income) of cargo."""
    t = result.transaction
    sale = t.type.upper() == "SELL"
    return LedgerEntry(
        player_id=player_id, at=at, kind=LedgerKind.SALE if sale else LedgerKind.PURCHASE,
        total=t.total_price if sale else -t.total_price, credits_after=result.agent.credits,
        ship_symbol=t.ship_symbol, container_id=container_id, good=t.trade_symbol, units=t.units,
        unit_price=t.price_per_unit, waypoint_symbol=t.waypoint_symbol,
    )


def entry_for_refuel(
    result: RefuelResult, *, player_id: int, ship_symbol: str, at: datetime,
    container_id: str | None = None, waypoint_symbol: str | None = None,
) -> LedgerEntry:
    """Fuel bought at a market (`units` are market units: 1 = 100 ship fuel)."""
    units = result.units or None
    return LedgerEntry(
        player_id=player_id, at=at, kind=LedgerKind.REFUEL, total=-result.price, credits_after=result.credits,
        ship_symbol=ship_symbol, container_id=container_id, good="FUEL", units=units,
        unit_price=round(result.price / units) if units else None, waypoint_symbol=waypoint_symbol,
    )


def entry_for_ship_purchase(
    result: ShipPurchase, *, player_id: int, at: datetime, buyer_ship: str | None = None,
    container_id: str | None = None,
) -> LedgerEntry:
    """A ship bought at a yard; `good` is its type, `reference` the new ship's symbol."""
    t = result.transaction
    return LedgerEntry(
        player_id=player_id, at=at, kind=LedgerKind.SHIP_PURCHASE, total=-t.price,
        credits_after=result.agent.credits, ship_symbol=buyer_ship, container_id=container_id,
        good=t.ship_type, units=1, unit_price=t.price, waypoint_symbol=t.waypoint_symbol,
        reference=result.ship.symbol,
    )


def entry_for_contract(
    result: ContractResult, *, player_id: int, at: datetime, fulfilled: bool,
    ship_symbol: str | None = None, container_id: str | None = None,
) -> LedgerEntry:
    """The advance paid on accepting a contract, or the payment on fulfilling it."""
    c = result.contract
    return LedgerEntry(
        player_id=player_id, at=at,
        kind=LedgerKind.CONTRACT_FULFILLED if fulfilled else LedgerKind.CONTRACT_ACCEPTED,
        total=c.on_fulfilled if fulfilled else c.on_accepted, credits_after=result.agent.credits,
        ship_symbol=ship_symbol, container_id=container_id, reference=c.id,
    )


def entry_for_jump(
    *, player_id: int, at: datetime, ship_symbol: str, fee: int, credits_after: int,
    destination: str | None = None, container_id: str | None = None,
) -> LedgerEntry:
    """The antimatter fee of a jump (the API's jump response carries fee and agent)."""
    return LedgerEntry(
        player_id=player_id, at=at, kind=LedgerKind.JUMP, total=-fee, credits_after=credits_after,
        ship_symbol=ship_symbol, container_id=container_id, good="ANTIMATTER", waypoint_symbol=destination,
    )


# --- queries shared by the CLI and the web API -------------------------------------------


def parse_since(text: str, now: datetime) -> datetime:
    """`--since`: a duration back from now (90s, 30m, 1h30m, 2d, 1w) or an ISO 8601 instant.

    Raises ValueError with a one-line reason; at most MAX_SINCE back, never in the future.
    """
    raw = text.strip()
    seconds = duration_seconds(raw)
    if seconds is not None:
        if seconds > MAX_SINCE.total_seconds():
            raise ValueError(f"{raw!r} reaches back more than {MAX_SINCE.days} days")
        return now - timedelta(seconds=seconds)
    if len(raw) > 40:
        raise ValueError(f"expected a duration like 2h or 3d, or an ISO date/time, not {raw[:20]!r}...")
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"expected a duration like 2h or 3d, or an ISO date/time, not {raw!r}") from None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    if when > now:
        raise ValueError(f"{raw!r} is in the future")
    if now - when > MAX_SINCE:
        raise ValueError(f"{raw!r} reaches back more than {MAX_SINCE.days} days")
    return when


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _row(r: Ledger) -> dict[str, Any]:
    return {
        "entry_id": r.entry_id, "at": _iso(r.at), "player_id": r.player_id, "ship_symbol": r.ship_symbol,
        "container_id": r.container_id, "kind": r.kind, "good": r.good, "units": r.units,
        "unit_price": r.unit_price, "total": r.total, "credits_after": r.credits_after,
        "waypoint_symbol": r.waypoint_symbol, "reference": r.reference,
    }


def list_view(db: Database, f: LedgerFilter, *, limit: int) -> dict[str, Any]:
    """Entries newest first, as JSON-ready dicts."""
    with db.read() as session:
        rows = [_row(r) for r in list_entries(session, f, limit=limit)]
    return {"entries": rows}


def report_view(db: Database, f: LedgerFilter, by: ReportBy) -> dict[str, Any]:
    """Income, spend and net per group, plus the totals."""
    with db.read() as session:
        groups = report(session, f, by)
    rows = [{"key": g.key, "entries": g.entries, "income": g.income, "spend": g.spend, "net": g.net} for g in groups]
    income, spend = sum(g.income for g in groups), sum(g.spend for g in groups)
    return {
        "by": str(by), "groups": rows,
        "total": {"entries": sum(g.entries for g in groups), "income": income, "spend": spend, "net": income + spend},
    }
