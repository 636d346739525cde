"""Engines, sessions and the one place transactions begin and end."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker

from spacetraders.errors import ConfigError, DatabaseUnavailable
from spacetraders.persistence.unit_of_work import UnitOfWork

SQLITE_BUSY_TIMEOUT_MS = 30_000


def parse_url(raw: str) -> URL:
    """Validate a database URL and pick our drivers (psycopg 3 for PostgreSQL)."""
    try:
        url = make_url(raw)
        url.port  # noqa: B018 - a non-numeric port only fails when read
    except (ArgumentError, ValueError):
        raise ConfigError(
            f"malformed database URL {_hide_credentials(raw)!r} (expected sqlite:///PATH or postgresql://...)"
        ) from None
    backend = url.get_backend_name()
    if backend in ("postgres", "postgresql"):
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if url.get_driver_name() not in ("", "pysqlite"):
            raise ConfigError(f"unsupported SQLite driver in {url.drivername!r}")
        if not url.database or url.database == ":memory:":
            # An in-memory database forgets everything at exit: never what a command means.
            raise ConfigError("a SQLite database URL needs a file path: sqlite:///PATH")
        return url
    raise ConfigError(f"unsupported database {backend!r}: use sqlite:///PATH or postgresql://...")


def _hide_credentials(raw: str) -> str:
    """`scheme://user:***@host...` for a URL that may not even parse."""
    scheme, sep, rest = raw.partition("://")
    if sep and "@" in rest:
        user = rest.rsplit("@", 1)[0].split(":", 1)[0]
        return f"{scheme}://{user}:***@{rest.rsplit('@', 1)[1]}"
    return raw


def display_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


class Database:
    """One per process per URL. `transaction()` is the unit of work; `read()` is for queries."""

    def __init__(self, url: str | URL, *, pool_size: int = 5) -> None:
        self.url = parse_url(url) if isinstance(url, str) else url
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine = self._create_engine(pool_size)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        # On SQLite, readers begin DEFERRED so they never wait behind writers (WAL).
        self._reader = sessionmaker(self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False)

    def _create_engine(self, pool_size: int) -> Engine:
        if not self.is_sqlite:
            return create_engine(
                self.url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True,
                connect_args={"connect_timeout": 10},
            )
        path = self.url.database
        if path and path != ":memory:" and not path.startswith("file:"):
            _create_private_file(Path(path))
        engine = create_engine(self.url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine

    @property
    def display_url(self) -> str:
        return display_url(self.url)

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """Commit once at the end; roll back everything on any error."""
        with self._translate_errors(), self._writer() as session:
            with session.begin():
                yield UnitOfWork(session)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._translate_errors(), self._reader() as session:
            with session.begin():
                yield session
                session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            if _is_connection_failure(exc):
                raise DatabaseUnavailable(
                    f"cannot reach database {self.display_url}: {_first_line(exc.orig)}"
                ) from exc
            raise
        except DatabaseError as exc:
            if self.is_sqlite and _is_not_a_database(exc):
                raise DatabaseUnavailable(
                    f"{self.url.database} is not a usable SQLite database: {_first_line(exc.orig)}"
                ) from exc
            raise
        except NoSuchModuleError as exc:
            raise ConfigError(f"no driver for database {self.display_url}") from exc


def _create_private_file(path: Path) -> None:
    """The database holds agent tokens: create it readable by its owner only."""
    if path.exists():
        return
    if not path.parent.is_dir():
        raise ConfigError(f"cannot create database {path}: directory {path.parent} does not exist")
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling is broken).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    # IMMEDIATE takes the write lock up front, so two writers queue on the busy timeout
    # instead of failing with "database is locked" when a read lock cannot be upgraded.
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def _is_connection_failure(exc: DBAPIError) -> bool:
    message = str(exc.orig).lower()
    return exc.connection_invalidated or any(
        hint in message
        for hint in ("connection", "could not", "unable to open", "timeout expired", "does not exist", "password")
    )


def _is_not_a_database(exc: DBAPIError) -> bool:
    message = str(exc.orig).lower()
    return "not a database" in message or "malformed" in message or "encrypted" in message


def _first_line(exc: BaseException | None) -> str:
    return (str(exc).strip().splitlines() or ["unknown error"])[0]

