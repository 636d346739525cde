"""`reconcile` recovers dead daemons' work, fixes assignments, prunes logs; overlapping runs are safe."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from spacetraders.application.reconcile import reconcile
from spacetraders.clock import utcnow
from spacetraders.domain.containers import ContainerStatus
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, ContainerLog, Daemon, PlayerLease
from tests.cli.helpers import cli
from tests.factories import make_container, make_player

pytest.importorskip("spacetraders.application.containers", reason="container lifecycle handlers not in this tree yet")


def _dead_daemon_with_running_tours(db, ships=("COOPER-2", "COOPER-3")):  # type: ignore[no-untyped-def]
    now = utcnow()
    with db.transaction() as uow:
        make_player(uow, player_id=1)
        uow.session.add(
            Daemon(daemon_id="host-1-dead", hostname="host", pid=1, status="running",
                   started_at=now - timedelta(hours=1), heartbeat_at=now - timedelta(minutes=5),
                   lease_expires_at=now - timedelta(minutes=4), version="test")
        )
        uow.session.add(PlayerLease(player_id=1, daemon_id="host-1-dead", acquired_at=now - timedelta(hours=1),
                                    expires_at=now - timedelta(minutes=4)))
        ids = []
        for ship in ships:
            c = make_container(uow, 1, ship, status=ContainerStatus.RUNNING)
            c.daemon_id = "host-1-dead"
            c.heartbeat_at = now - timedelta(minutes=5)
            uow.assignments.assign(1, ship, c.container_id)
            ids.append(c.container_id)
        return ids


def _assignments(db):  # type: ignore[no-untyped-def]
    with db.read() as session:
        return dict(session.execute(text(
            "SELECT sa.ship_symbol, c.status FROM ship_assignments sa JOIN containers c "
            "ON c.container_id = sa.container_id WHERE sa.status = 'active' ORDER BY 1")).all())


def test_recovers_containers_of_a_dead_daemon(db):
    old_ids = _dead_daemon_with_running_tours(db)
    report = reconcile(db, now=utcnow())
    assert report.consistent and report.dead_daemons == ["host-1-dead"]
    assert sorted(r["container_id"] for r in report.recovered) == sorted(old_ids)
    new_ids = {r["replacement"] for r in report.recovered}
    with db.read() as session:
        rows = session.execute(select(Container.container_id, Container.status, Container.restarted_from)).all()
        leases = session.scalar(select(func.count()).select_from(PlayerLease))
    by_id = {cid: (status, parent) for cid, status, parent in rows}
    assert all(by_id[old][0] == "FAILED" for old in old_ids)
    assert all(by_id[new][0] == "STARTING" and by_id[new][1] in old_ids for new in new_ids)
    assert _assignments(db) == {"COOPER-2": "STARTING", "COOPER-3": "STARTING"}
    assert leases == 0  # the dead daemon's player lease is free for a live daemon
    again = reconcile(db, now=utcnow())
    assert again.recovered == [] and again.fixes == [] and again.consistent


def test_dry_run_changes_nothing(db):
    _dead_daemon_with_running_tours(db)
    with db.read() as session:
        before = session.execute(text("SELECT container_id, status FROM containers ORDER BY 1")).all()
    report = reconcile(db, now=utcnow(), dry_run=True)
    assert report.dead_daemons and len(report.recovered) == 2
    with db.read() as session:
        assert session.execute(text("SELECT container_id, status FROM containers ORDER BY 1")).all() == before
        assert session.execute(text("SELECT status FROM daemons")).scalar() == "running"


def test_overlapping_runs_recover_each_container_once(db_url):
    setup = Database(db_url)
    old_ids = _dead_daemon_with_running_tours(setup, ships=tuple(f"COOPER-{n}" for n in range(2, 12)))
    setup.dispose()
    reports, errors = [], []

    def run() -> None:
        database = Database(db_url)
        try:
            reports.append(reconcile(database, now=utcnow()))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(len(r.recovered) for r in reports) == len(old_ids)
    check = Database(db_url)
    with check.read() as session:
        starting = session.scalar(select(func.count()).select_from(Container).where(Container.status == "STARTING"))
    assert starting == len(old_ids)
    assert len(_assignments(check)) == len(old_ids)
    check.dispose()


def test_prunes_only_old_logs(db):
    now = utcnow()
    with db.transaction() as uow:
        make_player(uow, player_id=1)
        cid = make_container(uow, 1, "COOPER-2", status=ContainerStatus.COMPLETED).container_id
        for days in (30, 10, 1, 0):
            uow.session.add(ContainerLog(container_id=cid, player_id=1, timestamp=now - timedelta(days=days),
                                         level="INFO", message=f"{days} days old"))
    report = reconcile(db, now=now, log_retention=timedelta(days=7))
    assert report.logs_pruned == 2
    with db.read() as session:
        left = session.scalars(select(ContainerLog.message).order_by(ContainerLog.log_id)).all()
    assert left == ["1 days old", "0 days old"]


def test_cli_exit_codes(capsys, db, db_url):
    _dead_daemon_with_running_tours(db)
    ok = cli(capsys, "--db", db_url, "--json", "reconcile")
    assert ok.code == 0, ok.err
    assert ok.json()["consistent"] is True and len(ok.json()["recovered"]) == 2
    line = cli(capsys, "--db", db_url, "reconcile")
    assert line.code == 0 and len(line.out.strip().splitlines()) == 1
    with db.transaction() as uow:  # a queued container whose config a hand edit broke: a person must look
        broken = make_container(uow, 1, "COOPER-9", status=ContainerStatus.STARTING).container_id
        uow.session.execute(text("UPDATE containers SET config = '{oops' WHERE container_id = :c"), {"c": broken})
    bad = cli(capsys, "--db", db_url, "reconcile")
    assert bad.code == 1 and "not consistent" in bad.err and broken in bad.err
    assert "Traceback" not in bad.err


def test_warns_about_queued_work_no_daemon_can_run(db):
    with db.transaction() as uow:
        make_player(uow, player_id=1)
        make_container(uow, 1, "COOPER-2", status=ContainerStatus.STARTING, command_type="MiningCommandFromTheFuture")
        make_container(uow, 1, "COOPER-3", status=ContainerStatus.STARTING)  # a ScoutTourCommand: known
    report = reconcile(db, now=utcnow())
    assert report.unknown_command_types == {"MiningCommandFromTheFuture": 1}
    assert report.consistent and "unknown command type MiningCommandFromTheFuture" in report.summary()
