"""Schema migrations through Alembic, run on our own engine."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from spacetraders.errors import SpacetradersError
from spacetraders.persistence.database import Database


def _script_location() -> str:
    """The migration scripts ship inside the package, so a wheel install can migrate too
    (setuptools installs packages as plain directories, which Alembic needs)."""
    return str(files("spacetraders") / "migrations")


def alembic_config(db: Database) -> Config:
    # No ini file: the package carries everything Alembic needs (the top-level alembic.ini is
    # only for developers who run `alembic` by hand).
    config = Config()
    config.set_main_option("script_location", _script_location())
    config.set_main_option("sqlalchemy.url", db.url.render_as_string(hide_password=False).replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def head_revision(db: Database) -> str | None:
    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()


def current_revision(db: Database) -> str | None:
    with db._translate_errors(), db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> list[str]:
    """Migrate up; returns what the migrations repaired on the way (one line each, also logged)."""
    return _run(db, command.upgrade, revision)


def downgrade(db: Database, revision: str) -> None:
    _run(db, command.downgrade, revision)


def ensure_schema(db: Database) -> None:
    """Bring a fresh database (or any SQLite file) to head; ask for `db upgrade` otherwise.

    A shared PostgreSQL schema is only migrated by a deliberate `spacetraders db upgrade`,
    so that one old CLI cannot surprise the daemons sharing it.
    """
    current, head = current_revision(db), head_revision(db)
    if current == head:
        return
    if current is None or db.is_sqlite:
        upgrade(db)
        return
    raise SpacetradersError(
        f"database schema is at {current}, this version needs {head}: run `spacetraders db upgrade`"
    )


def _run(db: Database, fn, revision: str) -> list[str]:  # type: ignore[no-untyped-def]
    config = alembic_config(db)
    with db._translate_errors(), db.engine.begin() as connection:
        config.attributes["connection"] = connection
        fn(config, revision)
    return list(config.attributes.get("upgrade_notes", []))
