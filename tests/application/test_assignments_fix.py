"""`assignments fix` on hand-made broken states, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from spacetraders.application.assignments import fix_assignments
from spacetraders.clock import utcnow
from spacetraders.domain.containers import ContainerStatus
from tests.factories import make_container, make_player

DASHBOARD_JOIN = """
    SELECT sa.ship_symbol, sa.container_id
    FROM ship_assignments sa
    JOIN containers c ON sa.container_id = c.container_id AND sa.player_id = c.player_id
    WHERE sa.operation = 'command' AND c.status IN ('RUNNING','STARTING','STARTED')
    ORDER BY sa.ship_symbol
"""


def _state(db):  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.execute(
            text("SELECT ship_symbol, container_id, status FROM ship_assignments ORDER BY ship_symbol")
        ).all()


def _dashboard(db):  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.execute(text(DASHBOARD_JOIN)).all()


def test_repairs_the_real_cooper_state(db):
    """Five RUNNING tours for COOPER-2..6 of player 2, their assignments idle on the FAILED predecessors."""
    now = utcnow()
    running: dict[str, str] = {}
    with db.transaction() as uow:
        make_player(uow, "COOPER", player_id=2)
        for n in range(2, 7):
            ship = f"COOPER-{n}"
            old = make_container(uow, 2, ship, status=ContainerStatus.FAILED, created_at=now - timedelta(hours=1))
            uow.assignments.assign(2, ship, old.container_id, now=now - timedelta(hours=1))
            uow.assignments.release(2, ship, old.container_id, "crashed")
            new = make_container(uow, 2, ship, restarted_from=old.container_id, created_at=now - timedelta(minutes=5))
            running[ship] = new.container_id
    assert _dashboard(db) == []  # the map shows 0 tours

    with db.transaction() as uow:
        actions = fix_assignments(uow, now=now)
    assert sorted((a.action, a.ship_symbol, a.container_id) for a in actions) == sorted(
        ("assigned", ship, cid) for ship, cid in running.items()
    )
    assert _dashboard(db) == sorted(running.items())
    assert all(status == "active" for _, _, status in _state(db))

    with db.transaction() as uow:  # idempotent
        assert fix_assignments(uow, now=now) == []


def test_releases_active_assignments_of_dead_or_missing_containers(db):
    with db.transaction() as uow:
        make_player(uow, player_id=1)
        dead = make_container(uow, 1, "COOPER-2", status=ContainerStatus.RUNNING)
        uow.assignments.assign(1, "COOPER-2", dead.container_id)
        dead_id = dead.container_id
    with db.transaction() as uow:  # a hand edit kills the container behind the assignment's back
        uow.session.execute(text("UPDATE containers SET status = 'FAILED' WHERE container_id = :c"), {"c": dead_id})
    with db.transaction() as uow:
        actions = fix_assignments(uow, now=utcnow())
    assert [(a.action, a.ship_symbol, a.reason) for a in actions] == [
        ("released", "COOPER-2", "assignments fix: container is FAILED")
    ]
    assert _state(db) == [("COOPER-2", dead_id, "idle")]


def test_several_live_claimants_newest_keeps_the_ship_others_are_conflicts(db):
    now = utcnow()
    with db.transaction() as uow:
        make_player(uow, player_id=1)
        older = make_container(uow, 1, "COOPER-3", created_at=now - timedelta(minutes=10)).container_id
        newer = make_container(uow, 1, "COOPER-3", created_at=now - timedelta(minutes=1)).container_id
    with db.transaction() as uow:
        actions = fix_assignments(uow, now=now)
    assert {(a.action, a.container_id) for a in actions} == {("assigned", newer), ("conflict", older)}
    assert _state(db) == [("COOPER-3", newer, "active")]
    with db.read() as session:  # the conflicting container is reported, not killed
        status = session.execute(text("SELECT status FROM containers WHERE container_id = :c"), {"c": older}).scalar()
    assert status == "RUNNING"
    with db.transaction() as uow:  # stays a reported conflict, changes nothing more
        again = fix_assignments(uow, now=now)
    assert [(a.action, a.container_id) for a in again] == [("conflict", older)]


def test_dry_run_reports_and_writes_nothing(db):
    with db.transaction() as uow:
        make_player(uow, player_id=1)
        make_container(uow, 1, "COOPER-4")
    before = _state(db)
    with db.transaction() as uow:
        planned = fix_assignments(uow, now=utcnow(), dry_run=True)
    assert [a.action for a in planned] == ["assigned"]
    assert _state(db) == before == []


def test_dead_holder_released_and_live_claimant_assigned_in_one_run(db):
    now = utcnow()
    with db.transaction() as uow:
        make_player(uow, player_id=1)
        old = make_container(uow, 1, "COOPER-5", created_at=now - timedelta(hours=1))
        uow.assignments.assign(1, "COOPER-5", old.container_id)
        new = make_container(uow, 1, "COOPER-5", created_at=now)
        old_id, new_id = old.container_id, new.container_id
    with db.transaction() as uow:
        uow.session.execute(text("UPDATE containers SET status = 'FAILED' WHERE container_id = :c"), {"c": old_id})
    with db.transaction() as uow:
        planned = fix_assignments(uow, now=now, dry_run=True)
    with db.transaction() as uow:
        actions = fix_assignments(uow, now=now)
    assert [(a.action, a.container_id) for a in actions] == [("released", old_id), ("assigned", new_id)]
    assert [(a.action, a.container_id) for a in planned] == [("released", old_id), ("assigned", new_id)]
    assert _state(db) == [("COOPER-5", new_id, "active")]
