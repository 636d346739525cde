"""Per-run progress of long operations: one small JSON state per (player, run id).

`save_progress` never commits: it joins the caller's transaction, so progress lands with
the step's outcome and ledger row or not at all.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spacetraders.persistence.models import RunProgress
from spacetraders.persistence.unit_of_work import UnitOfWork


def load_progress(session: Session, player_id: int, run_id: str) -> dict[str, Any] | None:
    row = session.get(RunProgress, (player_id, run_id))
    if row is None:
        return None
    try:
        state = json.loads(row.state)
    except ValueError:
        return None  # a hand-edited row: the operation reconciles from the server instead
    return state if isinstance(state, dict) else None


def save_progress(
    uow: UnitOfWork, player_id: int, run_id: str, *, ship_symbol: str, command_type: str,
    container_id: str, state: dict[str, Any], now: datetime,
) -> None:
    text = json.dumps(state, allow_nan=False, sort_keys=True, default=str)
    row = uow.session.get(RunProgress, (player_id, run_id))
    if row is None:
        uow.session.add(RunProgress(player_id=player_id, run_id=run_id, ship_symbol=ship_symbol,
                                    command_type=command_type, container_id=container_id, state=text,
                                    updated_at=now))
        return
    row.ship_symbol, row.command_type, row.container_id = ship_symbol, command_type, container_id
    row.state, row.updated_at = text, now


def progress_by_ship(session: Session, player_id: int, ship_symbols: list[str]) -> dict[str, dict[str, Any]]:
    """The latest run progress of each ship (for the map and `container inspect`)."""
    if not ship_symbols:
        return {}
    rows = session.scalars(
        select(RunProgress)
        .where(RunProgress.player_id == player_id, RunProgress.ship_symbol.in_(ship_symbols))
        .order_by(RunProgress.updated_at)
    )
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        try:
            state = json.loads(row.state)
        except ValueError:
            continue
        if isinstance(state, dict):
            latest[row.ship_symbol] = {**state, "run_id": row.run_id, "command_type": row.command_type,
                                       "container_id": row.container_id, "updated_at": row.updated_at.isoformat()}
    return latest
