"""The tours read model: which scout tours are live in a system, and where their ships are.

Set-based by design: one query for the live tours (containers joined through ACTIVE
assignments, left-joined to the ships' last known state) and one for the system's
waypoints, whatever the number of tours. Routes, distances and interpolated ship
positions are then computed in memory from those two result sets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from spacetraders.domain.containers import LIVE_STATUSES
from spacetraders.domain.navigation import Point, distance
from spacetraders.errors import NotFound
from spacetraders.persistence.assignments import ACTIVE
from spacetraders.persistence.containers import config_param_sql
from spacetraders.persistence.models import Container, ShipAssignment, ShipRow, WaypointRow

SCOUT_TOUR = "ScoutTourCommand"
LIVE = sorted(s.value for s in LIVE_STATUSES)
IN_TRANSIT = "IN_TRANSIT"


@dataclass(frozen=True)
class RoutePoint:
    symbol: str
    x: int
    y: int


@dataclass(frozen=True)
class ShipPosition:
    x: float
    y: float
    waypoint: str  # where it is, or where it is going while in transit
    nav_status: str


@dataclass(frozen=True)
class Tour:
    ship_symbol: str
    container_id: str
    player_id: int
    status: str
    markets: list[str]
    current_market: str | None
    next_market: str | None
    ship: ShipPosition | None
    route: list[RoutePoint]
    total_distance: float
    assigned_at: datetime
    iterations: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ship_symbol": self.ship_symbol,
            "container_id": self.container_id,
            "player_id": self.player_id,
            "status": self.status,
            "markets": self.markets,
            "current_market": self.current_market,
            "next_market": self.next_market,
            "ship": None if self.ship is None else self.ship.__dict__,
            "route": [p.__dict__ for p in self.route],
            "total_distance": self.total_distance,
            "assigned_at": _iso(self.assigned_at),
            "iterations": self.iterations,
        }


def system_coordinates(session: Session, system: str) -> dict[str, Point]:
    """Every cached waypoint of the system; NotFound when the cache does not know it."""
    rows = session.execute(
        select(WaypointRow.waypoint_symbol, WaypointRow.x, WaypointRow.y).where(WaypointRow.system_symbol == system)
    ).all()
    if not rows:
        raise NotFound(f"unknown system {system!r}: no waypoints of it in the cache")
    return {symbol: Point(x, y) for symbol, x, y in rows}


def live_tours(session: Session, system: str, *, now: datetime, player_id: int | None = None) -> list[Tour]:
    """The live scout tours of `system`, one per live container holding its ship."""
    coords = system_coordinates(session, system)
    dialect = session.get_bind().dialect.name
    query = (
        select(
            ShipAssignment.ship_symbol,
            ShipAssignment.assigned_at,
            Container.container_id,
            Container.player_id,
            Container.status,
            Container.config,
            ShipRow.system_symbol,
            ShipRow.waypoint_symbol,
            ShipRow.nav_status,
            ShipRow.origin_symbol,
            ShipRow.departure_at,
            ShipRow.arrival_at,
        )
        # The DESIGN.md join: an assignment belongs to the container with its id AND player.
        .join(
            ShipAssignment,
            and_(
                ShipAssignment.container_id == Container.container_id,
                ShipAssignment.player_id == Container.player_id,
            ),
        )
        .outerjoin(
            ShipRow,
            and_(ShipRow.player_id == ShipAssignment.player_id, ShipRow.ship_symbol == ShipAssignment.ship_symbol),
        )
        .where(
            ShipAssignment.status == ACTIVE,
            Container.status.in_(LIVE),
            Container.command_type == SCOUT_TOUR,
            config_param_sql(dialect, "system") == system,
        )
        .order_by(ShipAssignment.ship_symbol, Container.player_id)
    )
    if player_id is not None:
        query = query.where(Container.player_id == player_id)
    return [_tour(row, coords, now) for row in session.execute(query)]


def _tour(row: Any, coords: dict[str, Point], now: datetime) -> Tour:
    params = json.loads(row.config).get("params") or {}
    markets = [str(m) for m in params.get("markets") or []]
    route = [RoutePoint(m, *coords[m]) for m in markets if m in coords]
    current, following = _current_and_next(row, markets, coords)
    iterations = params.get("iterations")
    return Tour(
        ship_symbol=row.ship_symbol,
        container_id=row.container_id,
        player_id=row.player_id,
        status=row.status,
        markets=markets,
        current_market=current,
        next_market=following,
        ship=_position(row, coords, now),
        route=route,
        total_distance=loop_distance([Point(p.x, p.y) for p in route]),
        assigned_at=row.assigned_at,
        iterations=iterations if isinstance(iterations, int) else None,
    )


def loop_distance(points: list[Point]) -> float:
    """Length of the closed loop through `points` in order (back to the first)."""
    if len(points) < 2:
        return 0.0
    return round(sum(distance(a, b) for a, b in zip(points, points[1:] + points[:1])), 2)


def _current_and_next(row: Any, markets: list[str], coords: dict[str, Point]) -> tuple[str | None, str | None]:
    """Where the tour is: the rules documented in docs/visualiser.md.

    - in transit: no current market; next = the destination;
    - at a tour market: current = it; next = the market after it in visiting order;
    - anywhere else in the system: next = the tour market nearest the ship;
    - ship unknown or in another system: neither is known.
    """
    if row.nav_status is None or row.waypoint_symbol not in coords or not markets:
        return None, None
    if row.nav_status == IN_TRANSIT:
        return None, row.waypoint_symbol
    if row.waypoint_symbol in markets:
        index = markets.index(row.waypoint_symbol)
        return row.waypoint_symbol, markets[(index + 1) % len(markets)]
    here = coords[row.waypoint_symbol]
    known = [m for m in markets if m in coords]
    if not known:
        return None, None
    return None, min(known, key=lambda m: (distance(here, coords[m]), m))


def _position(row: Any, coords: dict[str, Point], now: datetime) -> ShipPosition | None:
    """The ship on the map; interpolated along origin -> destination while in transit."""
    if row.nav_status is None or row.waypoint_symbol not in coords:
        return None
    target = coords[row.waypoint_symbol]
    x, y = float(target.x), float(target.y)
    origin = coords.get(row.origin_symbol or "")
    if row.nav_status == IN_TRANSIT and origin is not None and row.departure_at and row.arrival_at:
        span = (row.arrival_at - row.departure_at).total_seconds()
        done = 1.0 if span <= 0 else min(1.0, max(0.0, (now - row.departure_at).total_seconds() / span))
        x = origin.x + (target.x - origin.x) * done
        y = origin.y + (target.y - origin.y) * done
    return ShipPosition(round(x, 2), round(y, 2), row.waypoint_symbol, row.nav_status)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")
