"""`spacetraders daemon start/status/stop/run` through the real entry point."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from spacetraders.clock import utcnow
from spacetraders.persistence.models import Daemon
from spacetraders.supervisor import pidfile, process
from tests.cli.helpers import cli
from tests.invariants import check_invariants

pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
from tests.simserver import sim_server  # noqa: E402
from tests.supervisor.harness import (  # noqa: E402
    containers,
    create_sleepers,
    register_agent,
    sql,
    wait_until,
)

FAST = ["--lease", "3", "--heartbeat", "0.5", "--poll", "0.2", "--grace", "2"]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """Simulator on loopback, a private data dir; any daemon left running is killed at the end."""
    with sim_server(seed=5, time_scale=50, enforce_rate_limit=False) as (url, _sim):
        monkeypatch.setenv("SPACETRADERS_API_URL", url)
        monkeypatch.setenv("SPACETRADERS_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.delenv("SPACETRADERS_DATABASE_URL", raising=False)
        try:
            yield url
        finally:
            # Only a daemon proven to be this directory's (lock held, start time and command
            # line match); a stale or foreign pidfile is never signalled.
            with contextlib.suppress(pidfile.NotOurDaemon):
                info = pidfile.running()
                if info is not None:
                    os.kill(info.pid, signal.SIGKILL)


def test_start_status_stop(capsys, db, db_url, env):
    agent = register_agent(db, env, "DAEMONCLI")
    ids = create_sleepers(db, agent, 2, seconds=0.2, iterations=0)

    started = cli(capsys, "--db", db_url, "--json", "daemon", "start", *FAST)
    assert started.code == 0, started.err
    body = started.json()
    assert body["pid"] == pidfile.read().pid and Path(body["log"]).exists()
    wait_until(lambda: all(containers(db)[c].status == "RUNNING" for c in ids), what="containers running")

    status = cli(capsys, "--db", db_url, "--json", "daemon", "status")
    report = status.json()
    assert report["running"] is True and report["containers"]["RUNNING"] == 2
    (daemon,) = report["daemons"]
    assert daemon["daemon_id"] == body["daemon_id"] and daemon["pid"] == body["pid"]
    assert daemon["containers_owned"] == 2 and daemon["heartbeat_age_s"] < 3
    assert report["local"]["alive"] is True
    human = cli(capsys, "--db", db_url, "daemon", "status")
    assert body["daemon_id"] in human.out and "running 2" in human.out
    token = sql(db, "SELECT token FROM players")[0][0]
    assert token not in status.out + human.out + started.out + Path(body["log"]).read_text()

    again = cli(capsys, "--db", db_url, "daemon", "start", *FAST)
    assert again.code != 0 and "already running" in again.err and len(again.err.strip().splitlines()) == 1

    stopped = cli(capsys, "--db", db_url, "--json", "daemon", "stop")
    assert stopped.code == 0, stopped.err
    assert stopped.json()["stopped"] == [body["daemon_id"]]
    assert not pidfile.path().exists()
    assert all(containers(db)[c].status == "INTERRUPTED" for c in ids)
    after = cli(capsys, "--db", db_url, "--json", "daemon", "status").json()
    assert after["running"] is False and after["recent"][0]["status"] == "stopped"
    assert "no daemon is running" in cli(capsys, "--db", db_url, "daemon", "status").out
    check_invariants(db)


def test_stop_reaches_a_daemon_through_the_database_alone(capsys, db, db_url, env, tmp_path):
    """A daemon started elsewhere (another data dir: think another machine) stops when its row says so."""
    other = subprocess.Popen(
        [sys.executable, "-m", "spacetraders.supervisor", *FAST],
        env={**os.environ, "SPACETRADERS_DATABASE_URL": db_url, "SPACETRADERS_DATA_DIR": str(tmp_path / "other")},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: sql(db, "SELECT daemon_id FROM daemons WHERE pid = :p", p=other.pid), what="registered")
        result = cli(capsys, "--db", db_url, "--json", "daemon", "stop")
        assert result.code == 0, result.err
        assert other.wait(timeout=10) == 0
        assert sql(db, "SELECT status FROM daemons WHERE pid = :p", p=other.pid)[0][0] == "stopped"
    finally:
        if other.poll() is None:
            other.kill()


def test_bad_settings_and_nothing_to_stop(capsys, db, db_url, env):
    bad = cli(capsys, "--db", db_url, "daemon", "start", "--lease", "1", "--heartbeat", "1")
    assert bad.code == 2 and "lease" in bad.err
    assert sql(db, "SELECT count(*) FROM daemons")[0][0] == 0 and pidfile.read() is None
    nothing = cli(capsys, "--db", db_url, "daemon", "stop")
    assert nothing.code == 0 and "no daemon was running" in nothing.out


def test_start_reports_a_daemon_that_dies_at_once(capsys, db, db_url, env, monkeypatch):
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL accepts a second daemon: the refusal is SQLite's")
    # A live daemon of another machine appears between the CLI's check and the child's registration
    # (the race the check cannot close): the child refuses, and start reports why instead of hanging.
    monkeypatch.setattr(process, "refuse_if_running", lambda db, allow_another: None)
    now = utcnow()
    with db.transaction() as uow:
        uow.session.add(Daemon(daemon_id="elsewhere-1-abc", hostname="elsewhere", pid=1, status="running",
                               started_at=now, heartbeat_at=now, lease_expires_at=now + timedelta(minutes=5)))
    result = cli(capsys, "--db", db_url, "daemon", "start", *FAST, "--timeout", "10")
    assert result.code != 0 and "exited" in result.err and "already running" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_run_in_the_foreground_stops_on_sigint(db, db_url, env, tmp_path):
    """`daemon run` (systemd, terminals): Ctrl-C is a graceful stop with exit code 0."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "spacetraders.cli.main", "--db", db_url, "daemon", "run", *FAST],
        env={**os.environ, "SPACETRADERS_DATA_DIR": str(tmp_path / "fg")},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: sql(db, "SELECT status FROM daemons WHERE pid = :p", p=proc.pid), what="registered")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
        assert proc.returncode == 0, err.decode()
        assert sql(db, "SELECT status FROM daemons WHERE pid = :p", p=proc.pid)[0][0] == "stopped"
        assert b"stopped" in err  # the daemon's own log lines go to stderr
    finally:
        if proc.poll() is None:
            proc.kill()
