"""`assignments fix` on hand-made broken states, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

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


def test_the_hand_edits_fix_used_to_repair_are_now_refused_by_the_database(db):
    """Killing a container behind its assignment's back, or queueing a second container for a
    held ship: the schema refuses both (fix once released/reported them after the fact)."""
    with db.transaction() as uow:
        make_player(uow, player_id=1)
        live = make_container(uow, 1, "COOPER-2", status=ContainerStatus.RUNNING)
        uow.assignments.assign(1, "COOPER-2", live.container_id)
        live_id = live.container_id
    with pytest.raises(IntegrityError):
        with db.transaction() as uow:
            uow.session.execute(text("UPDATE containers SET status = 'FAILED' WHERE container_id = :c"), {"c": live_id})
    with pytest.raises(IntegrityError):
        with db.transaction() as uow:
            make_container(uow, 1, "COOPER-2", status=ContainerStatus.STARTING)
    assert _state(db) == [("COOPER-2", live_id, "active")]
    with db.transaction() as uow:
        assert fix_assignments(uow, now=utcnow()) == []


def test_dry_run_reports_and_writes_nothing(db):
    with db.transaction() as uow:
        make_player(uow, player_id=1)
        make_container(uow, 1, "COOPER-4")
    before = _state(db)
    with db.transaction() as uow:
        planned = fix_assignments(uow, now=utcnow(), dry_run=True)
    assert [a.action for a in planned] == ["assigned"]
    assert _state(db) == before == []


@pytest.mark.parametrize(
    "config, why",
    [
        ("{not json", "is not JSON"),
        ('["a", "list"]', "is a JSON list"),
        ('{"params": {"ship_symbol": "COOPER-5", "x": NaN}}', "is not JSON"),
        ('{"params": ["COOPER-5"]}', "has params of type list"),
    ],
)
def test_a_row_it_cannot_read_is_named_and_blocks_nothing(db, config, why):
    """One live container with an unreadable config: fix still adopts the other ships, and
    names the bad row (by id, one line) instead of failing."""
    with db.transaction() as uow:
        make_player(uow, player_id=1)
        bad = make_container(uow, 1, "COOPER-5").container_id
        good = make_container(uow, 1, "COOPER-6").container_id
        uow.session.execute(text("UPDATE containers SET config = :cfg WHERE container_id = :c"), {"cfg": config, "c": bad})
    with db.transaction() as uow:
        actions = fix_assignments(uow, now=utcnow())
    assert {(a.action, a.container_id) for a in actions} == {("assigned", bad), ("assigned", good), ("bad-row", bad)}
    reason = next(a.reason for a in actions if a.action == "bad-row")
    assert why in reason and "\n" not in reason and f"container stop {bad}" in reason
    assert _state(db) == [("COOPER-5", bad, "active"), ("COOPER-6", good, "active")]


def test_a_status_this_version_does_not_know_is_named(db, backend):
    """SQLite lets a careless script switch CHECK constraints off; PostgreSQL never does."""
    with db.transaction() as uow:
        make_player(uow, player_id=1)
        cid = make_container(uow, 1, "COOPER-7", status=ContainerStatus.STOPPED).container_id
    if backend == "postgres":
        with pytest.raises(IntegrityError):
            with db.transaction() as uow:
                uow.session.execute(text("UPDATE containers SET status = 'STARTED' WHERE container_id = :c"), {"c": cid})
        return
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
        conn.execute(text("UPDATE containers SET status = 'STARTED' WHERE container_id = :c"), {"c": cid})
        conn.commit()
        conn.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")
    with db.transaction() as uow:
        actions = fix_assignments(uow, now=utcnow())
    assert [(a.action, a.container_id) for a in actions] == [("bad-row", cid)]
    assert "status 'STARTED'" in actions[0].reason
