"""Shared fixtures. Every database test runs on SQLite and, when
SPACETRADERS_TEST_POSTGRES_URL is set, on PostgreSQL too (in a schema of its own per
test session, so concurrent runs never see each other)."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from spacetraders.persistence.database import Database
from spacetraders.persistence.migrations import upgrade

POSTGRES_URL = os.environ.get("SPACETRADERS_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file under ../shared (read, never copied); skip the test where it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: this test needs the shared reference files beside the repository")
    return path


class PostgresSchemas:
    """Creates throw-away schemas in the test database and drops them at the end."""

    def __init__(self, base_url: str) -> None:
        self.base = make_url(base_url).set(drivername="postgresql+psycopg")
        self.engine = create_engine(self.base, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def new(self, label: str) -> str:
        name = f"st_{label}_{os.getpid()}_{secrets.token_hex(3)}"
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        self.created.append(name)
        return self.base.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
            hide_password=False
        )

    def drop_all(self) -> None:
        with self.engine.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        self.engine.dispose()


@pytest.fixture(scope="session")
def pg_schemas() -> Iterator[PostgresSchemas | None]:
    if not POSTGRES_URL:
        yield None
        return
    schemas = PostgresSchemas(POSTGRES_URL)
    try:
        with schemas.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # a set URL that does not answer is a failure, not a skip
        pytest.fail(f"SPACETRADERS_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {exc}")
    yield schemas
    schemas.drop_all()


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory, pg_schemas: PostgresSchemas | None) -> dict[str, str]:
    """One migrated database per backend per session; tests get cheap clean copies."""
    templates: dict[str, str] = {}
    path = tmp_path_factory.mktemp("template") / "template.db"
    sqlite_db = Database(f"sqlite:///{path}")
    upgrade(sqlite_db)
    sqlite_db.dispose()
    templates["sqlite"] = str(path)
    if pg_schemas is not None:
        url = pg_schemas.new("shared")
        pg_db = Database(url)
        upgrade(pg_db)
        pg_db.dispose()
        templates["postgres"] = url
    return templates


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, migrated_templates: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """URL of a clean, migrated database of the test's backend."""
    if backend == "sqlite":
        target = tmp_path / "spacetraders.db"
        shutil.copyfile(migrated_templates["sqlite"], target)
        target.chmod(0o600)
        yield f"sqlite:///{target}"
        return
    url = migrated_templates["postgres"]
    _truncate_all(url)
    yield url


@pytest.fixture
def empty_db_url(backend: str, pg_schemas: PostgresSchemas | None, tmp_path: Path) -> str:
    """URL of an empty database (no tables at all) of the test's backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    assert pg_schemas is not None
    return pg_schemas.new("empty")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


def _truncate_all(url: str) -> None:
    """Empty every table of the schema but Alembic's own (whatever migrations created)."""
    database = Database(url)
    with database.engine.begin() as conn:
        names = conn.scalars(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename <> 'alembic_version'"
            )
        ).all()
        if names:
            conn.execute(text(f"TRUNCATE {', '.join(chr(34) + n + chr(34) for n in names)} RESTART IDENTITY CASCADE"))
    database.dispose()
