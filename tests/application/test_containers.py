"""Lifecycle handlers on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from spacetraders.application import containers as h
from spacetraders.errors import ConfigError, NotFound, ShipBusyError, SpacetradersError
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import (
    Container,
    ContainerEvent,
    ContainerLog,
    ShipAssignment,
)
from tests.factories import make_player
from tests.invariants import check_invariants

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
SHIP = "COOPER-2"


@pytest.fixture
def player_id(db: Database) -> int:
    with db.transaction() as uow:
        return make_player(uow).player_id


def create(db: Database, player_id: int, ship: str | None = SHIP, now: datetime = T0, **kw) -> str:  # type: ignore[no-untyped-def]
    params = {"ship_symbol": ship, "seconds": 1} if ship else {"seconds": 1}
    with db.transaction() as uow:
        c = h.create_container(
            uow, player_id=player_id, command_type="SleepCommand", params=params, id_prefix=f"sleep-{ship}", now=now, **kw
        )
    return c.container_id


def running(db: Database, player_id: int, ship: str | None = SHIP, daemon: str = "d1", now: datetime = T0, **kw) -> str:  # type: ignore[no-untyped-def]
    cid = create(db, player_id, ship, now=now, **kw)
    with db.transaction() as uow:
        assert h.claim_start(uow, cid, daemon_id=daemon, now=now) is not None
    return cid


def row(db: Database, cid: str) -> Container:
    with db.read() as s:
        c = s.get(Container, cid)
        assert c is not None
        s.expunge(c)
        return c


def holder(db: Database, player_id: int, ship: str = SHIP) -> tuple[str | None, str] | None:
    with db.read() as s:
        a = s.get(ShipAssignment, (player_id, ship))
        return (a.container_id, a.status) if a else None


def count(db: Database, model) -> int:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def events(db: Database, cid: str) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(ContainerEvent.status).where(ContainerEvent.container_id == cid).order_by(ContainerEvent.event_id)))


# --------------------------------------------------------------------------- create


def test_create_writes_a_starting_container_and_assigns_its_ship(db: Database, player_id: int) -> None:
    cid = create(db, player_id, restart_policy="always", max_restarts=3, restart_window_s=60)
    c = row(db, cid)
    assert (c.status, c.restart_policy, c.max_restarts, c.restart_window_s, c.restart_count) == ("STARTING", "always", 3, 60, 0)
    assert cid.startswith("sleep-cooper-2-") and c.created_at == T0 and c.daemon_id is None
    assert holder(db, player_id) == (cid, "active")
    assert events(db, cid) == ["STARTING"]
    check_invariants(db)


def test_create_without_a_ship_assigns_nothing(db: Database, player_id: int) -> None:
    create(db, player_id, ship=None)
    assert count(db, ShipAssignment) == 0


def test_create_refuses_a_held_ship_and_writes_nothing(db: Database, player_id: int) -> None:
    first = create(db, player_id)
    with pytest.raises(ShipBusyError, match=f"already assigned to container {first}"):
        create(db, player_id)
    assert count(db, Container) == 1 and holder(db, player_id) == (first, "active")


def test_create_refuses_when_called_in_a_transaction_that_goes_on(db: Database, player_id: int) -> None:
    """The caller catches ShipBusyError and commits: no orphan container is left behind."""
    create(db, player_id)
    with db.transaction() as uow:
        with pytest.raises(ShipBusyError):
            h.create_container(uow, player_id=player_id, command_type="X", params={"ship_symbol": SHIP}, id_prefix="x", now=T0)
    assert count(db, Container) == 1
    check_invariants(db)


@pytest.mark.parametrize(("kw", "error"), [({"restart_policy": "sometimes"}, ConfigError), ({"max_restarts": -1}, ConfigError)])
def test_create_validates_before_writing(db: Database, player_id: int, kw: dict, error: type) -> None:
    with pytest.raises(error):
        create(db, player_id, **kw)
    assert count(db, Container) == 0 and count(db, ShipAssignment) == 0


def test_create_for_an_unknown_player_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        create(db, 999)


# --------------------------------------------------------------------------- claim


def test_claim_marks_running_and_owned(db: Database, player_id: int) -> None:
    cid = create(db, player_id)
    with db.transaction() as uow:
        c = h.claim_start(uow, cid, daemon_id="d1", now=T0 + timedelta(seconds=1))
    assert c is not None and c.status == "RUNNING"
    c = row(db, cid)
    assert (c.daemon_id, c.started_at, c.heartbeat_at) == ("d1", T0 + timedelta(seconds=1), T0 + timedelta(seconds=1))
    assert events(db, cid) == ["STARTING", "RUNNING"]
    check_invariants(db)


def test_claim_refuses_before_not_before_other_owner_and_twice(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    with db.transaction() as uow:
        new = h.fail_container(uow, cid, daemon_id="d1", reason="boom", now=T0)
    assert new is not None and new.not_before == T0 + timedelta(seconds=10)
    with db.transaction() as uow:
        assert h.claim_start(uow, new.container_id, daemon_id="d1", now=T0 + timedelta(seconds=9)) is None
    assert row(db, new.container_id).status == "STARTING"
    with db.transaction() as uow:
        assert h.claim_start(uow, new.container_id, daemon_id="d2", now=T0 + timedelta(seconds=10)) is not None
    with db.transaction() as uow:  # already RUNNING: a second daemon gets nothing
        assert h.claim_start(uow, new.container_id, daemon_id="d1", now=T0 + timedelta(seconds=11)) is None
    assert row(db, new.container_id).daemon_id == "d2"


def test_claim_reassigns_a_ship_that_a_path_forgot(db: Database, player_id: int) -> None:
    cid = create(db, player_id)
    with db.transaction() as uow:
        uow.session.execute(text("UPDATE ship_assignments SET status = 'idle'"))
    with db.transaction() as uow:
        assert h.claim_start(uow, cid, daemon_id="d1", now=T0) is not None
    assert holder(db, player_id) == (cid, "active")
    check_invariants(db)


def test_a_second_live_container_for_a_ship_cannot_be_created(db: Database, player_id: int) -> None:
    """What an old version's bug did (a second container for a held ship) is refused, even once
    the assignment was idled behind the handlers' back; the claim then takes the ship back."""
    first = create(db, player_id)
    with db.transaction() as uow:
        uow.session.execute(text("UPDATE ship_assignments SET status = 'idle'"))
    with pytest.raises(ShipBusyError, match=first):
        create(db, player_id)
    assert count(db, Container) == 1
    with db.transaction() as uow:
        assert h.claim_start(uow, first, daemon_id="d1", now=T0) is not None
    assert holder(db, player_id) == (first, "active")
    check_invariants(db)


# --------------------------------------------------------------------------- complete / fail


def test_complete_releases_the_ship(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    with db.transaction() as uow:
        assert h.complete_container(uow, cid, daemon_id="d1", now=T0 + timedelta(seconds=5))
    c = row(db, cid)
    assert (c.status, c.exit_code, c.stopped_at) == ("COMPLETED", 0, T0 + timedelta(seconds=5))
    assert holder(db, player_id) == (cid, "idle")
    check_invariants(db)


def test_complete_under_always_restarts(db: Database, player_id: int) -> None:
    cid = running(db, player_id, restart_policy="always")
    with db.transaction() as uow:
        assert h.complete_container(uow, cid, daemon_id="d1", now=T0 + timedelta(seconds=5))
    with db.read() as s:
        new_id = s.scalars(select(Container.container_id).where(Container.restarted_from == cid)).one()
    new = row(db, new_id)
    assert row(db, cid).status == "COMPLETED" and new.status == "STARTING"
    assert holder(db, player_id) == (new.container_id, "active")
    check_invariants(db)


def test_fail_restarts_with_the_same_config_and_moves_the_ship(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    old = row(db, cid)
    with db.transaction() as uow:
        new = h.fail_container(uow, cid, daemon_id="d1", reason="ApiError 500", now=T0 + timedelta(seconds=30), exit_code=3)
    assert new is not None
    failed = row(db, cid)
    assert (failed.status, failed.exit_code, failed.exit_reason, failed.stopped_at) == (
        "FAILED", 3, "ApiError 500", T0 + timedelta(seconds=30))
    fresh = row(db, new.container_id)
    assert fresh.container_id != cid and fresh.container_id.startswith("sleep-cooper-2-")
    assert len(fresh.container_id) == len(cid)  # prefix kept, suffix replaced (not appended)
    assert (fresh.status, fresh.config, fresh.command_type, fresh.restart_policy) == (
        "STARTING", old.config, old.command_type, old.restart_policy)
    assert (fresh.restarted_from, fresh.restart_count, fresh.daemon_id) == (cid, 1, None)
    assert fresh.not_before == T0 + timedelta(seconds=40)
    assert holder(db, player_id) == (fresh.container_id, "active")
    assert events(db, cid) == ["STARTING", "RUNNING", "FAILED"]
    check_invariants(db)


def test_backoff_doubles_and_restart_count_survives_a_new_process(db_url: str, player_id: int, db: Database) -> None:
    cid = running(db, player_id, max_restarts=50)
    now = T0
    delays = []
    for _ in range(4):
        fresh_process = Database(db_url)  # each step as a newly started daemon would see it
        with fresh_process.transaction() as uow:
            new = h.fail_container(uow, cid, daemon_id="d1", reason="boom", now=now + timedelta(seconds=5))
            assert new is not None
            delays.append((new.not_before - (now + timedelta(seconds=5))).total_seconds())
            now = new.not_before
            assert h.claim_start(uow, new.container_id, daemon_id="d1", now=now) is not None
        fresh_process.dispose()
        cid = new.container_id
    assert delays == [10, 20, 40, 80]
    assert row(db, cid).restart_count == 4
    check_invariants(db)


def test_gives_up_after_max_restarts_and_releases_the_ship(db: Database, player_id: int) -> None:
    cid = running(db, player_id, max_restarts=2, restart_window_s=3600)
    now = T0
    for _ in range(2):
        with db.transaction() as uow:
            new = h.fail_container(uow, cid, daemon_id="d1", reason="boom", now=now)
            assert new is not None
            now = new.not_before
            h.claim_start(uow, new.container_id, daemon_id="d1", now=now)
        cid = new.container_id
    with db.transaction() as uow:
        assert h.fail_container(uow, cid, daemon_id="d1", reason="boom", now=now) is None
    c = row(db, cid)
    assert c.status == "FAILED" and "gave up: 3 failures" in (c.exit_reason or "")
    with db.read() as s:
        a = s.get(ShipAssignment, (player_id, SHIP))
        assert a is not None and (a.status, a.container_id, a.released_at) == ("idle", cid, now)
        assert a.release_reason and "gave up" in a.release_reason
        assert s.scalar(select(func.count()).select_from(Container).where(Container.status == "STARTING")) == 0
    check_invariants(db)


def test_policy_no_does_not_restart(db: Database, player_id: int) -> None:
    cid = running(db, player_id, restart_policy="no")
    with db.transaction() as uow:
        assert h.fail_container(uow, cid, daemon_id="d1", reason="boom", now=T0) is None
    assert row(db, cid).status == "FAILED" and holder(db, player_id) == (cid, "idle")


def test_fail_of_an_unclaimed_container(db: Database, player_id: int) -> None:
    cid = create(db, player_id, restart_policy="no")
    with db.transaction() as uow:
        assert h.fail_container(uow, cid, daemon_id=None, reason="unknown command type", now=T0) is None
    assert row(db, cid).status == "FAILED" and holder(db, player_id) == (cid, "idle")


@pytest.mark.parametrize(
    "stale_call",
    [
        lambda uow, cid: h.fail_container(uow, cid, daemon_id="d2", reason="x", now=T0),
        lambda uow, cid: h.complete_container(uow, cid, daemon_id="d2", now=T0),
        lambda uow, cid: h.finish_stop(uow, cid, daemon_id="d2", now=T0),
        lambda uow, cid: h.interrupt_container(uow, cid, daemon_id="d2", now=T0),
    ],
    ids=["fail", "complete", "finish_stop", "interrupt"],
)
def test_a_stale_daemon_changes_nothing(db: Database, player_id: int, stale_call) -> None:  # type: ignore[no-untyped-def]
    cid = running(db, player_id, daemon="d1")
    with db.transaction() as uow:
        assert not stale_call(uow, cid)
    assert row(db, cid).status == "RUNNING" and holder(db, player_id) == (cid, "active")
    assert count(db, Container) == 1


def test_an_already_restarted_container_cannot_fail_again(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    with db.transaction() as uow:
        new = h.fail_container(uow, cid, daemon_id="d1", reason="boom", now=T0)
    with db.transaction() as uow:
        assert h.fail_container(uow, cid, daemon_id="d1", reason="again", now=T0) is None
        assert not h.complete_container(uow, cid, daemon_id="d1", now=T0)
        assert h.recover_container(uow, cid, now=T0, reason="late") is None
    assert count(db, Container) == 2 and holder(db, player_id) == (new.container_id, "active")  # type: ignore[union-attr]
    with db.transaction() as uow:  # stale release by the old id
        assert not uow.assignments.release(player_id, SHIP, cid, "stale")
    assert holder(db, player_id) == (new.container_id, "active")  # type: ignore[union-attr]


# --------------------------------------------------------------------------- user actions


def test_user_restart_of_a_running_container(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    with db.transaction() as uow:
        new = h.restart_container(uow, cid, now=T0 + timedelta(seconds=3))
    old = row(db, cid)
    assert (old.status, old.exit_reason, old.stopped_at) == ("STOPPED", "user restart", T0 + timedelta(seconds=3))
    fresh = row(db, new.container_id)
    assert (fresh.status, fresh.restarted_from, fresh.restart_count, fresh.not_before) == (
        "STARTING", cid, 1, T0 + timedelta(seconds=3))
    assert holder(db, player_id) == (new.container_id, "active")
    check_invariants(db)


def test_user_restart_of_a_finished_container(db: Database, player_id: int) -> None:
    cid = running(db, player_id, restart_policy="no")
    with db.transaction() as uow:
        h.fail_container(uow, cid, daemon_id="d1", reason="boom", now=T0)
    with db.transaction() as uow:
        new = h.restart_container(uow, cid, now=T0)
    assert row(db, cid).status == "FAILED"  # history is not rewritten
    assert holder(db, player_id) == (new.container_id, "active")
    with pytest.raises(SpacetradersError, match=f"already restarted as {new.container_id}"):
        with db.transaction() as uow:
            h.restart_container(uow, cid, now=T0)
    check_invariants(db)


def test_user_restart_of_a_finished_container_whose_ship_is_taken(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    with db.transaction() as uow:
        h.complete_container(uow, cid, daemon_id="d1", now=T0)
    other = create(db, player_id)
    with pytest.raises(ShipBusyError):
        with db.transaction() as uow:
            h.restart_container(uow, cid, now=T0)
    assert count(db, Container) == 2 and holder(db, player_id) == (other, "active")


def test_unknown_ids_are_not_found(db: Database, player_id: int) -> None:
    for call in (h.restart_container, h.request_stop, h.resume_container):
        with pytest.raises(NotFound, match="no container 'nope'"):
            with db.transaction() as uow:
                call(uow, "nope", now=T0)
    with pytest.raises(NotFound):
        with db.transaction() as uow:
            h.remove_container(uow, "nope")


def test_stop_a_starting_container(db: Database, player_id: int) -> None:
    cid = create(db, player_id)
    with db.transaction() as uow:
        assert h.request_stop(uow, cid, now=T0).status == "STOPPED"
    assert holder(db, player_id) == (cid, "idle")
    check_invariants(db)


def test_stop_a_running_container_goes_through_stopping(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    with db.transaction() as uow:
        assert h.request_stop(uow, cid, now=T0).status == "STOPPING"
        assert h.request_stop(uow, cid, now=T0).status == "STOPPING"  # idempotent
    assert holder(db, player_id) == (cid, "active")  # the run still drives the ship
    check_invariants(db)
    with db.transaction() as uow:
        assert h.finish_stop(uow, cid, daemon_id="d1", now=T0 + timedelta(seconds=2))
    assert row(db, cid).status == "STOPPED" and holder(db, player_id) == (cid, "idle")
    with pytest.raises(SpacetradersError, match="already STOPPED"):
        with db.transaction() as uow:
            h.request_stop(uow, cid, now=T0)
    assert events(db, cid) == ["STARTING", "RUNNING", "STOPPING", "STOPPED"]
    check_invariants(db)


def test_a_failure_while_stopping_is_not_restarted(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    with db.transaction() as uow:
        h.request_stop(uow, cid, now=T0)
        assert h.fail_container(uow, cid, daemon_id="d1", reason="boom", now=T0) is None
    assert row(db, cid).status == "FAILED" and holder(db, player_id) == (cid, "idle")
    assert count(db, Container) == 1


def test_interrupt_keeps_the_ship_and_resume_moves_it(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    with db.transaction() as uow:
        assert h.interrupt_container(uow, cid, daemon_id="d1", now=T0)
    assert row(db, cid).status == "INTERRUPTED" and holder(db, player_id) == (cid, "active")
    check_invariants(db)
    with db.transaction() as uow:
        new = h.resume_container(uow, cid, now=T0 + timedelta(minutes=5))
    old = row(db, cid)
    assert (old.status, old.exit_reason) == ("STOPPED", "resumed")
    assert row(db, new.container_id).restarted_from == cid and holder(db, player_id) == (new.container_id, "active")
    with pytest.raises(SpacetradersError, match="not INTERRUPTED"):
        with db.transaction() as uow:
            h.resume_container(uow, new.container_id, now=T0)
    check_invariants(db)


def test_interrupt_of_a_stopping_container_finishes_the_stop(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    with db.transaction() as uow:
        h.request_stop(uow, cid, now=T0)
        assert h.interrupt_container(uow, cid, daemon_id="d1", now=T0)
    assert row(db, cid).status == "STOPPED" and holder(db, player_id) == (cid, "idle")


def test_stop_an_interrupted_container(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    with db.transaction() as uow:
        h.interrupt_container(uow, cid, daemon_id="d1", now=T0)
        assert h.request_stop(uow, cid, now=T0).status == "STOPPED"
    assert holder(db, player_id) == (cid, "idle")


def test_recover_restarts_a_running_container_of_a_dead_daemon(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    with db.transaction() as uow:
        new = h.recover_container(uow, cid, now=T0 + timedelta(minutes=2), reason="daemon d1 lost")
    assert new is not None
    old = row(db, cid)
    assert (old.status, old.exit_reason) == ("FAILED", "daemon d1 lost")
    assert holder(db, player_id) == (new.container_id, "active")
    check_invariants(db)


def test_recover_finishes_a_stopping_container(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    with db.transaction() as uow:
        h.request_stop(uow, cid, now=T0)
    with db.transaction() as uow:
        assert h.recover_container(uow, cid, now=T0, reason="daemon d1 lost") is None
    assert row(db, cid).status == "STOPPED" and holder(db, player_id) == (cid, "idle")


def test_recover_leaves_starting_and_finished_containers_alone(db: Database, player_id: int) -> None:
    cid = create(db, player_id)
    with db.transaction() as uow:
        assert h.recover_container(uow, cid, now=T0, reason="x") is None
    assert row(db, cid).status == "STARTING"


def test_remove_refuses_live_and_deletes_finished_with_logs_and_events(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    with pytest.raises(SpacetradersError, match="stop it first"):
        with db.transaction() as uow:
            h.remove_container(uow, cid)
    with db.transaction() as uow:
        h.complete_container(uow, cid, daemon_id="d1", now=T0)
        uow.session.add(ContainerLog(container_id=cid, player_id=player_id, timestamp=T0, level="INFO", message="hi"))
    with db.transaction() as uow:
        h.remove_container(uow, cid)
    assert count(db, Container) == 0 and count(db, ContainerEvent) == 0 and count(db, ContainerLog) == 0
    assert holder(db, player_id) == (None, "idle")
    check_invariants(db)


def test_removing_an_ancestor_keeps_the_successor(db: Database, player_id: int) -> None:
    cid = running(db, player_id)
    with db.transaction() as uow:
        new = h.fail_container(uow, cid, daemon_id="d1", reason="boom", now=T0)
    with db.transaction() as uow:
        h.remove_container(uow, cid)
    assert row(db, new.container_id).restarted_from is None  # type: ignore[union-attr]
    check_invariants(db)


def test_user_restart_of_a_finished_container_refuses_when_another_drives_the_ship(
    db: Database, player_id: int
) -> None:
    old = running(db, player_id)
    with db.transaction() as uow:
        h.request_stop(uow, old, now=T0)
        assert h.finish_stop(uow, old, daemon_id="d1", now=T0)
    other = create(db, player_id)
    with db.transaction() as uow:
        with pytest.raises(ShipBusyError, match=other):
            h.restart_container(uow, old, now=T0)
    assert count(db, Container) == 2 and holder(db, player_id) == (other, "active")
    check_invariants(db)


def test_a_thief_cannot_take_a_live_containers_ship(db: Database, player_id: int) -> None:
    """The old way to steal a ship (idle its assignment by hand, create another container) is refused."""
    cid = running(db, player_id)
    with db.transaction() as uow:
        uow.session.execute(text("UPDATE ship_assignments SET status = 'idle'"))
    with pytest.raises(ShipBusyError, match=cid):
        create(db, player_id)
    with db.transaction() as uow:  # the owner's failure still restarts it, with the ship
        new = h.fail_container(uow, cid, daemon_id="d1", reason="boom", now=T0)
        assert new is not None
        new_id = new.container_id
    assert holder(db, player_id) == (new_id, "active")
    check_invariants(db)


def test_finish_stop_of_a_running_container(db: Database, player_id: int) -> None:
    """The daemon may stop a run that was never asked through STOPPING (e.g. it saw the stop late)."""
    cid = running(db, player_id)
    with db.transaction() as uow:
        assert h.finish_stop(uow, cid, daemon_id="d1", now=T0)
    assert row(db, cid).status == "STOPPED" and holder(db, player_id) == (cid, "idle")


def test_a_run_that_completes_while_stopping_is_completed_not_restarted(db: Database, player_id: int) -> None:
    cid = running(db, player_id, restart_policy="always")
    with db.transaction() as uow:
        h.request_stop(uow, cid, now=T0)
        assert h.complete_container(uow, cid, daemon_id="d1", now=T0)
    assert row(db, cid).status == "COMPLETED" and holder(db, player_id) == (cid, "idle")
    assert count(db, Container) == 1
