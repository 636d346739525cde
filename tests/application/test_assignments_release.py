"""`assignments release --force` stops the ship's live container in the same transaction,
so the ship can never get a second driver. Both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spacetraders.application import containers as h
from spacetraders.application.assignments import release_ship
from spacetraders.errors import ShipBusyError, SpacetradersError
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, Daemon, ShipAssignment
from tests.factories import make_player
from tests.invariants import check_invariants

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
SHIP = "COOPER-2"


@pytest.fixture
def player_id(db: Database) -> int:
    with db.transaction() as uow:
        return make_player(uow).player_id


def _create(db: Database, player_id: int) -> str:
    with db.transaction() as uow:
        return h.create_container(uow, player_id=player_id, command_type="SleepCommand",
                                  params={"ship_symbol": SHIP, "seconds": 1}, id_prefix="sleep", now=T0).container_id


def _running(db: Database, player_id: int, *, daemon_alive: bool) -> str:
    cid = _create(db, player_id)
    with db.transaction() as uow:
        lease = T0 + timedelta(minutes=5 if daemon_alive else -5)
        uow.session.add(Daemon(daemon_id="d1", hostname="h", pid=2, status="running", started_at=T0 - timedelta(hours=1),
                               heartbeat_at=T0, lease_expires_at=lease))
        uow.session.flush()
        assert h.claim_start(uow, cid, daemon_id="d1", now=T0) is not None
    return cid


def _state(db: Database, cid: str, player_id: int) -> tuple[str, tuple[str | None, str]]:
    with db.read() as s:
        c = s.get(Container, cid)
        a = s.get(ShipAssignment, (player_id, SHIP))
        assert c is not None and a is not None
        return c.status, (a.container_id, a.status)


def _release(db: Database, player_id: int, *, force: bool = True):  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        return release_ship(uow, player_id, SHIP, now=T0 + timedelta(seconds=1), force=force)


def test_without_force_a_live_container_keeps_its_ship(db: Database, player_id: int) -> None:
    cid = _create(db, player_id)
    with pytest.raises(SpacetradersError, match="container stop"):
        _release(db, player_id, force=False)
    assert _state(db, cid, player_id) == ("STARTING", (cid, "active"))


@pytest.mark.parametrize("interrupted", [False, True])
def test_a_container_that_is_not_running_is_stopped_and_the_ship_released_at_once(
    db: Database, player_id: int, interrupted: bool
) -> None:
    if interrupted:
        cid = _running(db, player_id, daemon_alive=True)
        with db.transaction() as uow:
            assert h.interrupt_container(uow, cid, daemon_id="d1", now=T0)
    else:
        cid = _create(db, player_id)
    result = _release(db, player_id)
    assert (result.container_id, result.container_status, result.released) == (cid, "STOPPED", True)
    assert _state(db, cid, player_id) == ("STOPPED", (cid, "idle"))
    _create(db, player_id)  # the ship is free for a new driver
    check_invariants(db)


def test_a_running_container_is_asked_to_stop_and_no_one_else_can_take_the_ship_meanwhile(
    db: Database, player_id: int
) -> None:
    """Today's bug: --force idled the assignment while the run went on, and a second container
    could then be created and claimed for the same ship: two drivers."""
    cid = _running(db, player_id, daemon_alive=True)
    result = _release(db, player_id)
    assert (result.container_status, result.released) == ("STOPPING", False)
    assert _state(db, cid, player_id) == ("STOPPING", (cid, "active"))
    with pytest.raises(ShipBusyError, match=cid):
        _create(db, player_id)
    check_invariants(db)
    with db.transaction() as uow:  # its daemon stops the run: the ship is released then
        assert h.finish_stop(uow, cid, daemon_id="d1", now=T0 + timedelta(seconds=2))
    assert _state(db, cid, player_id) == ("STOPPED", (cid, "idle"))
    _create(db, player_id)
    check_invariants(db)


@pytest.mark.parametrize("stopping", [False, True])
def test_a_run_whose_daemon_is_gone_is_stopped_at_once(db: Database, player_id: int, stopping: bool) -> None:
    cid = _running(db, player_id, daemon_alive=False)
    if stopping:
        with db.transaction() as uow:
            h.request_stop(uow, cid, now=T0)
    result = _release(db, player_id)
    assert (result.container_status, result.released) == ("STOPPED", True)
    assert _state(db, cid, player_id) == ("STOPPED", (cid, "idle"))
    with db.read() as s:  # stopped, not restarted: the user asked for the ship
        assert s.query(Container).count() == 1
    check_invariants(db)
