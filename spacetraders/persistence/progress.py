"""TEMPORARY STUB of the lead's progress module (API from BRIEF_COMMON.md): replaced by main's at merge.

Keeps each run's state as JSON in the preferences table (no schema of its own).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from spacetraders.persistence.preferences import get_preference, set_preference
from spacetraders.persistence.unit_of_work import UnitOfWork


def _key(player_id: int, run_id: str) -> str:
    return f"progress:{player_id}:{run_id}"


def load_progress(session: Session, player_id: int, run_id: str) -> dict[str, Any] | None:
    raw = get_preference(session, _key(player_id, run_id))
    return None if raw is None else dict(json.loads(raw)["state"])


def save_progress(uow: UnitOfWork, player_id: int, run_id: str, *, ship_symbol: str, command_type: str,
                  container_id: str, state: dict[str, Any], now: datetime) -> None:
    set_preference(uow.session, _key(player_id, run_id), json.dumps({
        "ship": ship_symbol, "command_type": command_type, "container_id": container_id, "state": state,
        "at": now.isoformat()}))
