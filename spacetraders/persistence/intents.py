"""Rows of `money_intents`: open one before a non-idempotent call, settle it with the outcome.

Neither function commits. `open_intent` is meant for a transaction of its own (it must be
durable before the call); `settle_intent` joins the transaction that records the outcome.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from spacetraders.persistence.models import MoneyIntent
from spacetraders.persistence.types import rows_affected
from spacetraders.persistence.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class IntentRow:
    intent_id: int
    player_id: int
    ship_symbol: str
    container_id: str | None
    kind: str
    good: str | None
    units: int | None
    waypoint_symbol: str | None
    reference: str | None
    snapshot: dict[str, Any]
    created_at: datetime


class IntentAlreadyOpen(RuntimeError):
    """The ship has an unsettled step: reconcile it before making another."""


def open_intent(uow: UnitOfWork, row: MoneyIntent) -> int:
    if open_intent_of(uow.session, row.player_id, row.ship_symbol) is not None:
        raise IntentAlreadyOpen(f"{row.ship_symbol} has an unsettled money step")
    row.status = "open"
    uow.session.add(row)
    uow.session.flush()  # the partial unique index rejects a concurrent second open intent here
    return row.intent_id


def settle_intent(
    uow: UnitOfWork, intent_id: int, *, happened: bool, now: datetime, resolution: str,
    server_at: datetime | None = None,
) -> None:
    """Close an open intent; refuses (raises) if someone else already settled it."""
    result = uow.session.execute(
        update(MoneyIntent)
        .where(MoneyIntent.intent_id == intent_id, MoneyIntent.status == "open")
        .values(status="done" if happened else "not_done", settled_at=now, server_at=server_at,
                resolution=resolution[:500])
    )
    if rows_affected(result) != 1:
        raise IntentAlreadyOpen(f"money intent {intent_id} was settled by someone else")


def open_intent_of(session: Session, player_id: int, ship_symbol: str) -> IntentRow | None:
    row = session.scalars(
        select(MoneyIntent).where(MoneyIntent.player_id == player_id, MoneyIntent.ship_symbol == ship_symbol,
                                  MoneyIntent.status == "open")
    ).first()
    return None if row is None else _view(row)


def last_fill_at(session: Session, row: IntentRow) -> datetime | None:
    """The server time of the ship's latest fill before `row`: later fills are not yet accounted for."""
    return session.scalar(
        select(func.max(MoneyIntent.server_at)).where(
            MoneyIntent.player_id == row.player_id, MoneyIntent.ship_symbol == row.ship_symbol,
            MoneyIntent.status == "done", MoneyIntent.intent_id < row.intent_id,
        )
    )


def done_before(session: Session, row: IntentRow, since: datetime) -> int:
    """How many of the ship's earlier steps like `row` (kind, good, units) were made since `since`:
    that many matching server transactions in the window are already accounted for."""
    query = select(func.count()).select_from(MoneyIntent).where(
        MoneyIntent.player_id == row.player_id, MoneyIntent.ship_symbol == row.ship_symbol,
        MoneyIntent.kind == row.kind, MoneyIntent.status == "done", MoneyIntent.intent_id < row.intent_id,
        MoneyIntent.created_at >= since,
    )
    query = query.where(MoneyIntent.good == row.good) if row.good is not None else query
    query = query.where(MoneyIntent.units == row.units) if row.units is not None else query
    return int(session.scalar(query) or 0)


def _view(row: MoneyIntent) -> IntentRow:
    try:
        snapshot = json.loads(row.snapshot) if row.snapshot else {}
    except ValueError:
        snapshot = {}
    return IntentRow(
        intent_id=row.intent_id, player_id=row.player_id, ship_symbol=row.ship_symbol,
        container_id=row.container_id, kind=row.kind, good=row.good, units=row.units,
        waypoint_symbol=row.waypoint_symbol, reference=row.reference,
        snapshot=snapshot if isinstance(snapshot, dict) else {}, created_at=row.created_at,
    )
