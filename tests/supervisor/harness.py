"""Real daemon processes against a real database and the simulator on loopback.

Each daemon is `python -m spacetraders.supervisor` with its own data dir, short lease and
fast polls, so crashes and recoveries happen in seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import select, text, update

from spacetraders.application import containers as lifecycle
from spacetraders.clock import utcnow
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import (
    Container,
    ContainerLog,
    Daemon,
    Player,
    ShipAssignment,
)

T = TypeVar("T")
FAST = ["--lease", "3", "--heartbeat", "0.5", "--poll", "0.2", "--grace", "3"]


def wait_until(check: Callable[[], T], *, timeout: float = 15.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.1)


@dataclass
class Agent:
    player_id: int
    symbol: str
    ships: list[str]


def register_agent(db: Database, api_url: str, symbol: str) -> Agent:
    """An agent in the simulator and its player row (the token stays in the database)."""
    response = httpx.post(f"{api_url}/register", json={"symbol": symbol, "faction": "COSMIC"},
                          headers={"Authorization": "Bearer account-token"}, timeout=10)
    response.raise_for_status()
    data = response.json()["data"]
    with db.transaction() as uow:
        player = uow.players.add(Player(agent_symbol=symbol, token=data["token"], faction="COSMIC",
                                        headquarters=data["agent"]["headquarters"], created_at=utcnow()))
        return Agent(player.player_id, symbol, [s["symbol"] for s in data["ships"]])


@dataclass
class DaemonProcess:
    db_url: str
    api_url: str
    data_dir: Path
    args: list[str] = field(default_factory=lambda: list(FAST))
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.data_dir / "daemon.log"

    def start(self, db: Database, *, timeout: float = 15.0) -> str:
        """Spawn the daemon; returns its daemon_id once its row is live."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "SPACETRADERS_DATABASE_URL": self.db_url, "SPACETRADERS_API_URL": self.api_url,
               "SPACETRADERS_DATA_DIR": str(self.data_dir)}
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "spacetraders.supervisor", *self.args],
                                         stdout=out, stderr=out, env=env, stdin=subprocess.DEVNULL)
        return wait_until(lambda: self.daemon_id(db), timeout=timeout, what=f"daemon start ({self.log_text()})")

    def daemon_id(self, db: Database) -> str | None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"daemon exited with {self.proc.returncode}: {self.log_text()}")
        with db.read() as s:
            return s.scalar(select(Daemon.daemon_id).where(Daemon.pid == self.proc.pid, Daemon.status == "running"))

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)  # our own child; Popen refuses once it has been reaped

    def kill9(self) -> None:
        self.signal(signal.SIGKILL)
        self.wait()

    def wait(self, timeout: float = 20.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else "(no log)"

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def create_sleepers(db: Database, agent: Agent, count: int, **params: Any) -> list[str]:
    ids = []
    with db.transaction() as uow:
        for ship in agent.ships[:count]:
            c = lifecycle.create_container(uow, player_id=agent.player_id, command_type="SleepCommand",
                                           params={"ship_symbol": ship, **params},
                                           id_prefix=f"sleep-{ship.lower()}", now=utcnow())
            ids.append(c.container_id)
    return ids


def containers(db: Database) -> dict[str, Container]:
    with db.read() as s:
        rows = {c.container_id: c for c in s.scalars(select(Container))}
        s.expunge_all()
    return rows


def assignment_of(db: Database, player_id: int, ship: str) -> ShipAssignment | None:
    with db.read() as s:
        row = s.get(ShipAssignment, (player_id, ship))
        s.expunge_all()
    return row


def logs_of(db: Database, container_id: str) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(ContainerLog.message).where(ContainerLog.container_id == container_id)
                              .order_by(ContainerLog.log_id)))


def successor(db: Database, container_id: str) -> Container | None:
    with db.read() as s:
        row = s.scalars(select(Container).where(Container.restarted_from == container_id)).one_or_none()
        s.expunge_all()
    return row


def latest_of(db: Database, container_id: str) -> Container:
    """Follow restarted_from to the newest run of this lineage."""
    current = containers(db)[container_id]
    while (nxt := successor(db, current.container_id)) is not None:
        current = nxt
    return current


def skip_backoff(db: Database) -> int:
    """Make every backed-off STARTING container due now (the restart policy's first delay is 10 s)."""
    with db.transaction() as uow:
        return uow.session.execute(
            update(Container).where(Container.status == "STARTING", Container.not_before.is_not(None))
            .values(not_before=utcnow() - timedelta(seconds=1)).execution_options(synchronize_session=False)
        ).rowcount


def sql(db: Database, query: str, **params: Any) -> list[Any]:
    with db.read() as s:
        return list(s.execute(text(query), params))
