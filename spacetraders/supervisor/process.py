"""Start a detached daemon process and stop daemons, for the `daemon` CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from spacetraders.application import daemons
from spacetraders.clock import utcnow
from spacetraders.errors import SpacetradersError
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Daemon
from spacetraders.settings import Settings
from spacetraders.supervisor import identity, pidfile
from spacetraders.supervisor.config import DaemonConfig


class DaemonStartError(SpacetradersError):
    """The daemon did not come up."""


@dataclass(frozen=True)
class Started:
    pid: int
    daemon_id: str
    log: str


def refuse_if_running(db: Database, *, allow_another: bool) -> None:
    """One daemon per data directory; on SQLite one per database (PostgreSQL allows more on request)."""
    if pidfile.lock_held():
        local = pidfile.read()
        pid = f" (pid {local.pid})" if local is not None else ""
        raise daemons.DaemonAlreadyRunning(
            f"a daemon is already running from {pidfile.path().parent}{pid}; `spacetraders daemon stop` first"
        )
    if allow_another and db.is_sqlite:
        raise daemons.DaemonAlreadyRunning("a SQLite database serves one daemon at a time: --another needs PostgreSQL")
    if not allow_another:
        with db.read() as session:  # describe the rows while the session is open (they expire after)
            live = [_describe(d) for d in daemons.live_daemons(session, now=utcnow()) if not _dead_local(d)]
        if live:
            hint = "" if db.is_sqlite else " (pass --another to add one more daemon on PostgreSQL)"
            raise daemons.DaemonAlreadyRunning(f"daemon {live[0]} is already running for this database{hint}")


def start_detached(settings: Settings, db: Database, config: DaemonConfig, *, timeout: float = 15.0) -> Started:
    """Spawn `python -m spacetraders.supervisor` in its own session; return once its row heartbeats."""
    log = pidfile.log_path()
    env = {**os.environ, "SPACETRADERS_DATABASE_URL": settings.database_url,
           "SPACETRADERS_API_URL": settings.api_url, "SPACETRADERS_DATA_DIR": str(pidfile.path().parent)}
    args = [sys.executable, "-m", "spacetraders.supervisor", "--lease", str(config.lease_s),
            "--heartbeat", str(config.heartbeat_s), "--poll", str(config.poll_s), "--grace", str(config.stop_grace_s)]
    with open(log, "ab") as out:
        out.write(f"--- daemon start {utcnow().isoformat()} ---\n".encode())
        out.flush()
        child = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
                                 start_new_session=True, close_fds=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = _row_of_pid(db, child.pid)
        if row is not None:
            return Started(child.pid, row.daemon_id, str(log))
        code = child.poll()
        if code is not None:
            raise DaemonStartError(f"the daemon exited with code {code}: {_last_error(log)} (log: {log})")
        time.sleep(0.1)
    child.terminate()
    raise DaemonStartError(f"the daemon did not register within {timeout:g} s (log: {log})")


def stop(db: Database, *, daemon_id: str | None, timeout: float,
         on_wait: Callable[[float], None] | None = None) -> list[str]:
    """Ask daemons to stop: mark their rows 'stopping' (works across machines) and SIGTERM the local
    one, once proven to be the daemon this data directory started; wait until none of them is live.
    Returns the daemon ids asked to stop. NotOurDaemon (nothing written, nothing signalled) when
    the pidfile names a process that cannot be proven to be that daemon."""
    local = pidfile.running()
    if local is not None and (daemon_id is None or local.daemon_id == daemon_id):
        _check_row(db, local)
    else:
        local = None
    with db.transaction() as uow:
        targets = daemons.request_daemon_stop(uow, now=utcnow(), daemon_id=daemon_id)
    local_pid = None
    if local is not None:
        local_pid = local.pid
        os.kill(local.pid, signal.SIGTERM)
        if local.daemon_id and local.daemon_id not in targets:
            targets.append(local.daemon_id)
    start = time.monotonic()
    while True:
        with db.read() as session:
            live = {d.daemon_id for d in daemons.live_daemons(session, now=utcnow())}
        waiting = [t for t in targets if t in live]
        if not waiting and (local_pid is None or not pidfile.pid_alive(local_pid)):
            return targets
        elapsed = time.monotonic() - start
        if elapsed > timeout:
            raise SpacetradersError(
                f"daemon(s) {', '.join(waiting) or local_pid} still running after {timeout:g} s; "
                "they will stop after their containers wind down (check `spacetraders daemon status`)"
            )
        if on_wait:
            on_wait(elapsed)
        time.sleep(0.2)


def _row_of_pid(db: Database, pid: int) -> Daemon | None:
    with db.read() as session:
        rows = [d for d in daemons.live_daemons(session, now=utcnow()) if d.pid == pid and d.status == daemons.RUNNING]
        for row in rows:
            session.expunge(row)
    return rows[0] if rows else None


def _describe(row: Daemon) -> str:
    return f"{row.daemon_id} (pid {row.pid} on {row.hostname})"


def _check_row(db: Database, local: pidfile.PidInfo) -> None:
    """The daemon row the pidfile names must agree on the process (pid and process key)."""
    if not local.daemon_id:
        return
    with db.read() as session:
        row = session.get(Daemon, local.daemon_id)
        mismatch = row is not None and (
            row.pid != local.pid or (row.process_key is not None and row.process_key != local.process_key)
        )
    if mismatch:
        raise pidfile.NotOurDaemon(
            f"{pidfile.path()} names pid {local.pid}, but daemon {local.daemon_id} of this database is another "
            "process: not signalling it"
        )


def _dead_local(row: Daemon) -> bool:
    """Provably ended on this machine (boot id, pid namespace, start time); never hostname + pid alone."""
    return identity.provably_gone(row.process_key)


def _last_error(log: os.PathLike[str] | str) -> str:
    try:
        lines = [line for line in open(log, encoding="utf-8", errors="replace").read().splitlines() if line.strip()]
    except OSError:
        return "no log"
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["no output"])[-1].strip()[:300]
