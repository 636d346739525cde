"""Per-database settings such as the default player."""

from __future__ import annotations

from sqlalchemy.orm import Session

from spacetraders.persistence.models import Preference

DEFAULT_PLAYER_KEY = "default_player"


def get_preference(session: Session, key: str) -> str | None:
    row = session.get(Preference, key)
    return row.value if row else None


def set_preference(session: Session, key: str, value: str) -> None:
    row = session.get(Preference, key)
    if row is None:
        session.add(Preference(key=key, value=value))
    else:
        row.value = value
