"""When a finished container is restarted, and after how long. Pure rules, no I/O.

- Policies (Docker): `no` never restarts; `on-failure` (the default) restarts after a
  failure; `always` restarts after a failure AND after a normal completion, as Docker's
  `always` does: it is for loops that should keep running. A user stop never restarts.
- Backoff (Kubernetes CrashLoopBackOff): 10 s, doubling per consecutive short run, capped
  at 300 s; a run that lasted 600 s or more was healthy and resets the backoff.
- Intensity (Erlang/OTP supervisors): more than `max_restarts` failures within
  `restart_window_s` seconds, counted over the restart lineage, and the policy gives up.
- A run whose daemon was lost (crash, kill -9, lease expired) did not fail by itself: it
  keeps the backoff (a crash-looping daemon is still paced) but never counts against the
  failure budget, so daemon crashes alone never end a healthy lineage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from spacetraders.domain.containers import ContainerStatus, RestartPolicy

BACKOFF_INITIAL_S = 10.0
BACKOFF_CAP_S = 300.0
HEALTHY_RUN_S = 600.0
# Runs beyond this many in a row no longer change the backoff (10 * 2**5 > 300).
SATURATING_STREAK = 6
# A lineage walk never reads more rows than this, whatever the history.
LINEAGE_LIMIT = 200

_ENDINGS = (ContainerStatus.FAILED.value, ContainerStatus.COMPLETED.value)


@dataclass(frozen=True)
class Run:
    """One container of a restart lineage, as far as the policy cares."""

    status: str  # how it ended: FAILED, COMPLETED, STOPPED ...
    started_at: datetime | None  # None: it never ran
    stopped_at: datetime | None
    lost: bool = False  # ended because its daemon was lost, not because it raised

    @property
    def seconds(self) -> float:
        if self.started_at is None or self.stopped_at is None:
            return 0.0
        return max(0.0, (self.stopped_at - self.started_at).total_seconds())

    @property
    def healthy(self) -> bool:
        return self.seconds >= HEALTHY_RUN_S


@dataclass(frozen=True)
class Decision:
    restart: bool
    delay_s: float
    reason: str


def parse_policy(value: str) -> RestartPolicy:
    try:
        return RestartPolicy(value)
    except ValueError:
        allowed = ", ".join(p.value for p in RestartPolicy)
        raise ValueError(f"unknown restart policy {value!r} (expected one of: {allowed})") from None


def wants_restart(policy: RestartPolicy | str, ended: ContainerStatus | str) -> bool:
    """Does this policy restart a container that ended this way (ignoring intensity)?"""
    policy = parse_policy(str(policy))
    if str(ended) == ContainerStatus.FAILED:
        return policy is not RestartPolicy.NO
    if str(ended) == ContainerStatus.COMPLETED:
        return policy is RestartPolicy.ALWAYS
    return False


def backoff_delay(short_runs: int) -> float:
    """Delay before the next start after `short_runs` consecutive short runs (>= 1)."""
    if short_runs <= 1:
        return BACKOFF_INITIAL_S
    return min(BACKOFF_INITIAL_S * 2.0 ** min(short_runs - 1, SATURATING_STREAK), BACKOFF_CAP_S)


def idle_backoff(consecutive_idle: int, *, base_s: float = BACKOFF_INITIAL_S, cap_s: float = BACKOFF_CAP_S) -> float:
    """How long an operation that found nothing to do `consecutive_idle` times in a row sleeps.

    0 when it just did some work; then base, 2*base, 4*base ... up to cap.
    """
    if consecutive_idle <= 0:
        return 0.0
    return min(base_s * 2.0 ** min(consecutive_idle - 1, 30), cap_s)


def short_run_streak(runs: Sequence[Run]) -> int:
    """Consecutive unhealthy runs ending in failure/completion, newest first; a healthy
    run or a user action (STOPPED: user restart, resume) ends the streak."""
    streak = 0
    for run in runs:
        if run.status not in _ENDINGS or run.healthy:
            break
        streak += 1
    return streak


def failures_within(runs: Sequence[Run], *, now: datetime, window_s: float) -> int:
    since = now - timedelta(seconds=window_s)
    return sum(
        1 for r in runs
        if r.status == ContainerStatus.FAILED and not r.lost and r.stopped_at is not None and r.stopped_at >= since
    )


def decide(
    policy: RestartPolicy | str,
    runs: Sequence[Run],
    *,
    max_restarts: int,
    restart_window_s: float,
    now: datetime,
) -> Decision:
    """Restart or give up, given the lineage newest first (runs[0] is the run that just ended)."""
    if not runs:
        raise ValueError("decide() needs at least the run that just ended")
    ended = runs[0].status
    policy = parse_policy(str(policy))
    if not wants_restart(policy, ended):
        return Decision(False, 0.0, f"{ended.lower()}; restart policy '{policy.value}' does not restart it")
    if ended == ContainerStatus.FAILED and not runs[0].lost:  # a lost daemon never spends the budget
        failures = failures_within(runs, now=now, window_s=restart_window_s)
        if failures > max_restarts:
            return Decision(
                False,
                0.0,
                f"gave up: {failures} failures within {restart_window_s:g}s (max_restarts={max_restarts})",
            )
    delay = backoff_delay(short_run_streak(runs))
    return Decision(True, delay, f"restart in {delay:g}s (policy '{policy.value}')")


def needs_older_run(runs: Sequence[Run], *, now: datetime, window_s: float) -> bool:
    """Whether walking one more ancestor could still change `decide` (keeps the walk bounded)."""
    if not runs:
        return True
    if len(runs) >= LINEAGE_LIMIT:
        return False
    oldest = runs[-1]
    in_window = oldest.stopped_at is not None and oldest.stopped_at >= now - timedelta(seconds=window_s)
    streak_open = short_run_streak(runs) == len(runs) and len(runs) <= SATURATING_STREAK
    return in_window or streak_open
