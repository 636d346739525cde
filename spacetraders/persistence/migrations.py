"""Schema migrations through Alembic, run on our own engine.

Alembic is imported only when there is migrating (or a revision to look up) to do: a database
already at `HEAD_REVISION` is recognised with one query, so a cron run does not pay for it.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, text

from spacetraders.errors import SpacetradersError
from spacetraders.persistence.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration in spacetraders/migrations/versions (tests/cli/test_db_commands.py
# checks it against the script directory, so a new migration cannot forget it).
HEAD_REVISION = "0009"

VERSION_TABLE = "alembic_version"


class SchemaTooNew(SpacetradersError):
    """The database was migrated by a newer version of spacetraders than this one."""

    def __init__(self, found: str, known: str | None) -> None:
        super().__init__(
            f"database schema is at revision {found}, newer than this version of spacetraders knows "
            f"(its newest is {known}): use the version that migrated it"
        )


def _script_location() -> str:
    """The migration scripts ship inside the package, so a wheel install can migrate too
    (setuptools installs packages as plain directories, which Alembic needs)."""
    return str(files("spacetraders") / "migrations")


def alembic_config(db: Database) -> Config:
    from alembic.config import Config

    # No ini file: the package carries everything Alembic needs (the top-level alembic.ini is
    # only for developers who run `alembic` by hand).
    config = Config()
    config.set_main_option("script_location", _script_location())
    config.set_main_option("sqlalchemy.url", db.url.render_as_string(hide_password=False).replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def head_revision(db: Database) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()


def is_known_revision(db: Database, revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(alembic_config(db)).get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(db: Database) -> str | None:
    """The revision recorded in the database (None for an empty one), read without Alembic."""
    with db._translate_errors(), db.engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def check_not_newer(db: Database, current: str | None) -> None:
    """Refuse a database migrated by a newer version: there is nothing this one can do with it."""
    if current is not None and current != HEAD_REVISION and not is_known_revision(db, current):
        raise SchemaTooNew(current, head_revision(db))


def upgrade(db: Database, revision: str = "head") -> list[str]:
    """Migrate up; returns what the migrations repaired on the way (one line each, also logged)."""
    check_not_newer(db, current_revision(db))
    return _run(db, "upgrade", revision)


def downgrade(db: Database, revision: str) -> None:
    _run(db, "downgrade", revision)


def ensure_schema(db: Database) -> None:
    """Bring a fresh database (or any SQLite file) to head; ask for `db upgrade` otherwise.

    A shared PostgreSQL schema is only migrated by a deliberate `spacetraders db upgrade`,
    so that one old CLI cannot surprise the daemons sharing it.
    """
    current = current_revision(db)
    if current == HEAD_REVISION:
        return
    check_not_newer(db, current)
    if current is None or db.is_sqlite:
        upgrade(db)
        return
    raise SpacetradersError(
        f"database schema is at {current}, this version needs {HEAD_REVISION}: run `spacetraders db upgrade`"
    )


def _run(db: Database, name: str, revision: str) -> list[str]:
    from alembic import command
    from alembic.util import CommandError

    fn: Callable[[Any, str], None] = getattr(command, name)
    config = alembic_config(db)
    try:
        with db._translate_errors(), db.engine.begin() as connection:
            config.attributes["connection"] = connection
            fn(config, revision)
    except CommandError as exc:  # e.g. an unknown target revision
        raise SpacetradersError(f"cannot {name} the database to {revision!r}: {exc}") from None
    return list(config.attributes.get("upgrade_notes", []))
