"""Small windows: user actions fence the row they stop on its owner, never date a change
before what a daemon wrote meanwhile, and removing a container releases a ship it still
holds. Both databases."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from spacetraders.application import containers as h
from spacetraders.errors import SpacetradersError
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, ContainerEvent, ShipAssignment
from tests.application.interleave import daemon_moves_it_on
from tests.factories import make_player
from tests.invariants import check_invariants

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
SHIP = "COOPER-2"


@pytest.fixture
def player_id(db: Database) -> int:
    with db.transaction() as uow:
        return make_player(uow).player_id


def _running(db: Database, player_id: int, *, claimed_at: datetime = T0) -> str:
    with db.transaction() as uow:
        cid = h.create_container(uow, player_id=player_id, command_type="SleepCommand",
                                 params={"ship_symbol": SHIP, "seconds": 1}, id_prefix="sleep", now=T0).container_id
    with db.transaction() as uow:
        assert h.claim_start(uow, cid, daemon_id="d1", now=claimed_at) is not None
    return cid


def _row(db: Database, cid: str) -> Container:
    with db.read() as s:
        c = s.get(Container, cid)
        assert c is not None
        s.expunge(c)
        return c


def test_user_restart_is_fenced_on_the_owner_it_read(db: Database, player_id: int) -> None:
    """The restart read the row owned by d1; before its stop is written, the row changes hands:
    the compare-and-set on status AND owner refuses and nothing is written."""
    cid = _running(db, player_id)
    with daemon_moves_it_on(db, cid), pytest.raises(SpacetradersError, match="changed while restarting"):
        with db.transaction() as uow:
            h.restart_container(uow, cid, now=T0 + timedelta(seconds=5))
    with db.read() as s:
        assert s.execute(select(Container.container_id, Container.status, Container.daemon_id)).all() == [
            (cid, "RUNNING", "d1")]
    check_invariants(db)


def test_a_user_restart_that_read_its_clock_before_the_daemon_claimed_never_stops_before_the_start(
    db: Database, player_id: int
) -> None:
    """The CLI read its clock at T0+1 s, then waited for the lock while a daemon claimed the
    container at T0+10 s: the stop is dated T0+10 s at the earliest, never before the start."""
    cid = _running(db, player_id, claimed_at=T0 + timedelta(seconds=10))
    with db.transaction() as uow:
        new = h.restart_container(uow, cid, now=T0 + timedelta(seconds=1)).container_id
    old, successor = _row(db, cid), _row(db, new)
    assert old.started_at == T0 + timedelta(seconds=10)
    assert old.stopped_at is not None and old.stopped_at >= old.started_at
    assert successor.created_at == old.stopped_at  # one time for the whole handler
    with db.read() as s:
        stamps = s.scalars(select(ContainerEvent.at).where(ContainerEvent.container_id == cid)
                           .order_by(ContainerEvent.event_id)).all()
    assert stamps == sorted(stamps)


def test_a_user_stop_is_never_dated_before_the_start(db: Database, player_id: int) -> None:
    cid = _running(db, player_id, claimed_at=T0 + timedelta(seconds=10))
    with db.transaction() as uow:
        h.request_stop(uow, cid, now=T0 + timedelta(seconds=1))
    with db.read() as s:
        at = s.scalar(select(ContainerEvent.at).where(ContainerEvent.container_id == cid, ContainerEvent.status == "STOPPING"))
    assert at is not None and at >= T0 + timedelta(seconds=10)


def test_removing_a_dead_container_releases_a_ship_it_still_holds(db: Database, backend: str, player_id: int) -> None:
    """Only a SQLite connection without foreign keys (the sqlite3 shell's default) can leave an
    active assignment on a dead container; PostgreSQL refuses it for every client."""
    cid = _running(db, player_id)
    if backend == "postgres":
        with pytest.raises(IntegrityError):
            with db.transaction() as uow:
                uow.session.execute(text("UPDATE containers SET status = 'FAILED' WHERE container_id = :c"), {"c": cid})
        return
    shell = sqlite3.connect(str(db.url.database))  # like the sqlite3 shell: foreign keys off
    with shell:
        shell.execute("UPDATE containers SET status = 'FAILED' WHERE container_id = ?", (cid,))
    shell.close()
    with db.transaction() as uow:  # no raw IntegrityError: the ship is released with the removal
        h.remove_container(uow, cid, now=T0 + timedelta(minutes=1))
    with db.read() as s:
        a = s.get(ShipAssignment, (player_id, SHIP))
        assert a is not None and (a.status, a.container_id) == ("idle", None)
        assert a.release_reason == f"container {cid} removed"
        assert s.get(Container, cid) is None
    check_invariants(db)
