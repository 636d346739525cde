"""Daemon use cases: registration, heartbeats, leases, claims and recovery.

Every function runs inside the caller's unit of work (one transaction). Liveness is a
lease in the database: a daemon's heartbeat renews `lease_expires_at`; a daemon whose
lease has expired may be declared dead by any other, which then recovers its containers.
Each heartbeat is a compare-and-set on the daemon's own live row, so a daemon that was
declared dead finds out on its next beat and stands down.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Select, Table, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from spacetraders.application import containers as lifecycle
from spacetraders.domain.containers import ContainerStatus
from spacetraders.errors import SpacetradersError
from spacetraders.persistence.models import Container, Daemon, PlayerLease
from spacetraders.persistence.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)
T = TypeVar("T")

RUNNING, STOPPING, STOPPED, DEAD = "running", "stopping", "stopped", "dead"
LIVE_DAEMON_STATUSES = (RUNNING, STOPPING)
ID_CHUNK = 500  # ids per IN (...) list: far below SQLite's variable limit
_OWNED = (ContainerStatus.RUNNING.value, ContainerStatus.STOPPING.value)


class DaemonAlreadyRunning(SpacetradersError):
    """A live daemon already serves this database (and this database allows only one)."""


@dataclass(frozen=True)
class Beat:
    """What a heartbeat learned: None = lease lost; otherwise whether a stop was asked for."""

    stop_requested: bool


# -- registration and liveness ---------------------------------------------------------------


def live_daemons(uow_or_session: Any, *, now: datetime) -> list[Daemon]:
    session = getattr(uow_or_session, "session", uow_or_session)
    return list(
        session.scalars(
            select(Daemon)
            .where(Daemon.status.in_(LIVE_DAEMON_STATUSES), Daemon.lease_expires_at > now)
            .order_by(Daemon.started_at)
        )
    )


def unfinished_daemons(uow: UnitOfWork) -> list[Daemon]:
    """Rows still marked running/stopping, whatever their lease says (some may be long dead)."""
    return list(uow.session.scalars(select(Daemon).where(Daemon.status.in_(LIVE_DAEMON_STATUSES))))


def register_daemon(
    uow: UnitOfWork,
    *,
    daemon_id: str,
    hostname: str,
    pid: int,
    version: str | None,
    now: datetime,
    lease_s: float,
    exclusive: bool,
    process_key: str | None = None,
) -> Daemon:
    """Insert this daemon's row. `exclusive` (SQLite): refuse while another daemon is alive."""
    if exclusive:
        others = live_daemons(uow, now=now)
        if others:
            other = others[0]
            raise DaemonAlreadyRunning(
                f"daemon {other.daemon_id} (pid {other.pid} on {other.hostname}) is already running for this "
                "database; stop it first (`spacetraders daemon stop`)"
            )
    row = Daemon(
        daemon_id=daemon_id, hostname=hostname, pid=pid, status=RUNNING, started_at=now,
        heartbeat_at=now, lease_expires_at=now + timedelta(seconds=lease_s), version=version,
        process_key=process_key,
    )
    uow.session.add(row)
    uow.session.flush()
    return row


def heartbeat(
    uow: UnitOfWork, *, daemon_id: str, now: datetime, lease_s: float, container_ids: Iterable[str]
) -> Beat | None:
    """Renew the lease (CAS on our live row), our player leases and the heartbeats of `container_ids`.

    `container_ids` are the containers whose worker is alive right now: a container's heartbeat
    means "its run is alive", not "its daemon is", so a row whose run ended (its outcome not yet
    written) stops beating. None means the row is no longer ours to renew: another daemon
    declared us dead.
    """
    expires = now + timedelta(seconds=lease_s)
    status = uow.session.execute(
        update(Daemon)
        .where(Daemon.daemon_id == daemon_id, Daemon.status.in_(LIVE_DAEMON_STATUSES))
        .values(heartbeat_at=now, lease_expires_at=expires)
        .returning(Daemon.status)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if status is None:
        return None
    # Lock order everywhere: daemons, player_leases, containers (no deadlock with our own claims).
    uow.session.execute(
        update(PlayerLease)
        .where(PlayerLease.daemon_id == daemon_id)
        .values(expires_at=expires)
        .execution_options(synchronize_session=False)
    )
    # Set-based statements over the live workers' rows, fenced by owner.
    ids = list(container_ids)
    for start in range(0, len(ids), ID_CHUNK):
        uow.session.execute(
            update(Container)
            .where(Container.container_id.in_(ids[start : start + ID_CHUNK]), Container.daemon_id == daemon_id,
                   Container.status.in_(_OWNED))
            .values(heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
    return Beat(stop_requested=status == STOPPING)


def daemon_row_status(uow: UnitOfWork, daemon_id: str) -> str | None:
    return uow.session.scalar(select(Daemon.status).where(Daemon.daemon_id == daemon_id))


def request_daemon_stop(uow: UnitOfWork, *, now: datetime, daemon_id: str | None = None) -> list[str]:
    """Mark live daemons (all, or one) 'stopping'; each sees it within a poll and stops gracefully."""
    query = update(Daemon).where(Daemon.status == RUNNING, Daemon.lease_expires_at > now)
    if daemon_id is not None:
        query = query.where(Daemon.daemon_id == daemon_id)
    result = uow.session.execute(
        query.values(status=STOPPING).returning(Daemon.daemon_id).execution_options(synchronize_session=False)
    )
    return list(result.scalars())


def finish_daemon(uow: UnitOfWork, *, daemon_id: str, now: datetime) -> bool:
    """Graceful end: row 'stopped', player leases released so another daemon can take them at once."""
    uow.session.execute(delete(PlayerLease).where(PlayerLease.daemon_id == daemon_id))
    result = cast(CursorResult[Any], uow.session.execute(
        update(Daemon)
        .where(Daemon.daemon_id == daemon_id, Daemon.status.in_(LIVE_DAEMON_STATUSES))
        .values(status=STOPPED, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    ))
    return result.rowcount == 1


def declare_dead(uow: UnitOfWork, *, daemon_id: str, now: datetime, only_if_expired: bool = True) -> bool:
    """CAS a live daemon row to 'dead' and drop its player leases. Its containers become orphans."""
    query = update(Daemon).where(Daemon.daemon_id == daemon_id, Daemon.status.in_(LIVE_DAEMON_STATUSES))
    if only_if_expired:
        query = query.where(Daemon.lease_expires_at <= now)
    result = cast(CursorResult[Any], uow.session.execute(
        query.values(status=DEAD).execution_options(synchronize_session=False)
    ))
    if result.rowcount != 1:
        return False
    uow.session.execute(delete(PlayerLease).where(PlayerLease.daemon_id == daemon_id))
    return True


# -- containers a daemon owns ------------------------------------------------------------------


def owned_containers(uow: UnitOfWork, *, daemon_id: str) -> dict[str, str]:
    """container_id -> status of the RUNNING/STOPPING containers this daemon owns (its poll)."""
    rows = uow.session.execute(
        select(Container.container_id, Container.status).where(
            Container.daemon_id == daemon_id, Container.status.in_(_OWNED)
        )
    )
    return {cid: status for cid, status in rows}


def acquire_player_leases(uow: UnitOfWork, *, daemon_id: str, now: datetime, lease_s: float) -> set[int]:
    """Take the lease of every player with waiting work whose lease is free or expired.

    Returns the players this daemon now leases. All of one player's containers run on the
    daemon that holds its lease, so one process paces that player's API calls.
    """
    expires = now + timedelta(seconds=lease_s)
    waiting = select(Container.player_id).where(
        Container.status.in_((ContainerStatus.STARTING.value, ContainerStatus.INTERRUPTED.value))
    ).distinct()
    players = list(uow.session.scalars(waiting))
    if players:
        insert = (postgresql.insert if _dialect(uow) == "postgresql" else sqlite.insert)(cast(Table, PlayerLease.__table__))
        uow.session.execute(
            insert.values(
                [{"player_id": p, "daemon_id": daemon_id, "acquired_at": now, "expires_at": expires} for p in players]
            ).on_conflict_do_nothing(index_elements=["player_id"])
        )
        alive = select(Daemon.daemon_id).where(Daemon.status.in_(LIVE_DAEMON_STATUSES), Daemon.lease_expires_at > now)
        uow.session.execute(
            update(PlayerLease)
            .where(
                PlayerLease.player_id.in_(players),
                PlayerLease.daemon_id != daemon_id,
                (PlayerLease.expires_at <= now) | PlayerLease.daemon_id.not_in(alive),
            )
            .values(daemon_id=daemon_id, acquired_at=now, expires_at=expires)
            .execution_options(synchronize_session=False)
        )
    return set(
        uow.session.scalars(
            select(PlayerLease.player_id).where(PlayerLease.daemon_id == daemon_id, PlayerLease.expires_at > now)
        )
    )


def resume_interrupted(uow: UnitOfWork, *, player_ids: Iterable[int], now: datetime, limit: int) -> list[str]:
    """INTERRUPTED containers of leased players go back through the restart path; returns the new STARTING ids."""
    players = list(player_ids)
    if not players:
        return []
    ids = list(
        uow.session.scalars(
            _lockable(
                uow,
                select(Container.container_id)
                .where(Container.status == ContainerStatus.INTERRUPTED.value, Container.player_id.in_(players))
                .order_by(Container.created_at)
                .limit(limit),
            )
        )
    )
    return [c.container_id for c in _each(uow, ids, lambda cid: lifecycle.resume_container(uow, cid, now=now)) if c]


def claim_ready(
    uow: UnitOfWork,
    *,
    daemon_id: str,
    player_ids: Iterable[int],
    command_types: Iterable[str],
    now: datetime,
    limit: int,
) -> list[Container]:
    """Claim due STARTING containers of leased players whose command type this daemon knows."""
    players, types = list(player_ids), list(command_types)
    if not players or not types:
        return []
    ids = list(
        uow.session.scalars(
            _lockable(
                uow,
                select(Container.container_id)
                .where(
                    Container.status == ContainerStatus.STARTING.value,
                    Container.player_id.in_(players),
                    Container.command_type.in_(types),
                    (Container.not_before.is_(None)) | (Container.not_before <= now),
                    (Container.daemon_id.is_(None)) | (Container.daemon_id == daemon_id),
                )
                .order_by(Container.not_before, Container.created_at)
                .limit(limit),
            )
        )
    )
    return [c for c in _each(uow, ids, lambda cid: lifecycle.claim_start(uow, cid, daemon_id=daemon_id, now=now)) if c]


def next_due(uow: UnitOfWork, *, player_ids: Iterable[int], now: datetime) -> datetime | None:
    """When the earliest backed-off STARTING container of these players becomes due."""
    players = list(player_ids)
    if not players:
        return None
    return uow.session.scalar(
        select(func.min(Container.not_before)).where(
            Container.status == ContainerStatus.STARTING.value,
            Container.player_id.in_(players),
            Container.not_before > now,
        )
    )


def expired_daemons_query(now: datetime, *, exclude: str | None = None) -> Select[str]:
    """Daemons still marked live whose lease has run out."""
    query = select(Daemon.daemon_id).where(Daemon.status.in_(LIVE_DAEMON_STATUSES), Daemon.lease_expires_at <= now)
    return query if exclude is None else query.where(Daemon.daemon_id != exclude)


def orphaned_containers_query(alive: Select[str]) -> Select[str, str | None]:
    """RUNNING/STOPPING containers (id, owner) whose owner is not among the `alive` daemon ids."""
    return (
        select(Container.container_id, Container.daemon_id)
        .where(Container.status.in_(_OWNED), Container.daemon_id.is_(None) | Container.daemon_id.not_in(alive))
        .order_by(Container.created_at)
    )


def recover_orphans(uow: UnitOfWork, *, daemon_id: str, now: datetime, limit: int) -> tuple[list[str], list[str]]:
    """Declare expired daemons dead, then recover RUNNING/STOPPING containers no live daemon owns.

    Returns (daemons declared dead, containers recovered). Recovery itself is the lifecycle
    handler's restart path (or finishing a requested stop), all in this transaction.
    """
    expired: list[str] = list(uow.session.scalars(expired_daemons_query(now, exclude=daemon_id)))
    dead = [d for d in expired if declare_dead(uow, daemon_id=d, now=now)]
    alive = select(Daemon.daemon_id).where(Daemon.status.in_(LIVE_DAEMON_STATUSES))
    orphans = list(uow.session.execute(_lockable(uow, orphaned_containers_query(alive).limit(limit))))
    owners = dict(orphans)
    _each(uow, list(owners), lambda cid: lifecycle.recover_container(
        uow, cid, now=now, reason=f"daemon {owners[cid] or '(none)'} lost"))
    return dead, list(owners)


def recover_unworked(uow: UnitOfWork, ids: Iterable[str], *, daemon_id: str, now: datetime) -> list[str]:
    """Rows this daemon owns but runs no worker for (a claim whose worker never started, an
    outcome it could not write): orphans, recovered through the restart path like a lost
    daemon's. Fenced on owner and status, so a row whose outcome landed meanwhile is left alone."""
    wanted = list(ids)
    if not wanted:
        return []
    owned = list(uow.session.scalars(_lockable(uow, select(Container.container_id).where(
        Container.container_id.in_(wanted[:ID_CHUNK]), Container.daemon_id == daemon_id,
        Container.status.in_(_OWNED)))))
    _each(uow, owned, lambda cid: lifecycle.recover_container(
        uow, cid, now=now, reason=f"daemon {daemon_id} had no worker for it (its outcome was never written)"))
    return owned


def interrupt_containers(uow: UnitOfWork, ids: Iterable[str], *, daemon_id: str, now: datetime) -> list[str]:
    """Graceful shutdown: RUNNING -> INTERRUPTED, ships kept for the next start."""
    ids = list(ids)
    results = _each(uow, ids, lambda cid: lifecycle.interrupt_container(uow, cid, daemon_id=daemon_id, now=now))
    return [cid for cid, ok in zip(ids, results) if ok]


# -- status ----------------------------------------------------------------------------------------


def daemon_report(uow_or_session: Any, *, now: datetime, recent: int = 5) -> dict[str, Any]:
    """Live daemons (plus the last few ended ones) and container counts, for `daemon status`."""
    session = getattr(uow_or_session, "session", uow_or_session)
    rows = list(session.scalars(select(Daemon).order_by(Daemon.started_at.desc())))
    live = [d for d in rows if d.status in LIVE_DAEMON_STATUSES and d.lease_expires_at > now]
    ended = [d for d in rows if d not in live][:recent]
    by_status = Counter(
        dict(session.execute(select(Container.status, func.count()).group_by(Container.status)).all())
    )
    per_daemon = Counter(
        dict(
            session.execute(
                select(Container.daemon_id, func.count())
                .where(Container.status.in_(_OWNED))
                .group_by(Container.daemon_id)
            ).all()
        )
    )

    def describe(d: Daemon) -> dict[str, Any]:
        alive = d in live
        return {
            "daemon_id": d.daemon_id,
            "hostname": d.hostname,
            "pid": d.pid,
            "status": d.status if alive or d.status not in LIVE_DAEMON_STATUSES else "expired",
            "version": d.version,
            "started_at": d.started_at,
            "uptime_s": round((now - d.started_at).total_seconds(), 1) if alive else None,
            "heartbeat_at": d.heartbeat_at,
            "heartbeat_age_s": round((now - d.heartbeat_at).total_seconds(), 1),
            "lease_expires_at": d.lease_expires_at,
            "containers_owned": per_daemon.get(d.daemon_id, 0),
        }

    return {
        "running": bool(live),
        "daemons": [describe(d) for d in live],
        "recent": [describe(d) for d in ended],
        "containers": {s.value: by_status.get(s.value, 0) for s in ContainerStatus},
    }


def _each(uow: UnitOfWork, ids: list[str], handler: Callable[[str], T]) -> list[T | None]:
    """Apply a lifecycle handler to each id, each in its own savepoint: one broken row is
    logged and skipped (retried on the next cycle) instead of blocking every other one."""
    results: list[T | None] = []
    for cid in ids:
        try:
            with uow.session.begin_nested():
                results.append(handler(cid))
        except SpacetradersError as exc:
            logger.warning("container %s: %s", cid, exc)
            results.append(None)
        except Exception:
            logger.exception("container %s: unexpected error, skipped", cid)
            results.append(None)
    return results


def _lockable(uow: UnitOfWork, query: Any) -> Any:
    # PostgreSQL: rows another daemon is claiming are skipped, not waited for. SQLite has
    # one writer at a time (BEGIN IMMEDIATE), so a plain SELECT is already exclusive.
    if _dialect(uow) == "postgresql":
        return query.with_for_update(skip_locked=True, of=Container)
    return query


def _dialect(uow: UnitOfWork) -> str:
    return uow.session.get_bind().dialect.name
