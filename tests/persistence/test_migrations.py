"""Migrations build the schema from nothing, take it down again, and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from spacetraders.persistence.database import Database
from spacetraders.persistence.migrations import (
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from spacetraders.persistence.models import Base

CORE_TABLES = {"players", "containers", "ship_assignments", "container_logs"}


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_from_empty_then_downgrade_cleanly(empty_db_url):
    db = Database(empty_db_url)
    try:
        assert current_revision(db) is None
        upgrade(db)
        assert current_revision(db) == head_revision(db)
        assert CORE_TABLES <= _tables(db)
        downgrade(db, "base")
        assert current_revision(db) is None
        assert _tables(db) == set()
        upgrade(db)  # and back up again: downgrade left nothing in the way
        assert current_revision(db) == head_revision(db)
    finally:
        db.dispose()


def test_models_match_migrations(empty_db_url):
    db = Database(empty_db_url)
    try:
        upgrade(db)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations drifted: {diff}"
    finally:
        db.dispose()
