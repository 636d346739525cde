"""No zombie after a failed outcome write: retried until it lands; a row with no worker is an orphan;
a container's heartbeat means its run is alive. The daemon runs in-process on the test's loop."""

from __future__ import annotations

import asyncio

from spacetraders.application import containers as lifecycle
from spacetraders.persistence.models import Daemon
from tests.invariants import check_invariants
from tests.supervisor.harness import assignment_of, containers, create_sleepers, latest_of, successor
from tests.supervisor.inprocess import Faults, running, until


def _status(db, cid):  # type: ignore[no-untyped-def]
    return containers(db)[cid].status


def test_a_failed_completion_write_is_retried_until_it_lands(db, agent, api_url, monkeypatch):
    faults = Faults(lifecycle.complete_container, failures=3)
    monkeypatch.setattr(lifecycle, "complete_container", faults)
    (cid,) = create_sleepers(db, agent, 1, seconds=0.05, iterations=2)

    async def scenario() -> None:
        async with running(db, api_url):
            await until(lambda: _status(db, cid) == "COMPLETED", what="the completion to land")

    asyncio.run(scenario())
    assert faults.calls == 4
    assignment = assignment_of(db, agent.player_id, agent.ships[0])
    assert assignment is not None and assignment.status == "idle" and assignment.container_id == cid
    check_invariants(db)


def test_a_failed_failure_write_is_retried_and_the_policy_restarts(db, agent, api_url, monkeypatch):
    faults = Faults(lifecycle.fail_container, failures=2)
    monkeypatch.setattr(lifecycle, "fail_container", faults)
    (cid,) = create_sleepers(db, agent, 1, seconds=0.05, iterations=0, fail_at_iteration=1)

    async def scenario() -> None:
        async with running(db, api_url):
            await until(lambda: successor(db, cid), what="the failure to land and the restart")

    asyncio.run(scenario())
    assert _status(db, cid) == "FAILED" and containers(db)[cid].exit_code == 1 and faults.calls == 3
    check_invariants(db)


def test_a_run_whose_outcome_never_lands_stops_beating_and_is_interrupted_on_stop(db, agent, api_url, monkeypatch):
    faults = Faults(lifecycle.complete_container, failures=None)  # the write fails every time
    monkeypatch.setattr(lifecycle, "complete_container", faults)
    (cid,) = create_sleepers(db, agent, 1, seconds=0.05, iterations=1)

    def daemon_beat():  # type: ignore[no-untyped-def]
        with db.read() as s:
            return s.query(Daemon.heartbeat_at).scalar()

    async def scenario() -> None:
        async with running(db, api_url):
            await until(lambda: faults.calls >= 2, what="the write to fail twice")
            stale = containers(db)[cid].heartbeat_at
            first = await until(daemon_beat, what="a heartbeat")
            await until(lambda: daemon_beat() > first, what="the next heartbeat")
            later = daemon_beat()
            await until(lambda: daemon_beat() > later, what="one more heartbeat")
            # the daemon beats, the finished run does not
            assert containers(db)[cid].heartbeat_at == stale < daemon_beat()
            assert _status(db, cid) == "RUNNING"

    asyncio.run(scenario())
    # The graceful stop gave the write up and interrupted the row: the ship is kept, no zombie is left.
    assert _status(db, cid) == "INTERRUPTED"
    check_invariants(db)
    monkeypatch.undo()

    async def next_start() -> None:  # the next daemon resumes it through the restart path
        async with running(db, api_url):
            await until(lambda: latest_of(db, cid).status == "COMPLETED", what="the resumed run to complete")

    asyncio.run(next_start())
    assert latest_of(db, cid).restarted_from == cid
    check_invariants(db)


def test_a_claimed_row_without_a_worker_is_recovered_by_its_own_daemon(db, agent, api_url):
    """The claim commits, then making the API client fails: today's zombie, now an orphan to recover."""
    from spacetraders.api.client import SpaceTradersClient

    made: list[str] = []

    def client_factory(url: str, token: str) -> SpaceTradersClient:
        made.append(url)
        if len(made) == 1:
            raise RuntimeError("client construction failed")
        return SpaceTradersClient(url, token)

    (cid,) = create_sleepers(db, agent, 1, seconds=0.05, iterations=1)

    async def scenario() -> None:
        async with running(db, api_url, client_factory=client_factory):
            await until(lambda: latest_of(db, cid).status == "COMPLETED", what="the recovered run to complete")

    asyncio.run(scenario())
    first = containers(db)[cid]
    assert first.status == "FAILED" and first.exit_code is None and "no worker" in first.exit_reason
    assert latest_of(db, cid).restarted_from == cid
    check_invariants(db)
