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
