"""Read side of containers for the CLI and the web API: plain dicts, never a token.

Container configs hold command parameters only (tokens live in `players`), but keys that
look secret are masked anyway, so a careless operation parameter cannot leak through
`inspect`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spacetraders.domain.containers import LIVE_STATUSES
from spacetraders.domain.restart_policy import LINEAGE_LIMIT
from spacetraders.errors import ConfigError, NotFound
from spacetraders.persistence.containers import parse_params
from spacetraders.persistence.intents import open_intent_of
from spacetraders.persistence.models import (
    Container,
    ContainerEvent,
    ContainerLog,
    Daemon,
    Player,
    ShipAssignment,
)
from spacetraders.persistence.progress import load_progress

LIVE = sorted(s.value for s in LIVE_STATUSES)
LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
_SECRET_HINTS = ("token", "secret", "password", "authorization")


def list_containers(
    session: Session,
    *,
    now: datetime,
    player_id: int | None = None,
    statuses: Iterable[str] | None = None,
    include_all: bool = False,
) -> list[dict[str, Any]]:
    """Live containers (or all with include_all / the given statuses), oldest first."""
    query = select(Container, Player.agent_symbol).join(Player, Player.player_id == Container.player_id)
    if player_id is not None:
        query = query.where(Container.player_id == player_id)
    if statuses:
        query = query.where(Container.status.in_(list(statuses)))
    elif not include_all:
        query = query.where(Container.status.in_(LIVE))
    query = query.order_by(Container.created_at, Container.container_id)
    return [_summary(c, agent, now) for c, agent in session.execute(query)]


def inspect_container(session: Session, container_id: str, *, now: datetime) -> dict[str, Any]:
    """Everything about one container: config, timings, exit, status history, lineage, assignment."""
    row = session.execute(
        select(Container, Player.agent_symbol)
        .join(Player, Player.player_id == Container.player_id)
        .where(Container.container_id == container_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no container {container_id!r}")
    c, agent = row
    try:
        params: dict[str, Any] | None = mask_secrets(parse_params(c.config))
        config_error = None
    except ValueError as exc:  # a hand-written row: shown, named, never a traceback
        params, config_error = None, f"config {exc}"
    events = session.execute(
        select(ContainerEvent.at, ContainerEvent.status, ContainerEvent.detail)
        .where(ContainerEvent.container_id == container_id)
        .order_by(ContainerEvent.event_id)
    ).all()
    return {
        **_summary(c, agent, now),
        "params": params,
        "config_error": config_error,
        "restart_policy": c.restart_policy,
        "max_restarts": c.max_restarts,
        "restart_window_s": c.restart_window_s,
        "restarted_from": c.restarted_from,
        "not_before": c.not_before,
        "heartbeat_at": c.heartbeat_at,
        "exit_code": c.exit_code,
        "exit_reason": c.exit_reason,
        "events": [{"at": at, "status": status, "detail": detail} for at, status, detail in events],
        "lineage": lineage(session, container_id),
        "assignment": _assignment(session, c),
        "progress": _progress(session, c.player_id, params),
        "open_money_step": _open_step(session, c.player_id, c.ship_symbol),
    }


def _progress(session: Session, player_id: int, params: dict[str, Any] | None) -> dict[str, Any] | None:
    """The run's persisted progress (contract round, trade trip), shared by its restarts."""
    run_id = (params or {}).get("run_id")
    return load_progress(session, player_id, run_id) if isinstance(run_id, str) else None


def _open_step(session: Session, player_id: int, ship: str | None) -> dict[str, Any] | None:
    """A money step a crash left unsettled: the next start reconciles it before acting."""
    row = open_intent_of(session, player_id, ship) if ship else None
    if row is None:
        return None
    return {"kind": row.kind, "good": row.good, "units": row.units, "waypoint_symbol": row.waypoint_symbol,
            "reference": row.reference, "since": row.created_at}


def lineage(session: Session, container_id: str) -> list[dict[str, Any]]:
    """The restart chain through this container, from its first run to the latest (bounded)."""
    fields = (Container.container_id, Container.status, Container.restart_count, Container.created_at,
              Container.stopped_at, Container.exit_reason, Container.restarted_from)
    chain: list[Any] = []
    cursor: str | None = container_id
    while cursor is not None and len(chain) < LINEAGE_LIMIT:  # up to the first run
        row = session.execute(select(*fields).where(Container.container_id == cursor)).one_or_none()
        if row is None:
            break
        chain.insert(0, row)
        cursor = row.restarted_from
    cursor = container_id
    for _ in range(LINEAGE_LIMIT):  # down to the latest
        row = session.execute(
            select(*fields).where(Container.restarted_from == cursor).order_by(Container.created_at).limit(1)
        ).one_or_none()
        if row is None:
            break
        chain.append(row)
        cursor = row.container_id
    return [
        {"container_id": r.container_id, "status": r.status, "restart_count": r.restart_count,
         "created_at": r.created_at, "stopped_at": r.stopped_at, "exit_reason": r.exit_reason,
         "current": r.container_id == container_id}
        for r in chain
    ]


def container_logs(
    session: Session,
    container_id: str,
    *,
    tail: int | None = None,
    level: str | None = None,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """Log lines of one container in order; `tail` keeps the last N, `level` is a minimum severity."""
    query = select(ContainerLog).where(ContainerLog.container_id == container_id)
    if level is not None:
        query = query.where(ContainerLog.level.in_(levels_from(level)))
    if after_id is not None:
        query = query.where(ContainerLog.log_id > after_id)
    if tail is not None:
        rows = list(session.scalars(query.order_by(ContainerLog.log_id.desc()).limit(tail)))[::-1]
    else:
        rows = list(session.scalars(query.order_by(ContainerLog.log_id)))
    return [
        {"log_id": r.log_id, "timestamp": r.timestamp, "level": r.level, "message": r.message} for r in rows
    ]


def container_status(session: Session, container_id: str) -> str:
    status = session.scalar(select(Container.status).where(Container.container_id == container_id))
    if status is None:
        raise NotFound(f"no container {container_id!r}")
    return status


def successor_of(session: Session, container_id: str) -> str | None:
    return session.scalar(
        select(Container.container_id).where(Container.restarted_from == container_id).limit(1)
    )


def live_daemon_ids(session: Session, *, now: datetime, statuses: Iterable[str] = ("running",)) -> list[str]:
    """Daemons in one of `statuses` whose lease has not expired (default: those taking new work;
    add "stopping" for those still finishing their runs)."""
    return list(
        session.scalars(
            select(Daemon.daemon_id)
            .where(Daemon.status.in_(list(statuses)), Daemon.lease_expires_at > now)
            .order_by(Daemon.daemon_id)
        )
    )


def levels_from(level: str) -> list[str]:
    name = level.upper()
    if name == "WARN":
        name = "WARNING"
    if name not in LEVELS:
        raise ConfigError(f"unknown log level {level!r} (expected one of: {', '.join(LEVELS)})")
    return LEVELS[LEVELS.index(name):]


def mask_secrets(params: dict[str, Any]) -> dict[str, Any]:
    return {
        k: ("***" if any(h in k.lower() for h in _SECRET_HINTS) else mask_secrets(v) if isinstance(v, dict) else v)
        for k, v in params.items()
    }


def _summary(c: Container, agent: str, now: datetime) -> dict[str, Any]:
    since = c.started_at if c.status in LIVE and c.started_at else c.created_at
    end = now if c.status in LIVE else (c.stopped_at or now)
    return {
        "container_id": c.container_id,
        "player_id": c.player_id,
        "agent_symbol": agent,
        "ship_symbol": c.ship_symbol,  # the column: a config that cannot be parsed hides nothing
        "command_type": c.command_type,
        "status": c.status,
        "restart_count": c.restart_count,
        "daemon_id": c.daemon_id,
        "created_at": c.created_at,
        "started_at": c.started_at,
        "stopped_at": c.stopped_at,
        # Uptime while it runs, its age while it waits, how long it lasted once finished.
        "age_s": max(0, int((end - since).total_seconds())),
    }


def _assignment(session: Session, c: Container) -> dict[str, Any] | None:
    ship = c.ship_symbol
    if not ship:
        return None
    a = session.get(ShipAssignment, (c.player_id, ship))
    if a is None:
        return {"ship_symbol": ship, "status": None, "container_id": None, "held_by_this": False}
    return {
        "ship_symbol": ship,
        "status": a.status,
        "container_id": a.container_id,
        "held_by_this": a.status == "active" and a.container_id == c.container_id,
        "assigned_at": a.assigned_at,
        "released_at": a.released_at,
        "release_reason": a.release_reason,
    }


__all__ = [
    "container_logs", "container_status", "inspect_container", "levels_from", "lineage", "list_containers",
    "live_daemon_ids", "mask_secrets", "successor_of",
]
