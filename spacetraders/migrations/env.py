"""Alembic environment: runs on a connection we hand it, or on the configured URL."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Base
from spacetraders.settings import Settings

config = context.config
target_metadata = Base.metadata

if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or Settings.load().database_url
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    db = Database(config.get_main_option("sqlalchemy.url") or Settings.load().database_url)
    try:
        with db.engine.connect() as connection:
            _run(connection)
    finally:
        db.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # Batch mode lets ALTERs work on SQLite (which rebuilds tables instead).
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
