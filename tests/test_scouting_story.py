"""The whole scouting story, end to end, on both databases:

`scout markets` with three probes -> a real daemon process runs the tours against the
simulator (fast game time) -> market data is stored -> one tour is made to fail (the
simulator answers its ship's next calls with 500s, more than the client's retries) ->
the supervisor replaces that container with the assignment moved -> the replacement
scouts again. Throughout, a dashboard poller runs the DESIGN.md join (assignments
joined to the live ScoutTourCommand containers of the system) and must see one row per
ship at every single poll.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from spacetraders.api import RetryPolicy
from spacetraders.clock import utcnow
from spacetraders.operations.scout_tour import MAX_CONSECUTIVE_FAILURES
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import MarketPriceHistory, MarketRow
from tests.cli.helpers import cli
from tests.invariants import check_invariants

pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
pytest.importorskip("spacetraders.supervisor.daemon", reason="the daemon runtime is not in this tree yet")
from tests.simserver import sim_server  # noqa: E402
from tests.supervisor.harness import (  # noqa: E402
    DaemonProcess,
    assignment_of,
    containers,
    register_agent,
    skip_backoff,
    successor,
    wait_until,
)

MARKETS_PER_SHIP = 2

# DESIGN.md's dashboard join, restricted to live scout tours of one system.
DASHBOARD = """
    SELECT sa.ship_symbol, sa.container_id
    FROM ship_assignments sa
    JOIN containers c ON sa.container_id = c.container_id AND sa.player_id = c.player_id
    WHERE sa.operation = 'command' AND sa.status = 'active'
      AND c.status IN ('STARTING', 'RUNNING', 'STOPPING', 'INTERRUPTED')
      AND c.command_type = 'ScoutTourCommand' AND c.config LIKE :system
"""


class DashboardPoller(threading.Thread):
    """Polls the dashboard join every 50 ms and keeps every answer."""

    def __init__(self, db: Database, system: str) -> None:
        super().__init__(daemon=True)
        self.db, self.system = db, system
        self.polls: list[list[tuple[str, str]]] = []
        self.errors: list[BaseException] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                with self.db.read() as session:
                    rows = session.execute(text(DASHBOARD), {"system": f'%"system": "{self.system}"%'}).all()
                self.polls.append(sorted((r[0], r[1]) for r in rows))
            except BaseException as exc:  # recorded, then asserted on by the test
                self.errors.append(exc)
            self.done.wait(0.05)


@pytest.fixture
def game(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, object]]:
    with sim_server(seed=17, time_scale=300, enforce_rate_limit=False, probes_per_agent=3) as (url, sim):
        monkeypatch.setenv("SPACETRADERS_API_URL", url)
        monkeypatch.delenv("SPACETRADERS_PLAYER", raising=False)
        yield url, sim


def _stored(db: Database, markets: list[str], since: datetime) -> set[str]:
    with db.read() as session:
        return set(session.scalars(
            select(MarketRow.waypoint_symbol).where(MarketRow.waypoint_symbol.in_(markets), MarketRow.updated_at > since)
        ))


def test_scout_markets_story(capsys, db: Database, db_url: str, game, tmp_path: Path):
    api_url, sim = game
    agent = register_agent(db, api_url, "STORYTELLER")
    probes = sorted(s for s in agent.ships if sim._ships[s].template.fuel_capacity == 0)
    system = sim._ships[probes[0]].location.system_symbol
    # one market per distinct coordinate, so that every probe gets some
    by_position = {(w.x, w.y): w.symbol for w in sorted(sim.universe.waypoints.values(), key=lambda w: w.symbol)
                   if w.system_symbol == system and w.market}
    markets = sorted(by_position.values())[: MARKETS_PER_SHIP * len(probes)]

    # 1. The user starts the tours; no daemon yet, so they are queued.
    started = cli(capsys, "--db", db_url, "--json", "scout", "markets", "--ships", ",".join(probes),
                  "--system", system, "--markets", ",".join(markets), "--min-interval", "0")
    assert started.code == 0, started.err
    result = started.json()
    assert [t["action"] for t in result["tours"]] == ["created"] * 3 and result["notes"]
    first_run = {t["ship_symbol"]: t["container_id"] for t in result["tours"]}

    poller = DashboardPoller(db, system)
    poller.start()
    daemon = DaemonProcess(db_url, api_url, tmp_path / "daemon")
    try:
        # 2. A real daemon runs the tours; market data lands in the database.
        t0 = utcnow()
        daemon.start(db)
        wait_until(lambda: _stored(db, markets, t0) == set(markets), timeout=60,
                   what=f"every market stored ({daemon.log_text()})")
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(MarketPriceHistory)) >= len(markets)

        # 3. One tour's ship starts failing: every retry of its next calls answers 500, for as many
        #    markets in a row as it takes to fail the container.
        victim = probes[1]
        old = first_run[victim]
        wait_until(lambda: containers(db)[old].status == "RUNNING", what="victim running")
        failures = MAX_CONSECUTIVE_FAILURES * RetryPolicy().max_attempts
        httpx.post(f"{api_url.removesuffix('/v2')}/_sim/ships/{victim}/fail-next",
                   json={"count": failures, "status": 500}, timeout=5).raise_for_status()
        replacement = wait_until(lambda: successor(db, old), timeout=90, what=f"replacement ({daemon.log_text()})")
        assert containers(db)[old].status == "FAILED" and "markets failed in a row" in containers(db)[old].exit_reason
        assert assignment_of(db, agent.player_id, victim).container_id == replacement.container_id

        # 4. The failures are used up; the replacement runs with the ship and scouts again.
        skip_backoff(db)
        wait_until(lambda: containers(db)[replacement.container_id].status == "RUNNING", timeout=30,
                   what="replacement running")
        t1 = utcnow()
        victims_markets = next(t["markets"] for t in result["tours"] if t["ship_symbol"] == victim)
        wait_until(lambda: set(victims_markets) <= _stored(db, markets, t1), timeout=60,
                   what="replacement storing markets")
        others = {p: (containers(db)[first_run[p]].status, containers(db)[first_run[p]].exit_reason) for p in probes if p != victim}
        assert all(status == "RUNNING" for status, _ in others.values()), others
        check_invariants(db)
    finally:
        poller.done.set()
        poller.join(timeout=5)
        daemon.close()

    # 5. The dashboard never lost (or doubled) a tour.
    assert not poller.errors, poller.errors[:3]
    assert len(poller.polls) > 20
    for rows in poller.polls:
        assert [ship for ship, _ in rows] == probes, rows
    seen_for_victim = {cid for rows in poller.polls for ship, cid in rows if ship == victim}
    assert seen_for_victim == {old, replacement.container_id}
