"""Where things live: data directory, database URL, API base URL, default player.

A setting that is present but empty (`SPACETRADERS_API_URL=`, `--db ""`) is an error rather than
a silent fall-back to the default: falling back would point a test set-up at the real game server
or a real fleet at a fresh database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from spacetraders.errors import ConfigError

REAL_API_URL = "https://api.spacetraders.io/v2"


def _env(name: str) -> str | None:
    """The variable's value; None when unset; an error when set to nothing."""
    raw = os.environ.get(name)
    if raw is None:
        return None
    if not raw.strip():
        raise ConfigError(f"{name} is set but empty: give it a value or unset it")
    return raw.strip()


def data_dir() -> Path:
    """SPACETRADERS_DATA_DIR, else the user's XDG data directory; created 0700."""
    raw = _env("SPACETRADERS_DATA_DIR")
    if raw:
        path = Path(raw).expanduser()
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("spacetraders"))
    if path.exists() and not path.is_dir():
        raise ConfigError(f"the data directory {path} is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ConfigError(f"cannot create the data directory {path}: {exc.strerror or exc}") from None
    return path


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'spacetraders.db'}"


def check_api_url(url: str, source: str = "SPACETRADERS_API_URL") -> str:
    """An http(s) base URL with a host, e.g. http://127.0.0.1:8777/v2; one clear line otherwise."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises for a port that is not a number in range
    except ValueError as exc:
        raise ConfigError(f"{source} is not a valid URL ({exc}): expected e.g. {REAL_API_URL}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{source} must be an http:// or https:// URL with a host, e.g. {REAL_API_URL}")
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str
    api_url: str
    player: str | None = None

    @classmethod
    def load(cls, *, db: str | None = None, player: str | None = None) -> Settings:
        for option, value in (("--db", db), ("--player", player)):
            if value is not None and not value.strip():
                raise ConfigError(f"{option} is empty: give a value or leave the option out")
        api_url = _env("SPACETRADERS_API_URL")
        return cls(
            database_url=db or _env("SPACETRADERS_DATABASE_URL") or default_database_url(),
            api_url=check_api_url(api_url) if api_url is not None else REAL_API_URL,
            player=player or _env("SPACETRADERS_PLAYER"),
        )
