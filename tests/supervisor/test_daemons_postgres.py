"""Several daemons on one PostgreSQL database: player affinity, no double runs, fencing."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest

from tests.invariants import check_invariants
from tests.supervisor.harness import (
    containers,
    create_sleepers,
    latest_of,
    logs_of,
    register_agent,
    skip_backoff,
    sql,
    wait_until,
)


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("several daemons share a database only on PostgreSQL (SQLite allows one)")


def _iterations(db, cid):  # type: ignore[no-untyped-def]
    return [int(m.split(":")[0].split()[1]) for m in logs_of(db, cid) if m.startswith("iteration")]


def _assert_single_runs(db, ids):  # type: ignore[no-untyped-def]
    """A run driven twice would log some iteration number twice."""
    for cid in ids:
        seen = _iterations(db, cid)
        assert seen == list(range(1, len(seen) + 1)), f"{cid} ran twice: {seen}"


def test_two_daemons_never_run_the_same_container(db, api_url, new_daemon):
    a, b = new_daemon(), new_daemon()
    a_id, b_id = a.start(db), b.start(db)
    agents = [register_agent(db, api_url, f"PAIR{n}") for n in range(3)]
    ids = [cid for agent in agents for cid in create_sleepers(db, agent, 3, seconds=0.1, iterations=0)]
    wait_until(lambda: all(containers(db)[c].status == "RUNNING" for c in ids), what="all running")
    time.sleep(1.0)
    rows = containers(db)
    for agent in agents:  # player affinity: one daemon runs all of a player's containers
        owners = {rows[c].daemon_id for c in ids if rows[c].player_id == agent.player_id}
        assert len(owners) == 1 and owners <= {a_id, b_id}
    leases = dict(sql(db, "SELECT player_id, daemon_id FROM player_leases"))
    assert all(leases[rows[c].player_id] == rows[c].daemon_id for c in ids)
    _assert_single_runs(db, ids)

    # The daemon holding the first player dies; the other takes its players once the lease expires.
    victim, survivor = (a, b) if rows[ids[0]].daemon_id == a_id else (b, a)
    survivor_id = b_id if victim is a else a_id
    victim.kill9()
    wait_until(lambda: all(containers(db)[c].status == "FAILED" or containers(db)[c].daemon_id == survivor_id
                           for c in ids), timeout=20, what="recovery by the survivor")
    skip_backoff(db)
    wait_until(lambda: all(latest_of(db, c).status == "RUNNING" for c in ids), what="all running again")
    assert {latest_of(db, c).daemon_id for c in ids} == {survivor_id}
    counts = Counter(r[0] for r in sql(db, "SELECT container_id FROM containers WHERE status = 'RUNNING'"))
    assert all(n == 1 for n in counts.values()) and len(counts) == len(ids)
    time.sleep(0.6)
    _assert_single_runs(db, [latest_of(db, c).container_id for c in ids] + ids)
    check_invariants(db)


def test_a_paused_daemon_that_lost_its_lease_stands_down(db, api_url, new_daemon):
    agent = register_agent(db, api_url, "PAUSED")
    paused = new_daemon()
    paused_id = paused.start(db)
    ids = create_sleepers(db, agent, 3, seconds=0.1, iterations=0)
    wait_until(lambda: all(containers(db)[c].status == "RUNNING" for c in ids), what="running on the first")
    other = new_daemon()
    other_id = other.start(db)

    paused.signal(signal.SIGSTOP)
    try:
        # Longer than its 3 s lease: the other daemon declares it dead and recovers its containers.
        wait_until(lambda: all(containers(db)[c].status == "FAILED" for c in ids), timeout=15, what="recovery")
        assert sql(db, "SELECT status FROM daemons WHERE daemon_id = :d", d=paused_id)[0][0] == "dead"
        skip_backoff(db)
        wait_until(lambda: all(latest_of(db, c).status == "RUNNING" for c in ids), what="replacements running")
    finally:
        paused.signal(signal.SIGCONT)
    time.sleep(1.5)  # it wakes, finds its lease gone, abandons its runs and re-registers
    before = {c: _iterations(db, c) for c in ids}
    time.sleep(1.5)
    assert {c: _iterations(db, c) for c in ids} == before, "the paused daemon kept driving its old runs"
    for cid in ids:
        row = containers(db)[cid]
        assert row.status == "FAILED" and "lost" in row.exit_reason  # it wrote nothing over the recovery
        assert latest_of(db, cid).daemon_id == other_id
    assert "lost its lease" in paused.log_text()
    reregistered = sql(db, "SELECT daemon_id FROM daemons WHERE pid = :p AND status = 'running'", p=paused.proc.pid)
    assert len(reregistered) == 1 and reregistered[0][0] != paused_id
    _assert_single_runs(db, [latest_of(db, c).container_id for c in ids])
    check_invariants(db)
