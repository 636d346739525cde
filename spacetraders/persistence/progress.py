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
    return None if row is None else _parse(row.state)


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


def load_progress_of_runs(session: Session, runs: list[tuple[int, str]]) -> dict[tuple[int, str], dict[str, Any]]:
    """The progress of several (player, run id) pairs in one query (the map's live runs)."""
    if not runs:
        return {}
    players = {player for player, _ in runs}
    rows = session.scalars(select(RunProgress).where(RunProgress.player_id.in_(players),
                                                     RunProgress.run_id.in_({run for _, run in runs})))
    wanted = set(runs)
    found: dict[tuple[int, str], dict[str, Any]] = {}
    for row in rows:
        state = _parse(row.state)
        if (row.player_id, row.run_id) in wanted and state is not None:
            found[(row.player_id, row.run_id)] = state
    return found


def _parse(text: str) -> dict[str, Any] | None:
    try:
        state = json.loads(text)
    except ValueError:
        return None  # a hand-edited row: the operation reconciles from the server instead
    return state if isinstance(state, dict) else None
