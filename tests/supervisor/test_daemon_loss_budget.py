"""A dead daemon is not the tour's fault: recoveries keep the backoff but never spend the failure budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from spacetraders.application import containers as lifecycle
from spacetraders.application import daemons
from spacetraders.domain import restart_policy
from spacetraders.persistence.models import Container
from tests.factories import make_player
from tests.invariants import check_invariants

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = 30.0


def _register(db, daemon_id, now):  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        daemons.register_daemon(uow, daemon_id=daemon_id, hostname="elsewhere", pid=100, version="t", now=now,
                                lease_s=LEASE, exclusive=False)


def _claim(db, daemon_id, now):  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        players = daemons.acquire_player_leases(uow, daemon_id=daemon_id, now=now, lease_s=LEASE)
        return [c.container_id for c in daemons.claim_ready(uow, daemon_id=daemon_id, player_ids=players,
                                                            command_types=["SleepCommand"], now=now, limit=10)]


def _row(db, cid):  # type: ignore[no-untyped-def]
    with db.read() as s:
        row = s.get(Container, cid)
        s.expunge_all()
    return row


def _successor(db, cid):  # type: ignore[no-untyped-def]
    with db.read() as s:
        return s.scalar(select(Container.container_id).where(Container.restarted_from == cid))


def test_many_daemon_crashes_never_end_a_tour_but_its_own_failures_still_do(db):
    with db.transaction() as uow:
        player_id = make_player(uow, "CRASHY").player_id
        cid = lifecycle.create_container(uow, player_id=player_id, command_type="SleepCommand",
                                         params={"ship_symbol": "S-1"}, id_prefix="tour", restart_window_s=3600,
                                         now=T0).container_id
    now, delays = T0, []
    # Ten daemons within the hour's window each claim the tour and die (kill -9): a survivor recovers it every time.
    for n in range(10):
        _register(db, f"crash-{n}", now)
        _register(db, f"survivor-{n}", now)
        assert _claim(db, f"crash-{n}", max(now, _row(db, cid).not_before)) == [cid]
        now += timedelta(seconds=LEASE + 30)
        with db.transaction() as uow:
            dead, recovered = daemons.recover_orphans(uow, daemon_id=f"survivor-{n}", now=now, limit=10)
        assert f"crash-{n}" in dead and recovered == [cid]
        old = _row(db, cid)
        assert old.status == "FAILED" and old.exit_code is None
        new = _successor(db, cid)
        assert new is not None, f"recovery {n + 1} gave the tour up: {old.exit_reason}"
        delays.append((_row(db, new).not_before - now).total_seconds())
        with db.transaction() as uow:  # the survivor stops cleanly, its player lease freed for the next round
            daemons.finish_daemon(uow, daemon_id=f"survivor-{n}", now=now)
        cid = new
        check_invariants(db)
    # The backoff is kept: short runs ending with a lost daemon still double the delay, up to the cap.
    assert delays[:3] == [10.0, 20.0, 40.0] and delays[-1] == restart_policy.BACKOFF_CAP_S
    # Failures the container raises itself still spend the budget (max_restarts=5): the sixth gives up.
    _register(db, "owner", now)
    for n in range(6):
        now = max(now, _row(db, cid).not_before)
        with db.transaction() as uow:  # the owner stays alive through the backoff
            assert daemons.heartbeat(uow, daemon_id="owner", now=now, lease_s=LEASE, container_ids=[]) is not None
        assert _claim(db, "owner", now) == [cid]
        with db.transaction() as uow:
            replacement = lifecycle.fail_container(uow, cid, daemon_id="owner", reason="boom", now=now)
        if n < 5:
            assert replacement is not None, _row(db, cid).exit_reason
            cid = replacement.container_id
        else:
            assert replacement is None
    ended = _row(db, cid)
    assert ended.status == "FAILED" and ended.exit_reason.startswith("boom; gave up: 6 failures")
    check_invariants(db)


def test_the_policy_counts_lost_runs_for_backoff_only():
    lost = [restart_policy.Run("FAILED", T0, T0 + timedelta(seconds=5), lost=True) for _ in range(8)]
    decision = restart_policy.decide("on-failure", lost, max_restarts=5, restart_window_s=600, now=T0)
    assert decision.restart and decision.delay_s == restart_policy.BACKOFF_CAP_S
    own = [restart_policy.Run("FAILED", T0, T0 + timedelta(seconds=5))] + lost
    assert restart_policy.decide("on-failure", own, max_restarts=0, restart_window_s=600, now=T0).restart is False
    assert restart_policy.decide("on-failure", own, max_restarts=1, restart_window_s=600, now=T0).restart is True
