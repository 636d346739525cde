"""Where things live: data directory, database URL, API base URL, default player."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

REAL_API_URL = "https://api.spacetraders.io/v2"


def data_dir() -> Path:
    """SPACETRADERS_DATA_DIR, else the user's XDG data directory; created 0700."""
    raw = os.environ.get("SPACETRADERS_DATA_DIR")
    path = Path(raw).expanduser() if raw else Path(platformdirs.user_data_dir("spacetraders"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'spacetraders.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    api_url: str
    player: str | None = None

    @classmethod
    def load(cls, *, db: str | None = None, player: str | None = None) -> Settings:
        return cls(
            database_url=db or os.environ.get("SPACETRADERS_DATABASE_URL") or default_database_url(),
            api_url=os.environ.get("SPACETRADERS_API_URL") or REAL_API_URL,
            player=player or os.environ.get("SPACETRADERS_PLAYER") or None,
        )
