"""Run a daemon in this process until a signal or `daemon stop`; re-register after a lost lease."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from spacetraders.persistence.database import Database
from spacetraders.persistence.migrations import ensure_schema
from spacetraders.supervisor import pidfile
from spacetraders.supervisor.config import DaemonConfig
from spacetraders.supervisor.daemon import Outcome, Supervisor

logger = logging.getLogger("spacetraders.supervisor")


def configure_logging(verbose: bool = False) -> None:
    """Daemon log lines (not container lines: those go to the database) on stderr."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("spacetraders.supervisor").setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("spacetraders.application.daemons").setLevel(logging.INFO)


def run_daemon(database_url: str, api_url: str, config: DaemonConfig, *, write_pidfile: bool = True) -> int:
    """Blocking: returns the process exit code (0 after a graceful stop)."""
    db = Database(database_url, pool_size=6)
    try:
        ensure_schema(db)
        return asyncio.run(_serve(db, api_url, config, write_pidfile))
    finally:
        db.dispose()


async def _serve(db: Database, api_url: str, config: DaemonConfig, write_pidfile: bool) -> int:
    lock = pidfile.DaemonLock()
    if write_pidfile:  # one daemon per data directory; held until this process ends
        lock.acquire()
    try:
        return await _serve_locked(db, api_url, config, write_pidfile)
    finally:
        lock.release()


async def _serve_locked(db: Database, api_url: str, config: DaemonConfig, write_pidfile: bool) -> int:
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    current: list[Supervisor] = []

    def on_signal() -> None:
        stop_requested.set()
        for supervisor in current:
            supervisor.request_stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    try:
        while True:
            supervisor = Supervisor(db, api_url=api_url, config=config)
            current[:] = [supervisor]
            if stop_requested.is_set():
                return 0
            if write_pidfile:  # before the row exists: whoever sees the row finds the pidfile too
                pidfile.write(supervisor.daemon_id, db.display_url)
            outcome = await supervisor.run()
            if outcome is Outcome.STOPPED or stop_requested.is_set():
                return 0
            logger.warning("re-registering as a new daemon after losing the lease")
    finally:
        if write_pidfile:
            pidfile.remove_if_ours()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
