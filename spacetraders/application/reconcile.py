"""`reconcile`: the one-shot repair that cron runs every minute.

In one transaction: daemons whose lease expired are marked dead and their player leases
freed; their RUNNING/STOPPING containers go through the atomic recovery path (a live daemon
then claims the replacements); assignments are fixed; old container logs are pruned in a
bounded batch. Overlapping runs are safe: on PostgreSQL a transaction-scoped advisory lock
makes a second run skip, on SQLite `BEGIN IMMEDIATE` makes it wait its turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import aliased

from spacetraders.application.assignments import BAD_ROW, FixAction, fix_assignments, fix_plan
from spacetraders.application.daemons import (
    LIVE_DAEMON_STATUSES,
    expired_daemons_query,
    orphaned_containers_query,
    recover_orphans,
)
from spacetraders.domain.containers import ContainerStatus
from spacetraders.operations import registry
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, ContainerLog, Daemon
from spacetraders.persistence.types import rows_affected
from spacetraders.persistence.unit_of_work import UnitOfWork

# Advisory locks are database-wide: the key includes the schema, so fleets kept in different
# schemas of one database reconcile independently.
LOCK_NAME = "spacetraders.reconcile"
RECONCILER = "reconcile"  # stands where recovery code expects the recovering daemon's id
RECOVERY_BATCH = 10_000
PRUNE_BATCH = 50_000


@dataclass
class ReconcileReport:
    dry_run: bool
    skipped: bool = False
    dead_daemons: list[str] = field(default_factory=list)
    recovered: list[dict[str, str | None]] = field(default_factory=list)
    stale_heartbeats: list[str] = field(default_factory=list)
    fixes: list[FixAction] = field(default_factory=list)
    logs_pruned: int = 0
    unknown_command_types: dict[str, int] = field(default_factory=dict)  # queued work no daemon can run
    problems: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.skipped:
            return "reconcile: another reconcile run holds the lock; nothing done"
        verb = "would" if self.dry_run else "did"
        bad = sum(1 for f in self.fixes if f.action == BAD_ROW)
        parts = [
            f"{len(self.dead_daemons)} dead daemon(s)",
            f"{len(self.recovered)} container(s) recovered",
            f"{len(self.fixes) - bad} assignment fix(es)",
            f"{bad} unreadable row(s)",
            f"{self.logs_pruned} log line(s) pruned",
        ]
        state = "consistent" if self.consistent else "INCONSISTENT: " + "; ".join(self.problems)
        warning = "".join(
            f"; warning: {n} queued container(s) of unknown command type {t}"
            for t, n in self.unknown_command_types.items()
        )
        return f"reconcile ({verb}): " + ", ".join(parts) + f" — {state}{warning}"

    def as_dict(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "skipped": self.skipped,
            "consistent": self.consistent,
            "dead_daemons": self.dead_daemons,
            "recovered": self.recovered,
            "stale_heartbeats": self.stale_heartbeats,
            "fixes": [f.as_dict() for f in self.fixes],
            "logs_pruned": self.logs_pruned,
            "unknown_command_types": self.unknown_command_types,
            "problems": self.problems,
            "summary": self.summary(),
        }


def reconcile(
    db: Database,
    *,
    now: datetime,
    dry_run: bool = False,
    log_retention: timedelta = timedelta(days=7),
    stale_after: timedelta = timedelta(minutes=2),
) -> ReconcileReport:
    report = ReconcileReport(dry_run=dry_run)
    with db.transaction() as uow:
        if not _take_lock(uow):
            report.skipped = True
            return report
        report.dead_daemons, report.recovered = _recover_dead_daemons_work(uow, now, dry_run)
        report.stale_heartbeats = _stale_heartbeats(uow, now - stale_after)
        report.fixes = fix_assignments(uow, now=now, dry_run=dry_run)
        report.logs_pruned = _prune_logs(uow, now - log_retention, dry_run)
        report.unknown_command_types = _unknown_command_types(uow)
        # What a fix cannot repair (rows it cannot read) is left for a person, named by id;
        # after a real run, anything still planned means the database is not consistent.
        leftovers = [a for a in report.fixes if a.action == BAD_ROW] if dry_run else fix_plan(uow.session)
        report.problems = [
            f"container {a.container_id}: {a.reason}" if a.action == BAD_ROW
            else f"{a.action} {a.ship_symbol} ({a.container_id}): {a.reason}"
            for a in leftovers
        ]
    return report


def _take_lock(uow: UnitOfWork) -> bool:
    if uow.session.get_bind().dialect.name != "postgresql":
        return True  # SQLite: BEGIN IMMEDIATE already serialises writers
    lock = text("SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || ':' || :name))")
    return bool(uow.session.execute(lock, {"name": LOCK_NAME}).scalar())


def _recover_dead_daemons_work(uow: UnitOfWork, now: datetime, dry_run: bool) -> tuple[list[str], list[dict[str, str | None]]]:
    """Expired daemons are declared dead and their containers recovered (the daemons' own
    recovery, run from cron); a dry run only lists them."""
    if dry_run:
        dead = list(uow.session.scalars(expired_daemons_query(now)))
        alive = select(Daemon.daemon_id).where(Daemon.status.in_(LIVE_DAEMON_STATUSES), Daemon.lease_expires_at > now)
        orphans = uow.session.execute(orphaned_containers_query(alive)).all()
        return dead, [{"container_id": c, "daemon_id": d, "replacement": None} for c, d in orphans]
    dead, recovered = recover_orphans(uow, daemon_id=RECONCILER, now=now, limit=RECOVERY_BATCH)
    # The ended rows keep their owner; their replacements point back at them: one query for both.
    successor = aliased(Container)
    rows = uow.session.execute(
        select(Container.container_id, Container.daemon_id, successor.container_id)
        .outerjoin(successor, successor.restarted_from == Container.container_id)
        .where(Container.container_id.in_(recovered))
        .order_by(Container.container_id)
    )
    return dead, [{"container_id": c, "daemon_id": d, "replacement": r} for c, d, r in rows]


def _stale_heartbeats(uow: UnitOfWork, cutoff: datetime) -> list[str]:
    """Running containers of live daemons that stopped beating: reported, not touched."""
    return list(
        uow.session.scalars(
            select(Container.container_id)
            .where(Container.status == ContainerStatus.RUNNING.value, Container.heartbeat_at < cutoff)
            .order_by(Container.container_id)
        )
    )


def _unknown_command_types(uow: UnitOfWork) -> dict[str, int]:
    """STARTING containers whose command type this version cannot run: no daemon will claim them."""
    rows = uow.session.execute(
        select(Container.command_type, func.count())
        .where(Container.status == ContainerStatus.STARTING.value, Container.command_type.not_in(registry.load_all()))
        .group_by(Container.command_type)
        .order_by(Container.command_type)
    )
    return {command_type: int(n) for command_type, n in rows}


def _prune_logs(uow: UnitOfWork, cutoff: datetime, dry_run: bool) -> int:
    old = select(ContainerLog.log_id).where(ContainerLog.timestamp < cutoff).order_by(ContainerLog.log_id).limit(PRUNE_BATCH)
    if dry_run:
        return int(uow.session.scalar(select(func.count()).select_from(old.subquery())) or 0)
    result = uow.session.execute(
        delete(ContainerLog).where(ContainerLog.log_id.in_(old.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return rows_affected(result)
