"""What every command gets: settings, output mode, and lazily the database."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import typer
from rich.console import Console

from spacetraders.persistence.database import Database
from spacetraders.persistence.migrations import ensure_schema
from spacetraders.settings import Settings


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
            self._db = Database(self.settings.database_url)
            if migrate:
                ensure_schema(self._db)
        return self._db

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
