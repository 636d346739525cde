"""What every command gets: settings, output mode, and lazily the database."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

from spacetraders.errors import ConfigError
from spacetraders.settings import Settings

if TYPE_CHECKING:  # imported where used, so a command loads only what it needs
    from spacetraders.api.client import SpaceTradersClient
    from spacetraders.persistence.database import Database
    from spacetraders.persistence.models import Player

T = TypeVar("T")


@dataclass
class AppContext:
    settings: Settings
    json: bool = False
    verbose: bool = False
    console: Console = field(default_factory=Console)
    _db: Database | None = None

    def database(self, *, migrate: bool = True) -> Database:
        """Open the database once per run; a fresh one is brought up to the schema first."""
        if self._db is None:
            from spacetraders.persistence.database import Database
            from spacetraders.persistence.migrations import ensure_schema

            self._db = Database(self.settings.database_url)
            if migrate:
                ensure_schema(self._db)
        return self._db

    def player(self, *, required: bool = True) -> Player | None:
        """The player to act for: --player / SPACETRADERS_PLAYER, else the default, else the only one."""
        from spacetraders.persistence.players import PlayerRepository
        from spacetraders.persistence.preferences import DEFAULT_PLAYER_KEY, get_preference

        with self.database().read() as session:
            players = PlayerRepository(session)
            ident = self.settings.player or get_preference(session, DEFAULT_PLAYER_KEY)
            player: Player | None
            if ident:
                player = players.resolve(ident)
            else:
                everyone = players.list()
                player = everyone[0] if len(everyone) == 1 else None
                if player is None and required:
                    raise ConfigError(
                        "no player chosen: pass --player ID|SYMBOL or run `spacetraders player use SYMBOL`"
                        if everyone
                        else "no player yet: run `spacetraders player register` or `spacetraders player add`"
                    )
            if player is not None:
                session.expunge(player)
            return player

    def api(self, token: str | None = None) -> SpaceTradersClient:
        """A client for the configured game server (SPACETRADERS_API_URL)."""
        from spacetraders.api.client import SpaceTradersClient

        return SpaceTradersClient(self.settings.api_url, token)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run an async use case from a synchronous command."""
        return asyncio.run(coroutine)

    def emit(self, data: Any, render: Callable[[Console], None] | None = None) -> None:
        """One JSON document on stdout with --json; otherwise the human rendering."""
        if self.json or render is None:
            sys.stdout.write(json.dumps(data, default=_json_default, indent=2, sort_keys=False) + "\n")
        else:
            render(self.console)

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


def app_context(ctx: typer.Context) -> AppContext:
    root = ctx.find_root()
    assert isinstance(root.obj, AppContext), "global callback did not run"
    return root.obj


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if hasattr(value, "value"):
        return value.value
    return str(value)
