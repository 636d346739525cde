"""`daemon stop` signals only the daemon its data directory started, proven; a daemon is declared
dead by pid only on its own machine, boot and pid namespace; the runner holds the directory's lock."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from spacetraders.application import daemons
from spacetraders.clock import utcnow
from spacetraders.persistence.models import Daemon
from spacetraders.supervisor import identity, pidfile, runner
from spacetraders.supervisor.daemon import _declare_local_dead
from tests.cli.helpers import cli
from tests.supervisor.inprocess import FAST, until

_real_kill = os.kill


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("SPACETRADERS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SPACETRADERS_DATABASE_URL", raising=False)
    (tmp_path / "data").mkdir(mode=0o700)
    return tmp_path / "data"


@pytest.fixture
def signals(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Signals the code under test sends are recorded, never delivered (probes with 0 still work)."""
    sent: list[tuple[int, int]] = []

    def kill(pid: int, sig: int) -> None:
        if sig == 0:
            if pid > 0:
                _real_kill(pid, 0)
            return  # kill(-1, 0) succeeds for any user who can signal something
        sent.append((pid, sig))

    monkeypatch.setattr(os, "kill", kill)
    return sent


@pytest.fixture
def stranger():  # type: ignore[no-untyped-def]
    """A process this test started that is NOT a daemon: it must survive `daemon stop`."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _live_row(db, daemon_id="elsewhere-7-abc", lease_s=300, **extra):  # type: ignore[no-untyped-def]
    now = utcnow()
    values = {"hostname": "elsewhere", "pid": 7, **extra}
    with db.transaction() as uow:
        uow.session.add(Daemon(daemon_id=daemon_id, status="running", started_at=now, heartbeat_at=now,
                               lease_expires_at=now + timedelta(seconds=lease_s), **values))


def _status_of(db, daemon_id):  # type: ignore[no-untyped-def]
    with db.read() as s:
        return s.scalar(select(Daemon.status).where(Daemon.daemon_id == daemon_id))


def test_a_pidfile_naming_pid_minus_one_is_refused_and_nothing_is_signalled(capsys, db, db_url, data_dir, signals):
    _live_row(db)
    (data_dir / "daemon.pid").write_text(json.dumps({"pid": -1, "daemon_id": "x", "database": db_url}))
    result = cli(capsys, "--db", db_url, "daemon", "stop", "--timeout", "1")
    assert signals == []
    assert result.code == 1
    (line,) = result.err.strip().splitlines()
    assert line.startswith("error: ") and "pid -1" in line and "not signalling" in line
    assert _status_of(db, "elsewhere-7-abc") == "running"  # refused before anything was written


def test_a_stale_pidfile_naming_a_reused_pid_never_signals_that_process(capsys, db, db_url, data_dir, stranger):
    # The daemon that wrote this file died (kill -9, reboot); its pid now belongs to another process.
    (data_dir / "daemon.pid").write_text(json.dumps({"pid": stranger.pid, "daemon_id": "gone", "database": db_url}))
    result = cli(capsys, "--db", db_url, "--json", "daemon", "stop", "--timeout", "2")
    assert result.code == 0, result.err
    assert result.json() == {"stopped": []}
    assert stranger.poll() is None, "daemon stop signalled a process that is not the daemon"


def test_a_held_lock_with_a_pidfile_naming_another_process_is_refused(capsys, db, db_url, data_dir, stranger):
    lock = pidfile.DaemonLock()
    lock.acquire()  # a daemon of this directory runs (this test plays it) ...
    try:
        forged = identity.process_key(stranger.pid)
        assert forged is not None
        where, pid, ticks = forged.rsplit(":", 2)
        # ... but the pidfile names a pid whose process started at another time: a reused pid.
        (data_dir / "daemon.pid").write_text(json.dumps({
            "pid": stranger.pid, "daemon_id": "mine", "database": db_url,
            "process_key": f"{where}:{pid}:{int(ticks) - 1}", "cmdline": identity.cmdline_digest(stranger.pid)}))
        result = cli(capsys, "--db", db_url, "daemon", "stop", "--timeout", "1")
        assert result.code == 1
        (line,) = result.err.strip().splitlines()
        assert f"pid {stranger.pid}" in line and "another process" in line and "not signalling" in line
        assert stranger.poll() is None
        # The same process with the right start time but another command line: still refused.
        (data_dir / "daemon.pid").write_text(json.dumps({
            "pid": stranger.pid, "daemon_id": "mine", "database": db_url, "process_key": forged,
            "cmdline": "0" * 32}))
        result = cli(capsys, "--db", db_url, "daemon", "stop", "--timeout", "1")
        assert result.code == 1 and "command line" in result.err and stranger.poll() is None
        start = cli(capsys, "--db", db_url, "daemon", "start")  # and no second daemon for this directory
        assert start.code == 1 and "already running" in start.err
    finally:
        lock.release()


def test_a_dead_pid_on_another_machine_with_the_same_hostname_is_not_declared_dead(db):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    key = None
    while gone.poll() is None and key is None:
        key = identity.process_key(gone.pid)
    gone.wait(timeout=10)
    host = socket.gethostname()
    # Same hostname and a pid that is free here, but another machine's boot id: only its lease can tell.
    _live_row(db, "twin-host", hostname=host, pid=gone.pid, process_key=f"another-boot/1:{gone.pid}:5")
    _live_row(db, "legacy", hostname=host, pid=gone.pid)  # no process key: wait for the lease
    mine = identity.process_key()
    assert mine is not None
    where = mine.rsplit(":", 2)[0]
    # A daemon of this very boot and pid namespace whose pid ended (or was reused): provably dead.
    _live_row(db, "crashed-here", hostname=host, pid=gone.pid, process_key=f"{where}:{gone.pid}:1")
    _live_row(db, "alive-here", hostname="whatever", pid=os.getpid(), process_key=mine)
    # Its lease already ran out (a loaded machine): still declared in the registering transaction.
    _live_row(db, "expired-here", lease_s=-5, hostname=host, pid=gone.pid, process_key=f"{where}:{gone.pid}:2")
    with db.transaction() as uow:
        _declare_local_dead(uow, utcnow())
    names = ("twin-host", "legacy", "crashed-here", "alive-here", "expired-here")
    assert {d: _status_of(db, d) for d in names} == {
        "twin-host": "running", "legacy": "running", "crashed-here": "dead", "alive-here": "running",
        "expired-here": "dead"}


def test_the_runner_holds_the_directory_lock_and_stops_through_the_database(db, db_url, data_dir, api_url):
    async def scenario() -> None:
        serving = asyncio.create_task(runner._serve(db, api_url, FAST, True))

        def registered():  # type: ignore[no-untyped-def]
            with db.read() as s:
                return s.scalar(select(Daemon).where(Daemon.pid == os.getpid(), Daemon.status == "running")
                                .with_only_columns(Daemon.daemon_id))

        daemon_id = await until(registered, what="registration")
        local = pidfile.running()
        assert local is not None and local.pid == os.getpid() and local.daemon_id == daemon_id
        with db.read() as s:
            assert s.get(Daemon, daemon_id).process_key == identity.process_key() == local.process_key
        with pytest.raises(daemons.DaemonAlreadyRunning, match="already running"):
            await runner._serve(db, api_url, FAST, True)  # one daemon per data directory
        with db.transaction() as uow:
            assert daemons.request_daemon_stop(uow, now=utcnow()) == [daemon_id]
        assert await asyncio.wait_for(serving, timeout=30) == 0

    asyncio.run(scenario())
    assert not pidfile.path().exists() and not pidfile.lock_held() and pidfile.running() is None
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
