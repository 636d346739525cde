"""Compare-and-set rules of the assignment repository, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from spacetraders.domain.containers import ContainerStatus
from spacetraders.errors import AssignmentConflict, ShipBusyError
from tests.factories import make_container, make_player


@pytest.fixture
def fleet(db):  # type: ignore[no-untyped-def]
    """Two containers of one ship: A is live (RUNNING), B is not (the schema allows one live)."""
    with db.transaction() as uow:
        player = make_player(uow)
        a = make_container(uow, player.player_id, "COOPER-2").container_id
        b = make_container(uow, player.player_id, "COOPER-2", status=ContainerStatus.STOPPED).container_id
        return player.player_id, a, b


def _hand_over(uow, old, new):  # type: ignore[no-untyped-def]
    """What a handler does before moving a ship: the old driver ends, then the new one is live."""
    for cid, status in ((old, "STOPPED"), (new, "RUNNING")):
        uow.session.execute(text("UPDATE containers SET status = :s WHERE container_id = :c"), {"s": status, "c": cid})


def _row(db, player_id, ship="COOPER-2"):  # type: ignore[no-untyped-def]
    with db.read() as session:
        from spacetraders.persistence.assignments import AssignmentRepository

        row = AssignmentRepository(session).get(player_id, ship)
        return None if row is None else (row.container_id, row.status, row.release_reason)


def test_assign_creates_an_active_assignment(db, fleet):
    player_id, a, _ = fleet
    with db.transaction() as uow:
        uow.assignments.assign(player_id, "COOPER-2", a)
    assert _row(db, player_id) == (a, "active", None)


def test_assign_is_a_noop_for_the_holder(db, fleet):
    player_id, a, _ = fleet
    with db.transaction() as uow:
        uow.assignments.assign(player_id, "COOPER-2", a)
        first = uow.assignments.get(player_id, "COOPER-2").assigned_at
    with db.transaction() as uow:
        uow.assignments.assign(player_id, "COOPER-2", a)
    with db.transaction() as uow:
        assert uow.assignments.get(player_id, "COOPER-2").assigned_at == first


def test_assign_refuses_a_ship_held_by_another_container(db, fleet):
    player_id, a, b = fleet
    with db.transaction() as uow:
        uow.assignments.assign(player_id, "COOPER-2", a)
    with pytest.raises(ShipBusyError, match=a):
        with db.transaction() as uow:
            uow.assignments.assign(player_id, "COOPER-2", b)
    assert _row(db, player_id) == (a, "active", None)


def test_assign_takes_over_an_idle_row(db, fleet):
    player_id, a, b = fleet
    with db.transaction() as uow:
        uow.assignments.assign(player_id, "COOPER-2", a)
        assert uow.assignments.release(player_id, "COOPER-2", a, "done")
        _hand_over(uow, a, b)
        uow.assignments.assign(player_id, "COOPER-2", b)
    assert _row(db, player_id) == (b, "active", None)


def test_move_succeeds_only_from_the_current_holder(db, fleet):
    player_id, a, b = fleet
    with db.transaction() as uow:
        uow.assignments.assign(player_id, "COOPER-2", a)
        _hand_over(uow, a, b)
        uow.assignments.move(player_id, "COOPER-2", from_container=a, to_container=b)
    assert _row(db, player_id) == (b, "active", None)
    # A stale mover that still thinks A holds the ship is refused and changes nothing.
    with pytest.raises(AssignmentConflict):
        with db.transaction() as uow:
            uow.assignments.move(player_id, "COOPER-2", from_container=a, to_container=a)
    assert _row(db, player_id) == (b, "active", None)


def test_move_refuses_an_idle_ship(db, fleet):
    player_id, a, b = fleet
    with db.transaction() as uow:
        uow.assignments.assign(player_id, "COOPER-2", a)
        uow.assignments.release(player_id, "COOPER-2", a, "stopped")
    with pytest.raises(AssignmentConflict):
        with db.transaction() as uow:
            uow.assignments.move(player_id, "COOPER-2", from_container=a, to_container=b)


def test_release_only_by_the_holder(db, fleet):
    player_id, a, b = fleet
    with db.transaction() as uow:
        _hand_over(uow, a, b)
        uow.assignments.assign(player_id, "COOPER-2", b)
        assert not uow.assignments.release(player_id, "COOPER-2", a, "stale run")
    assert _row(db, player_id) == (b, "active", None)
    with db.transaction() as uow:
        assert uow.assignments.release(player_id, "COOPER-2", b, "completed")
    assert _row(db, player_id) == (b, "idle", "completed")
