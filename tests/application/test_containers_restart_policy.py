"""The pure restart policy: which endings restart, backoff, reset after a healthy run, intensity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spacetraders.domain.restart_policy import (
    BACKOFF_CAP_S,
    BACKOFF_INITIAL_S,
    HEALTHY_RUN_S,
    LINEAGE_LIMIT,
    Run,
    backoff_delay,
    decide,
    failures_within,
    idle_backoff,
    needs_older_run,
    parse_policy,
    short_run_streak,
    wants_restart,
)

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def run(status: str, ended_ago: float, lasted: float) -> Run:
    stopped = NOW - timedelta(seconds=ended_ago)
    return Run(status, stopped - timedelta(seconds=lasted), stopped)


@pytest.mark.parametrize(
    ("policy", "ended", "restarts"),
    [
        ("no", "FAILED", False),
        ("no", "COMPLETED", False),
        ("on-failure", "FAILED", True),
        ("on-failure", "COMPLETED", False),
        ("always", "FAILED", True),
        ("always", "COMPLETED", True),  # Docker's `always`: a finished loop starts again
        ("always", "STOPPED", False),  # a user stop is never undone
        ("on-failure", "STOPPED", False),
    ],
)
def test_which_endings_restart(policy: str, ended: str, restarts: bool) -> None:
    assert wants_restart(policy, ended) is restarts
    assert decide(policy, [run(ended, 0, 5)], max_restarts=5, restart_window_s=600, now=NOW).restart is restarts


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown restart policy 'sometimes'"):
        parse_policy("sometimes")


def test_backoff_doubles_from_10s_to_a_300s_cap() -> None:
    assert [backoff_delay(n) for n in range(1, 9)] == [10, 20, 40, 80, 160, 300, 300, 300]
    assert backoff_delay(0) == BACKOFF_INITIAL_S


@given(st.integers(min_value=1, max_value=10_000))
def test_backoff_is_monotonic_and_bounded(n: int) -> None:
    assert BACKOFF_INITIAL_S <= backoff_delay(n) <= BACKOFF_CAP_S
    assert backoff_delay(n) <= backoff_delay(n + 1)


def test_consecutive_short_failures_grow_the_delay() -> None:
    # Failures 100 s apart, each run lasting 30 s, window short enough not to give up.
    history: list[Run] = []
    delays = []
    for _ in range(6):
        history.insert(0, run("FAILED", 0, 30))
        delays.append(decide("on-failure", history, max_restarts=100, restart_window_s=600, now=NOW).delay_s)
    assert delays == [10, 20, 40, 80, 160, 300]


def test_a_healthy_run_resets_the_backoff() -> None:
    runs = [run("FAILED", 0, HEALTHY_RUN_S)] + [run("FAILED", 1000 + i, 5) for i in range(5)]
    assert decide("on-failure", runs, max_restarts=100, restart_window_s=60, now=NOW).delay_s == BACKOFF_INITIAL_S
    # A healthy run further back only cuts the streak there.
    runs = [run("FAILED", 0, 5), run("FAILED", 10, 5), run("FAILED", 20, HEALTHY_RUN_S), run("FAILED", 700, 5)]
    assert short_run_streak(runs) == 2
    assert decide("on-failure", runs, max_restarts=100, restart_window_s=60, now=NOW).delay_s == 20


def test_a_user_restart_or_resume_ends_the_streak() -> None:
    runs = [run("FAILED", 0, 5), run("STOPPED", 10, 5), run("FAILED", 20, 5)]
    assert short_run_streak(runs) == 1


def test_gives_up_after_more_than_max_restarts_failures_in_the_window() -> None:
    within = [run("FAILED", i * 60, 5) for i in range(5)]  # 5 failures in the last 4 minutes
    assert decide("on-failure", within, max_restarts=5, restart_window_s=600, now=NOW).restart
    sixth = [run("FAILED", 0, 5)] + [run("FAILED", 30 + i * 60, 5) for i in range(5)]
    decision = decide("on-failure", sixth, max_restarts=5, restart_window_s=600, now=NOW)
    assert not decision.restart
    assert "6 failures within 600s" in decision.reason


def test_failures_outside_the_window_do_not_count() -> None:
    runs = [run("FAILED", 0, 5)] + [run("FAILED", 601 + i, 5) for i in range(20)]
    assert failures_within(runs, now=NOW, window_s=600) == 1
    assert decide("on-failure", runs, max_restarts=1, restart_window_s=600, now=NOW).restart


def test_max_restarts_zero_never_restarts_a_failure() -> None:
    assert not decide("always", [run("FAILED", 0, 5)], max_restarts=0, restart_window_s=600, now=NOW).restart


def test_completions_under_always_do_not_count_towards_giving_up() -> None:
    runs = [run("COMPLETED", i * 10, 1) for i in range(50)]
    decision = decide("always", runs, max_restarts=2, restart_window_s=600, now=NOW)
    assert decision.restart
    assert decision.delay_s == BACKOFF_CAP_S  # but a completion loop is slowed down


def test_decide_needs_the_run_that_ended() -> None:
    with pytest.raises(ValueError):
        decide("on-failure", [], max_restarts=5, restart_window_s=600, now=NOW)


def test_lineage_walk_is_bounded() -> None:
    assert needs_older_run([], now=NOW, window_s=600)
    recent = [run("FAILED", 1, 5)]
    assert needs_older_run(recent, now=NOW, window_s=600)
    old_and_healthy = [run("FAILED", 0, HEALTHY_RUN_S), run("FAILED", 10_000, HEALTHY_RUN_S)]
    assert not needs_older_run(old_and_healthy, now=NOW, window_s=600)
    many = [run("FAILED", 0, 1)] * LINEAGE_LIMIT
    assert not needs_older_run(many, now=NOW, window_s=10**9)


def test_idle_backoff_grows_while_idle_and_is_zero_after_work() -> None:
    assert idle_backoff(0) == 0
    assert idle_backoff(-3) == 0
    assert [idle_backoff(n) for n in range(1, 8)] == [10, 20, 40, 80, 160, 300, 300]
    assert idle_backoff(3, base_s=1, cap_s=3) == 3
    assert idle_backoff(10_000) == BACKOFF_CAP_S  # no overflow for long idle streaks
