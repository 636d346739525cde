"""The daemon as a real process: claims, runs, restarts, crash recovery, graceful stop, logs."""

from __future__ import annotations

import signal

import httpx

from spacetraders.application import containers as lifecycle
from spacetraders.clock import utcnow
from tests.invariants import check_invariants
from tests.supervisor.harness import (
    assignment_of,
    containers,
    create_sleepers,
    latest_of,
    logs_of,
    skip_backoff,
    sql,
    successor,
    wait_until,
)


def _status(db, cid):  # type: ignore[no-untyped-def]
    return containers(db)[cid].status


def test_runs_containers_to_completion_with_their_own_logs(db, agent, new_daemon):
    ids = create_sleepers(db, agent, 3, seconds=0.1, iterations=3)
    daemon = new_daemon()
    daemon_id = daemon.start(db)
    wait_until(lambda: all(_status(db, c) == "COMPLETED" for c in ids), what="completion")
    for cid, ship in zip(ids, agent.ships):
        row = containers(db)[cid]
        assert row.daemon_id == daemon_id and row.started_at is not None
        assignment = assignment_of(db, agent.player_id, ship)
        assert assignment is not None and assignment.status == "idle" and assignment.container_id == cid
        lines = wait_until(lambda: len(logs_of(db, cid)) >= 4 and logs_of(db, cid), what="logs flushed")
        # Each container's lines name its own ship only: the sink tags records per container.
        iterations = [line for line in lines if line.startswith("iteration")]
        assert [line.split(":")[0] for line in iterations] == ["iteration 1", "iteration 2", "iteration 3"]
        assert all(ship in line for line in iterations)
        assert not any(other in line for line in lines for other in agent.ships if other != ship)
        assert lines[-1] == "completed"
    check_invariants(db)


def test_failure_restarts_as_new_container_with_the_ship_moved(db, agent, new_daemon, api_url):
    injected, = create_sleepers(db, agent, 1, seconds=0.2, iterations=0, fail_at_iteration=2)
    (api_failed,) = create_sleepers(db, type(agent)(agent.player_id, agent.symbol, agent.ships[1:2]), 1,
                                    seconds=0.2, iterations=0)
    daemon = new_daemon()
    daemon.start(db)
    wait_until(lambda: _status(db, api_failed) == "RUNNING", what="second container running")
    # The game answers the next request for this ship with a 400: the operation raises.
    httpx.post(f"{api_url.removesuffix('/v2')}/_sim/ships/{agent.ships[1]}/fail-next",
               json={"count": 1, "status": 400, "code": 4000}, timeout=5).raise_for_status()
    for old, ship in ((injected, agent.ships[0]), (api_failed, agent.ships[1])):
        new = wait_until(lambda: successor(db, old), what=f"replacement of {old}")
        assert containers(db)[old].status == "FAILED" and containers(db)[old].exit_reason
        assert new.container_id != old and new.restart_count == 1 and new.status == "STARTING"
        assert assignment_of(db, agent.player_id, ship).container_id == new.container_id  # moved at once
    assert "InjectedFailure" in containers(db)[injected].exit_reason
    skip_backoff(db)
    for old, ship in ((injected, agent.ships[0]), (api_failed, agent.ships[1])):
        new = successor(db, old)
        wait_until(lambda: _status(db, new.container_id) == "RUNNING", what="replacement running")
        held = assignment_of(db, agent.player_id, ship)
        assert held.status == "active" and held.container_id == new.container_id
    # fail_runs defaults to 1: the replacement runs past the iteration that failed the first run.
    wait_until(lambda: len([m for m in logs_of(db, successor(db, injected).container_id)
                            if m.startswith("iteration")]) >= 3, what="replacement iterating")
    check_invariants(db)


def test_kill_9_then_restart_recovers_every_container(db, agent, new_daemon):
    ids = create_sleepers(db, agent, 4, seconds=0.2, iterations=0)
    first = new_daemon()
    first_id = first.start(db)
    wait_until(lambda: all(_status(db, c) == "RUNNING" for c in ids), what="all running")
    first.kill9()
    check_invariants(db)  # RUNNING rows of a dead owner still hold their ships
    second = new_daemon()
    second_id = second.start(db)
    assert sql(db, "SELECT status FROM daemons WHERE daemon_id = :d", d=first_id)[0][0] == "dead"
    wait_until(lambda: all(successor(db, c) is not None for c in ids), what="recovery")
    for cid in ids:
        assert _status(db, cid) == "FAILED" and "lost" in containers(db)[cid].exit_reason
    skip_backoff(db)
    wait_until(lambda: all(latest_of(db, c).status == "RUNNING" for c in ids), what="resumed")
    for cid, ship in zip(ids, agent.ships):
        new = latest_of(db, cid)
        assert new.daemon_id == second_id and new.restarted_from == cid
        assert assignment_of(db, agent.player_id, ship).container_id == new.container_id
    check_invariants(db)


def test_graceful_stop_interrupts_and_next_start_resumes(db, agent, new_daemon):
    ids = create_sleepers(db, agent, 3, seconds=0.2, iterations=0)
    first = new_daemon()
    first_id = first.start(db)
    wait_until(lambda: all(_status(db, c) == "RUNNING" for c in ids), what="all running")
    first.signal(signal.SIGTERM)
    assert first.wait() == 0
    assert sql(db, "SELECT status FROM daemons WHERE daemon_id = :d", d=first_id)[0][0] == "stopped"
    assert sql(db, "SELECT count(*) FROM player_leases")[0][0] == 0
    for cid, ship in zip(ids, agent.ships):
        assert _status(db, cid) == "INTERRUPTED"
        assert assignment_of(db, agent.player_id, ship).container_id == cid  # ship kept
        assert logs_of(db, cid)[-1].startswith("stop requested")  # the operation saw ctx.sleep -> False
    check_invariants(db)
    second = new_daemon()
    second_id = second.start(db)
    wait_until(lambda: all(latest_of(db, c).status == "RUNNING" for c in ids), what="resumed")
    for cid, ship in zip(ids, agent.ships):
        new = latest_of(db, cid)
        assert _status(db, cid) == "STOPPED" and new.restarted_from == cid and new.daemon_id == second_id
        assert assignment_of(db, agent.player_id, ship).container_id == new.container_id
    check_invariants(db)


def test_user_stop_is_carried_out_by_the_owning_daemon(db, agent, new_daemon):
    keep, stop = create_sleepers(db, agent, 2, seconds=0.2, iterations=0)
    new_daemon().start(db)
    wait_until(lambda: _status(db, stop) == "RUNNING" and _status(db, keep) == "RUNNING", what="running")
    with db.transaction() as uow:
        assert lifecycle.request_stop(uow, stop, now=utcnow()).status == "STOPPING"
    wait_until(lambda: _status(db, stop) == "STOPPED", what="stopped")
    released = assignment_of(db, agent.player_id, agent.ships[1])
    assert released.status == "idle" and released.container_id == stop
    assert _status(db, keep) == "RUNNING"
    check_invariants(db)
