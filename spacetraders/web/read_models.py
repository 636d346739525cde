"""Read-only queries behind the small endpoints (players, assignments, containers, markets, systems).

Each function is a constant number of set-based queries and returns plain JSON-ready dicts
(datetimes as ISO strings). Nothing here writes, and no token column is ever selected.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spacetraders.application.tours import LIVE, SCOUT_TOUR, system_coordinates
from spacetraders.errors import NotFound
from spacetraders.persistence.assignments import ACTIVE
from spacetraders.persistence.containers import config_param_sql, parse_params
from spacetraders.persistence.markets import GoodView
from spacetraders.persistence.models import (
    Container,
    MarketGood,
    MarketRow,
    Player,
    ShipAssignment,
    SystemRow,
    WaypointRow,
)

MARKETPLACE = "MARKETPLACE"


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def require_player(session: Session, player_id: int | None) -> None:
    """404 material: a player id that names nobody."""
    if player_id is not None and session.get(Player, player_id) is None:
        raise NotFound(f"unknown player {player_id}")


def players(session: Session) -> list[dict[str, Any]]:
    # Columns are listed one by one so the token is never even read.
    rows = session.execute(
        select(Player.player_id, Player.agent_symbol, Player.faction, Player.headquarters).order_by(Player.player_id)
    )
    return [
        {"player_id": r.player_id, "agent_symbol": r.agent_symbol, "faction": r.faction, "headquarters": r.headquarters}
        for r in rows
    ]


def assignments(session: Session, *, player_id: int | None, status: str | None) -> list[dict[str, Any]]:
    query = select(ShipAssignment).order_by(ShipAssignment.player_id, ShipAssignment.ship_symbol)
    if player_id is not None:
        query = query.where(ShipAssignment.player_id == player_id)
    if status is not None:
        query = query.where(ShipAssignment.status == status)
    return [
        {
            "player_id": a.player_id,
            "ship_symbol": a.ship_symbol,
            "container_id": a.container_id,
            "operation": a.operation,
            "status": a.status,
            "assigned_at": iso(a.assigned_at),
            "released_at": iso(a.released_at),
            "release_reason": a.release_reason,
        }
        for a in session.scalars(query)
    ]


def containers(
    session: Session, *, player_id: int | None, statuses: Iterable[str] | None, limit: int
) -> list[dict[str, Any]]:
    """Newest first, with the ship each one drives (the active assignment, if any)."""
    query = (
        select(Container, ShipAssignment.ship_symbol)
        .outerjoin(
            ShipAssignment,
            (ShipAssignment.container_id == Container.container_id)
            & (ShipAssignment.player_id == Container.player_id)
            & (ShipAssignment.status == ACTIVE),
        )
        .order_by(Container.created_at.desc(), Container.container_id)
        .limit(limit)
    )
    if player_id is not None:
        query = query.where(Container.player_id == player_id)
    if statuses:
        query = query.where(Container.status.in_(list(statuses)))
    result = []
    for container, assigned_ship in session.execute(query):
        try:  # a hand-written config must not take the endpoint down
            params = parse_params(container.config)
        except ValueError:
            params = {}
        result.append(
            {
                "container_id": container.container_id,
                "player_id": container.player_id,
                "status": container.status,
                "command_type": container.command_type,
                "ship_symbol": container.ship_symbol,
                "assigned_ship": assigned_ship,
                "system": params.get("system"),
                "restart_count": container.restart_count,
                "restarted_from": container.restarted_from,
                "created_at": iso(container.created_at),
                "started_at": iso(container.started_at),
                "stopped_at": iso(container.stopped_at),
                "exit_code": container.exit_code,
                "exit_reason": container.exit_reason,
            }
        )
    return result


def markets(session: Session, system: str, *, now: datetime) -> list[dict[str, Any]]:
    """Each cached market of the system with the age of its data and its goods."""
    coords = system_coordinates(session, system)
    goods: dict[str, list[dict[str, Any]]] = defaultdict(list)
    good_rows = session.scalars(
        select(MarketGood)
        .join(MarketRow, MarketRow.waypoint_symbol == MarketGood.waypoint_symbol)
        .where(MarketRow.system_symbol == system)
        .order_by(MarketGood.waypoint_symbol, MarketGood.symbol)
    )
    for g in good_rows:
        goods[g.waypoint_symbol].append(asdict(GoodView.from_row(g)))
    rows = session.execute(
        select(MarketRow.waypoint_symbol, MarketRow.updated_at)
        .where(MarketRow.system_symbol == system)
        .order_by(MarketRow.waypoint_symbol)
    )
    result = []
    for symbol, updated_at in rows:
        point = coords.get(symbol)
        result.append(
            {
                "waypoint_symbol": symbol,
                "x": None if point is None else point.x,
                "y": None if point is None else point.y,
                "last_updated": iso(updated_at),
                "age_seconds": max(0, round((now - updated_at).total_seconds())),
                "goods": goods.get(symbol, []),
            }
        )
    return result


def system(session: Session, symbol: str) -> dict[str, Any]:
    """The system's cached waypoints (x, y, type, traits, orbits, whether it is a market)."""
    waypoints = session.scalars(
        select(WaypointRow).where(WaypointRow.system_symbol == symbol).order_by(WaypointRow.waypoint_symbol)
    ).all()
    if not waypoints:
        raise NotFound(f"unknown system {symbol!r}: no waypoints of it in the cache")
    known_markets = set(session.scalars(select(MarketRow.waypoint_symbol).where(MarketRow.system_symbol == symbol)))
    row = session.get(SystemRow, symbol)
    items = []
    for w in waypoints:
        traits = [str(t) for t in json.loads(w.traits or "[]")]
        items.append(
            {
                "symbol": w.waypoint_symbol,
                "type": w.type,
                "x": w.x,
                "y": w.y,
                "traits": traits,
                "orbits": w.orbits,
                "is_market": MARKETPLACE in traits or w.waypoint_symbol in known_markets,
            }
        )
    return {
        "symbol": symbol,
        "type": None if row is None else row.type,
        "x": None if row is None else row.x,
        "y": None if row is None else row.y,
        "waypoints": items,
    }


def systems(session: Session) -> list[dict[str, Any]]:
    """Systems the map can show (those with cached waypoints), busiest first."""
    counts = session.execute(
        select(WaypointRow.system_symbol, func.count()).group_by(WaypointRow.system_symbol)
    ).all()
    dialect = session.get_bind().dialect.name
    system_param = config_param_sql(dialect, "system")
    tours = dict(
        session.execute(
            select(system_param, func.count())
            .select_from(Container)
            .join(
                ShipAssignment,
                (ShipAssignment.container_id == Container.container_id)
                & (ShipAssignment.player_id == Container.player_id),
            )
            .where(ShipAssignment.status == ACTIVE, Container.status.in_(LIVE), Container.command_type == SCOUT_TOUR)
            .group_by(system_param)
        ).all()
    )
    result = [
        {"symbol": symbol, "waypoints": count, "live_tours": int(tours.get(symbol, 0))} for symbol, count in counts
    ]
    return sorted(result, key=lambda s: (-s["live_tours"], s["symbol"]))
