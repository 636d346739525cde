"""Daemon use cases in-process, with explicit times: heartbeat CAS, player leases, recovery, log sink."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from spacetraders.application import containers as lifecycle
from spacetraders.application import daemons
from spacetraders.persistence.models import Container, ContainerLog, Daemon, PlayerLease
from spacetraders.supervisor.logsink import (
    ContainerLogSink,
    container_logger,
    current_container,
    install,
    uninstall,
)
from tests.factories import make_player
from tests.invariants import check_invariants

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = 30.0


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def register(db, daemon_id, now=T0, exclusive=False):  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        daemons.register_daemon(uow, daemon_id=daemon_id, hostname="h", pid=1, version="t", now=now,
                                lease_s=LEASE, exclusive=exclusive)


def beat(db, daemon_id, now, container_ids=()):  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        return daemons.heartbeat(uow, daemon_id=daemon_id, now=now, lease_s=LEASE, container_ids=container_ids)


def create(db, player_id, ship, now=T0):  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        return lifecycle.create_container(uow, player_id=player_id, command_type="SleepCommand",
                                          params={"ship_symbol": ship}, id_prefix=f"s-{ship}", now=now).container_id


def claim(db, daemon_id, now):  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        players = daemons.acquire_player_leases(uow, daemon_id=daemon_id, now=now, lease_s=LEASE)
        return [c.container_id for c in daemons.claim_ready(
            uow, daemon_id=daemon_id, player_ids=players, command_types=["SleepCommand"], now=now, limit=50)]


@pytest.fixture
def player_id(db) -> int:  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        return make_player(uow, "LEASER").player_id


def test_heartbeat_is_a_cas_on_the_live_row(db):
    register(db, "a")
    assert beat(db, "a", at(5)) == daemons.Beat(stop_requested=False)
    with db.read() as s:
        assert s.get(Daemon, "a").lease_expires_at == at(5 + LEASE)
    with db.transaction() as uow:
        assert daemons.request_daemon_stop(uow, now=at(6)) == ["a"]
    assert beat(db, "a", at(10)) == daemons.Beat(stop_requested=True)
    with db.transaction() as uow:  # not expired yet: a CAS that must not declare a live daemon dead
        assert not daemons.declare_dead(uow, daemon_id="a", now=at(11))
        assert daemons.declare_dead(uow, daemon_id="a", now=at(10 + LEASE))
    assert beat(db, "a", at(41)) is None  # lost: it must stand down


def test_sqlite_style_exclusive_registration_refuses_a_second_live_daemon(db):
    register(db, "a")
    with pytest.raises(daemons.DaemonAlreadyRunning, match="already running"):
        register(db, "b", now=at(1), exclusive=True)
    register(db, "b", now=at(LEASE + 1), exclusive=True)  # a's lease has expired by then


def test_player_lease_keeps_a_players_containers_on_one_daemon(db, player_id):
    register(db, "a")
    register(db, "b")
    first = create(db, player_id, "S-1")
    assert claim(db, "b", at(1)) == [first]
    second = create(db, player_id, "S-2", now=at(2))
    assert claim(db, "a", at(3)) == []  # b holds the player's lease
    beat(db, "b", at(4), container_ids=[first])
    assert claim(db, "b", at(5)) == [second]
    beat(db, "b", at(6), container_ids=[second, "not-ours"])  # first's run ended: it no longer beats
    with db.read() as s:
        assert s.get(PlayerLease, player_id).expires_at == at(6 + LEASE)
        # a heartbeat bumps the rows of live runs only, fenced by owner
        assert s.get(Container, first).heartbeat_at == at(4)
        assert s.get(Container, second).heartbeat_at == at(6)
    check_invariants(db)


def test_recovery_declares_the_expired_daemon_dead_and_moves_its_ships(db, player_id):
    register(db, "dying")
    register(db, "alive")
    cid = create(db, player_id, "S-9")
    assert claim(db, "dying", at(1)) == [cid]
    beat(db, "alive", at(LEASE + 5))
    with db.transaction() as uow:  # dying's lease ran out at T0 + LEASE
        dead, recovered = daemons.recover_orphans(uow, daemon_id="alive", now=at(LEASE + 5), limit=10)
    assert dead == ["dying"] and recovered == [cid]
    with db.read() as s:
        old = s.get(Container, cid)
        new = s.scalars(select(Container).where(Container.restarted_from == cid)).one()
        assert old.status == "FAILED" and new.status == "STARTING"
        assert s.get(Daemon, "dying").status == "dead" and s.get(PlayerLease, player_id) is None
        new_id, due = new.container_id, new.not_before
    assert claim(db, "alive", due) == [new_id]  # the survivor takes the player over
    with db.transaction() as uow:  # nothing left to recover; the live daemon's container is untouched
        assert daemons.recover_orphans(uow, daemon_id="alive", now=at(LEASE + 6), limit=10) == ([], [])
    check_invariants(db)


def test_graceful_finish_releases_player_leases_and_interrupts(db, player_id):
    register(db, "a")
    cid = create(db, player_id, "S-3")
    claim(db, "a", at(1))
    with db.transaction() as uow:
        assert daemons.interrupt_containers(uow, [cid], daemon_id="a", now=at(2)) == [cid]
        assert daemons.finish_daemon(uow, daemon_id="a", now=at(2))
    with db.read() as s:
        assert s.get(Container, cid).status == "INTERRUPTED" and s.get(PlayerLease, player_id) is None
        report = daemons.daemon_report(s, now=at(3))
    assert report["running"] is False and report["containers"]["INTERRUPTED"] == 1
    register(db, "b", now=at(4))
    with db.transaction() as uow:
        players = daemons.acquire_player_leases(uow, daemon_id="b", now=at(4), lease_s=LEASE)
        (resumed,) = daemons.resume_interrupted(uow, player_ids=players, now=at(4), limit=10)
    with db.read() as s:  # the restart path: a new STARTING run, the interrupted one STOPPED
        new = s.get(Container, resumed)
        assert new.restarted_from == cid and new.status == "STARTING"
        assert s.get(Container, cid).status == "STOPPED"
    check_invariants(db)


def test_log_sink_tags_lines_by_container_and_batches_them(db, player_id):
    a, b = create(db, player_id, "S-4"), create(db, player_id, "S-5")
    sink = ContainerLogSink(db, flush_interval=0.05, secrets=("tok-secret-value-123",))
    install(sink)
    sink.start()
    try:
        container_logger(a, player_id).info("hello from a with tok-secret-value-123")
        container_logger(b, player_id).warning("hello from b")
        token = current_container.set((b, player_id))
        try:  # a library logger inside b's task: the line is b's
            logging.getLogger("spacetraders.api").warning("retrying")
        finally:
            current_container.reset(token)
        logging.getLogger("spacetraders.api").warning("outside any container")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with db.read() as s:
                if s.scalar(select(ContainerLog.log_id).where(ContainerLog.container_id == b).offset(1).limit(1)):
                    break
            time.sleep(0.05)
    finally:
        uninstall(sink)
    with db.read() as s:
        lines = {(r.container_id, r.level, r.message) for r in s.scalars(select(ContainerLog))}
    assert lines == {
        (a, "INFO", "hello from a with tok-…-123"),
        (b, "WARNING", "hello from b"),
        (b, "WARNING", "retrying"),
    }
