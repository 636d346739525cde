"""create_container(take_from=...): the holder ends and the ship MOVES, in one savepoint."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from spacetraders.application.containers import create_container
from spacetraders.clock import utcnow
from spacetraders.domain.containers import ContainerStatus
from spacetraders.errors import ConfigError, SpacetradersError
from spacetraders.persistence.models import Container, ContainerEvent
from tests.application.interleave import daemon_moves_it_on
from tests.factories import make_container, make_player
from tests.invariants import check_invariants

PARAMS = {"ship_symbol": "COOPER-2", "system": "X1-TS98", "markets": ["X1-TS98-B2"]}


@pytest.fixture
def holder(db):  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        make_player(uow, player_id=1)
        old = make_container(uow, 1, "COOPER-2", status=ContainerStatus.RUNNING)
        uow.assignments.assign(1, "COOPER-2", old.container_id)
        return old.container_id


def _create(uow, take_from):  # type: ignore[no-untyped-def]
    return create_container(uow, player_id=1, command_type="ScoutTourCommand", params=PARAMS,
                            id_prefix="scout-tour-cooper-2", take_from=take_from, now=utcnow())


def test_the_holder_is_stopped_and_the_assignment_moves(db, holder):
    with db.transaction() as uow:
        new_id = _create(uow, holder).container_id
    with db.read() as session:
        statuses = dict(session.execute(select(Container.container_id, Container.status)).all())
        events = session.scalars(select(ContainerEvent.detail).where(ContainerEvent.container_id == holder)).all()
    assert statuses == {holder: "STOPPED", new_id: "STARTING"}
    assert f"replaced by {new_id}" in events
    with db.transaction() as uow:
        row = uow.assignments.get(1, "COOPER-2")
        assert (row.container_id, row.status) == (new_id, "active")
    check_invariants(db)


def test_a_container_that_does_not_hold_that_ship_is_refused_and_nothing_changes(db, holder):
    with db.transaction() as uow:
        other = make_container(uow, 1, "COOPER-3", status=ContainerStatus.RUNNING).container_id
        uow.assignments.assign(1, "COOPER-3", other)
    with pytest.raises(ConfigError):
        with db.transaction() as uow:
            _create(uow, other)
    with db.read() as session:
        assert session.scalar(select(Container.status).where(Container.container_id == other)) == "RUNNING"
        assert len(session.scalars(select(Container.container_id)).all()) == 2


def test_a_finished_holder_is_refused(db, holder):
    with db.transaction() as uow:
        uow.containers.set_status(holder, expected=["RUNNING"], new="FAILED")
        uow.assignments.release(1, "COOPER-2", holder, "failed")
    with pytest.raises(SpacetradersError, match="already FAILED"):
        with db.transaction() as uow:
            _create(uow, holder)


def test_a_holder_that_lost_its_assignment_is_still_replaced_and_the_ship_assigned(db, holder):
    with db.transaction() as uow:  # someone released the ship behind our back
        uow.assignments.release(1, "COOPER-2", holder, "hand edit")
    with db.transaction() as uow:
        new_id = _create(uow, holder).container_id
    with db.read() as session:
        statuses = dict(session.execute(select(Container.container_id, Container.status)).all())
    assert statuses == {holder: "STOPPED", new_id: "STARTING"}
    check_invariants(db)


def test_the_holder_is_fenced_on_its_owner_and_nothing_changes_when_a_daemon_moved_it_on(db, holder):
    """--replace read the holder owned by d1; a daemon hands it to d2 before the stop is written:
    the compare-and-set on status AND owner refuses, and the whole replacement rolls back."""
    with db.transaction() as uow:
        uow.session.execute(text("UPDATE containers SET daemon_id = 'd1'"))
    with daemon_moves_it_on(db, holder), pytest.raises(SpacetradersError, match="changed while replacing"):
        with db.transaction() as uow:
            _create(uow, holder)
    with db.read() as session:
        assert session.execute(select(Container.container_id, Container.status)).all() == [(holder, "RUNNING")]
    check_invariants(db)
