"""The ledger's use cases: turn an API result into a ledger entry, record it, list and report.

Recording a credit change, inside the caller's unit of work (one transaction with the step):

    with db.transaction() as uow:
        ...                                   # write the step's outcome
        record_entry(uow, entry_for_trade(result, player_id=p, container_id=cid, at=now))

The `entry_for_*` builders (persistence/ledger_entries.py, so that operations running in
containers build their rows with them too) map each money-moving API result to one entry; `record_entry`
adds it to the transaction (never commits). The CLI and the web API share `list_view` and
`report_view`, which return JSON-ready dicts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

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
from spacetraders.persistence.ledger_entries import (
    entry_for_contract,
    entry_for_jump,
    entry_for_refuel,
    entry_for_ship_purchase,
    entry_for_trade,
)
from spacetraders.persistence.models import Ledger

__all__ = [
    "LedgerEntry", "LedgerFilter", "LedgerKind", "ReportBy", "record_entry",
    "entry_for_trade", "entry_for_refuel", "entry_for_ship_purchase", "entry_for_contract", "entry_for_jump",
    "parse_since", "list_view", "report_view", "MAX_SINCE",
]

MAX_SINCE = timedelta(days=3650)  # a --since further back than ten years is a typo


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
