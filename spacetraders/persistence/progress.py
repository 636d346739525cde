"""TEMPORARY STAND-IN (untracked) for the lead's progress.py: same API, kept in memory."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from spacetraders.persistence.unit_of_work import UnitOfWork

_STATES: dict[tuple[str, int, str], str] = {}


def _key(session: Session, player_id: int, run_id: str) -> tuple[str, int, str]:
    return (str(session.get_bind().engine.url), player_id, run_id)


def load_progress(session: Session, player_id: int, run_id: str) -> dict[str, Any] | None:
    raw = _STATES.get(_key(session, player_id, run_id))
    return None if raw is None else dict(json.loads(raw))


def save_progress(uow: UnitOfWork, player_id: int, run_id: str, *, ship_symbol: str, command_type: str,
                  container_id: str, state: dict[str, Any], now: datetime) -> None:
    _STATES[_key(uow.session, player_id, run_id)] = json.dumps(state)
