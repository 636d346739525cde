"""Interleave a concurrent writer into a handler, deterministically, for fencing tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from spacetraders.persistence.database import Database


@contextmanager
def daemon_moves_it_on(db: Database, container_id: str) -> Iterator[None]:
    """Just before the first status write to `container_id`, another owner takes it (same transaction:
    what a concurrent daemon would have committed between the handler's read and its write)."""
    fired: list[bool] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not fired and statement.lstrip().upper().startswith("UPDATE CONTAINERS SET STATUS"):
            fired.append(True)
            cursor.connection.execute(f"UPDATE containers SET daemon_id = 'd2' WHERE container_id = '{container_id}'")

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert fired, "the handler never wrote a status"
