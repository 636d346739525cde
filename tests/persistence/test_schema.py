"""The database itself rejects what must never exist, whatever the code above it does."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from spacetraders.clock import utcnow
from tests.factories import make_container, make_player


def _insert_assignment(uow, player_id, ship, container_id, status="active"):  # type: ignore[no-untyped-def]
    uow.session.execute(
        text(
            "INSERT INTO ship_assignments (player_id, ship_symbol, container_id, operation, status, assigned_at) "
            "VALUES (:p, :s, :c, 'command', :st, :at)"
        ),
        {"p": player_id, "s": ship, "c": container_id, "st": status, "at": utcnow().replace(tzinfo=None)},
    )


def test_second_active_assignment_for_a_ship_is_rejected(db):
    with db.transaction() as uow:
        player = make_player(uow)
        first = make_container(uow, player.player_id, "COOPER-2")
        second = make_container(uow, player.player_id, "COOPER-3")
        _insert_assignment(uow, player.player_id, "COOPER-2", first.container_id)
        first_id, second_id, player_id = first.container_id, second.container_id, player.player_id

    with pytest.raises(IntegrityError):
        with db.transaction() as uow:
            _insert_assignment(uow, player_id, "COOPER-2", second_id)

    with db.read() as session:
        rows = session.execute(text("SELECT container_id FROM ship_assignments")).all()
    assert rows == [(first_id,)]


def test_assignment_to_a_missing_container_is_rejected(db):
    with db.transaction() as uow:
        player_id = make_player(uow).player_id
    with pytest.raises(IntegrityError):
        with db.transaction() as uow:
            _insert_assignment(uow, player_id, "COOPER-2", "no-such-container")


def test_assignment_to_another_players_container_is_rejected(db):
    with db.transaction() as uow:
        cooper = make_player(uow, "COOPER")
        other = make_player(uow, "OTHER")
        theirs = make_container(uow, other.player_id, "OTHER-1").container_id
        cooper_id = cooper.player_id
    with pytest.raises(IntegrityError):
        with db.transaction() as uow:
            _insert_assignment(uow, cooper_id, "COOPER-1", theirs)


def test_active_assignment_needs_a_container_and_a_known_status(db):
    with db.transaction() as uow:
        player_id = make_player(uow).player_id
    with pytest.raises(IntegrityError):
        with db.transaction() as uow:
            _insert_assignment(uow, player_id, "COOPER-2", None)
    with db.transaction() as uow:
        container_id = make_container(uow, player_id, "COOPER-2").container_id
    with pytest.raises(IntegrityError):
        with db.transaction() as uow:
            _insert_assignment(uow, player_id, "COOPER-2", container_id, status="busy")


def test_unknown_container_status_is_rejected(db):
    with db.transaction() as uow:
        player_id = make_player(uow).player_id
        container_id = make_container(uow, player_id, "COOPER-2").container_id
    with pytest.raises(IntegrityError):
        with db.transaction() as uow:
            uow.session.execute(
                text("UPDATE containers SET status = 'STARTED' WHERE container_id = :c"), {"c": container_id}
            )


def test_config_is_json_that_postgres_can_query(db, backend):
    with db.transaction() as uow:
        player_id = make_player(uow).player_id
        make_container(uow, player_id, "COOPER-2", params={"system": "X1-TS98"})
    query = (
        "SELECT config::jsonb->'params'->>'system', (config::jsonb)->>'command_type' FROM containers"
        if backend == "postgres"
        else "SELECT json_extract(config, '$.params.system'), json_extract(config, '$.command_type') FROM containers"
    )
    with db.read() as session:
        assert session.execute(text(query)).one() == ("X1-TS98", "ScoutTourCommand")


def test_unknown_daemon_status_is_rejected(db):
    from spacetraders.persistence.models import Daemon

    now = utcnow()
    with pytest.raises(IntegrityError):
        with db.transaction() as uow:
            uow.session.add(Daemon(daemon_id="d1", hostname="h", pid=1, status="zombie", started_at=now,
                                   heartbeat_at=now, lease_expires_at=now))


# ---------------------------------------------------------------- one live container per ship (0005)
# Raw SQL only, as a dashboard or a careless script would write it.


def _insert_container(uow, player_id, container_id, ship, status="RUNNING"):  # type: ignore[no-untyped-def]
    uow.session.execute(
        text(
            "INSERT INTO containers (container_id, player_id, status, command_type, ship_symbol, config, "
            "restart_policy, max_restarts, restart_window_s, restart_count, created_at) "
            "VALUES (:c, :p, :st, 'ScoutTourCommand', :s, '{}', 'no', 0, 600, 0, :at)"
        ),
        {"c": container_id, "p": player_id, "st": status, "s": ship, "at": utcnow().replace(tzinfo=None)},
    )


def _sql(uow, statement, **params):  # type: ignore[no-untyped-def]
    uow.session.execute(text(statement), params)


@pytest.fixture
def driven(db):  # type: ignore[no-untyped-def]
    """Player 1's COOPER-2 driven by live container `a`, which holds its active assignment."""
    with db.transaction() as uow:
        make_player(uow, player_id=1)
        make_player(uow, "OTHER", player_id=2)
        _insert_container(uow, 1, "a", "COOPER-2")
        _insert_assignment(uow, 1, "COOPER-2", "a")
    return db


@pytest.mark.parametrize("status", ["STARTING", "RUNNING", "STOPPING", "INTERRUPTED"])
def test_a_second_live_container_for_a_ship_is_rejected(driven, status):
    with pytest.raises(IntegrityError):
        with driven.transaction() as uow:
            _insert_container(uow, 1, "b", "COOPER-2", status)


def test_a_finished_container_cannot_come_back_to_life_beside_the_live_one(driven):
    with driven.transaction() as uow:
        _insert_container(uow, 1, "old", "COOPER-2", "FAILED")  # finished ones never collide
        _insert_container(uow, 1, "older", "COOPER-2", "STOPPED")
        _insert_container(uow, 2, "theirs", "COOPER-2", "RUNNING")  # another player's ship of that name
    with pytest.raises(IntegrityError):
        with driven.transaction() as uow:
            _sql(uow, "UPDATE containers SET status = 'STARTING' WHERE container_id = 'old'")


def test_an_active_assignment_on_a_container_that_is_not_live_is_rejected(driven):
    with driven.transaction() as uow:
        _insert_container(uow, 1, "dead", "COOPER-3", "FAILED")
    with pytest.raises(IntegrityError):  # written directly
        with driven.transaction() as uow:
            _insert_assignment(uow, 1, "COOPER-3", "dead")
    for status in ("STOPPED", "FAILED", "COMPLETED"):  # or by ending its container behind its back
        with pytest.raises(IntegrityError):
            with driven.transaction() as uow:
                _sql(uow, "UPDATE containers SET status = :s WHERE container_id = 'a'", s=status)
    with pytest.raises(IntegrityError):  # or by deleting it
        with driven.transaction() as uow:
            _sql(uow, "DELETE FROM containers WHERE container_id = 'a'")
    with driven.read() as session:
        assert session.execute(text("SELECT status FROM containers WHERE container_id = 'a'")).scalar() == "RUNNING"


def test_an_active_assignment_on_a_container_that_drives_another_ship_is_rejected(driven):
    with driven.transaction() as uow:
        _insert_container(uow, 1, "c3", "COOPER-3")
        _insert_container(uow, 1, "shipless", None)
    for container in ("c3", "shipless"):
        with pytest.raises(IntegrityError):
            with driven.transaction() as uow:
                _insert_assignment(uow, 1, "COOPER-4", container)
    with pytest.raises(IntegrityError):  # moving a held assignment onto the wrong container
        with driven.transaction() as uow:
            _sql(uow, "UPDATE ship_assignments SET container_id = 'c3' WHERE ship_symbol = 'COOPER-2'")
    with pytest.raises(IntegrityError):  # or changing the ship under it
        with driven.transaction() as uow:
            _sql(uow, "UPDATE containers SET ship_symbol = 'COOPER-9' WHERE container_id = 'a'")


def test_a_handover_is_checked_at_commit_so_either_order_works(driven):
    """End the old driver, start the new one, move the assignment: fine once all three are written."""
    with driven.transaction() as uow:
        _sql(uow, "UPDATE containers SET status = 'STOPPED' WHERE container_id = 'a'")
        _insert_container(uow, 1, "b", "COOPER-2", "STARTING")
        _sql(uow, "UPDATE ship_assignments SET container_id = 'b' WHERE ship_symbol = 'COOPER-2'")
    with driven.transaction() as uow:  # an idle assignment may point at a finished container
        _sql(uow, "UPDATE containers SET status = 'COMPLETED' WHERE container_id = 'b'")
        _sql(uow, "UPDATE ship_assignments SET status = 'idle' WHERE ship_symbol = 'COOPER-2'")
    with driven.read() as session:
        assert session.execute(text("SELECT container_id, status FROM ship_assignments")).all() == [("b", "idle")]
