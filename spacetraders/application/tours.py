"""The tours read model: which scout tours are live in a system, and where their ships are.

Set-based by design: one query for the live tours (containers joined through ACTIVE
assignments, left-joined to the ships' last known state) and one for the system's
waypoints, whatever the number of tours. Routes, distances and interpolated ship
positions are then computed in memory from those two result sets.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, NamedTuple, TypedDict

from sqlalchemy import and_, null, select
from sqlalchemy.orm import Session

from spacetraders.domain.containers import LIVE_STATUSES
from spacetraders.domain.navigation import Point, distance
from spacetraders.errors import NotFound
from spacetraders.persistence.assignments import ACTIVE
from spacetraders.persistence.containers import config_param_sql, parse_params
from spacetraders.persistence.models import (
    Container,
    ShipAssignment,
    ShipRow,
    WaypointRow,
)

SCOUT_TOUR = "ScoutTourCommand"
LIVE = sorted(s.value for s in LIVE_STATUSES)
# One encoder, built once: json.dumps(..., separators=...) would build a new one per call.
_COMPACT = json.JSONEncoder(separators=(",", ":"))
IN_TRANSIT = "IN_TRANSIT"


class RoutePoint(TypedDict):
    symbol: str
    x: int
    y: int


class ShipPosition(TypedDict):
    x: float
    y: float
    waypoint: str  # where it is, or where it is going while in transit
    nav_status: str


class Tour(TypedDict):
    """One live tour, JSON-ready but for `assigned_at` (a datetime).

    TypedDicts rather than dataclasses: a busy system has thousands of route points and
    building objects only to turn them into dicts again doubled the endpoint's latency.
    """

    ship_symbol: str
    container_id: str
    player_id: int
    status: str
    markets: list[str]
    current_market: str | None
    next_market: str | None
    ship: ShipPosition | None
    route: list[RoutePoint]  # visiting order; the loop closes from the last back to the first
    total_distance: float
    assigned_at: datetime
    iterations: int | None
    period_seconds: int | None  # the planned loop: each market refreshed at least this often (None: not recorded)


def system_coordinates(session: Session, system: str) -> dict[str, Point]:
    """Every cached waypoint of the system; NotFound when the cache does not know it."""
    rows = session.execute(
        select(WaypointRow.waypoint_symbol, WaypointRow.x, WaypointRow.y).where(WaypointRow.system_symbol == system)
    ).all()
    if not rows:
        raise NotFound(f"unknown system {system!r}: no waypoints of it in the cache")
    return {symbol: Point(x, y) for symbol, x, y in rows}


class TourPlan(NamedTuple):
    """What a container's config and the system's coordinates fix for the container's whole life."""

    markets: list[str]
    route: list[RoutePoint]
    total_distance: float
    iterations: int | None
    period_seconds: int | None
    json: str  # the five fields above as JSON object members, encoded once


class TourPlans:
    """Plans of the live tours, per system, so a refresh re-encodes none of their routes.

    Keyed by container id: a container's config never changes (a restart makes a new
    container). A system's plans are dropped when its coordinates change (cache resync).
    """

    def __init__(self, max_per_system: int = 20_000) -> None:
        self._max = max_per_system
        self._systems: dict[str, tuple[int, dict[str, TourPlan]]] = {}

    def for_system(self, system: str, coords: dict[str, Point]) -> dict[str, TourPlan]:
        key = hash(frozenset(coords.items()))
        cached = self._systems.get(system)
        if cached is None or cached[0] != key or len(cached[1]) > self._max:
            cached = self._systems[system] = (key, {})
        return cached[1]


def live_tours(
    session: Session, system: str, *, now: datetime, player_id: int | None = None, plans: TourPlans | None = None
) -> list[Tour]:
    """The live scout tours of `system`, one per live container holding its ship."""
    coords, rows, known = _load(session, system, player_id, plans)
    tours: list[Tour] = []
    for row in rows:
        plan = known[row[2]]
        static = {"markets": plan.markets, "route": plan.route, "total_distance": plan.total_distance,
                  "iterations": plan.iterations, "period_seconds": plan.period_seconds}
        tours.append({**_dynamic(row, plan, coords, now), **static})  # type: ignore[typeddict-item]
    return tours


def live_tours_json(
    session: Session, system: str, *, now: datetime, player_id: int | None = None, plans: TourPlans | None = None
) -> str:
    """`live_tours` as a JSON array, reusing each tour's encoded plan (routes are most of the bytes)."""
    coords, rows, known = _load(session, system, player_id, plans)
    parts = []
    for row in rows:
        plan = known[row[2]]
        dynamic = _dynamic(row, plan, coords, now)
        dynamic["assigned_at"] = _iso(dynamic["assigned_at"])
        parts.append(_COMPACT.encode(dynamic)[:-1] + "," + plan.json + "}")
    return "[" + ",".join(parts) + "]"


def _load(
    session: Session, system: str, player_id: int | None, plans: TourPlans | None
) -> tuple[dict[str, Point], list[Any], dict[str, TourPlan]]:
    coords = system_coordinates(session, system)
    known = (plans or TourPlans()).for_system(system, coords)
    rows = list(session.execute(_query(session, system, player_id)))
    # A container's config never changes: only new containers' configs are read (and parsed).
    missing = [row[2] for row in rows if row[2] not in known]
    for start in range(0, len(missing), 500):
        configs = session.execute(
            select(Container.container_id, Container.config).where(Container.container_id.in_(missing[start:start + 500]))
        )
        for container_id, config in configs:
            known[container_id] = _plan(config, coords)
    return coords, rows, known


def _query(session: Session, system: str, player_id: int | None) -> Any:
    dialect = session.get_bind().dialect.name
    query = (
        select(
            ShipAssignment.ship_symbol,
            ShipAssignment.assigned_at,
            Container.container_id,
            Container.player_id,
            Container.status,
            null().label("config"),  # kept as a column so row positions stay put; read in _load
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
    return query


class Nav(NamedTuple):
    """The ship's last known nav (all None when the ships table has no row for it)."""

    waypoint: str | None
    status: str | None
    origin: str | None
    departure_at: datetime | None
    arrival_at: datetime | None


def _plan(config: str, coords: dict[str, Point]) -> TourPlan:
    """The tour's static part. A config that cannot be read gives an empty route, not an error:
    one bad row must not take the map down (`assignments fix` and `reconcile` name it)."""
    try:
        params = parse_params(config)
    except ValueError:
        params = {}
    raw_markets = params.get("markets")
    markets = [str(m) for m in raw_markets] if isinstance(raw_markets, list) else []
    stops = [(m, coords[m]) for m in markets if m in coords]
    iterations = params.get("iterations")
    period = params.get("period_seconds")
    route: list[RoutePoint] = [{"symbol": m, "x": p[0], "y": p[1]} for m, p in stops]
    total = loop_distance([p for _, p in stops])
    laps = iterations if isinstance(iterations, int) else None
    period_s = period if isinstance(period, int) and not isinstance(period, bool) else None
    fields = {"markets": markets, "route": route, "total_distance": total, "iterations": laps,
              "period_seconds": period_s}
    return TourPlan(markets, route, total, laps, period_s, json=_COMPACT.encode(fields)[1:-1])


def _dynamic(row: Any, plan: TourPlan, coords: dict[str, Point], now: datetime) -> dict[str, Any]:
    """The fields that change between refreshes. Plain tuple unpacking: attribute access on
    thousands of rows was a measurable share of the latency."""
    ship_symbol, assigned_at, container_id, player_id, status, _config, *nav_fields = row
    nav = Nav(*nav_fields)
    current, following = _current_and_next(nav, plan.markets, coords)
    return {
        "ship_symbol": ship_symbol,
        "container_id": container_id,
        "player_id": player_id,
        "status": status,
        "current_market": current,
        "next_market": following,
        "ship": ship_position(nav, coords, now),
        "assigned_at": assigned_at,
    }


def loop_distance(points: list[Point]) -> float:
    """Length of the closed loop through `points` in order (back to the first)."""
    if len(points) < 2:
        return 0.0
    return round(sum(map(math.dist, points, points[1:] + points[:1])), 2)


def _current_and_next(nav: Nav, markets: list[str], coords: dict[str, Point]) -> tuple[str | None, str | None]:
    """Where the tour is: the rules documented in docs/visualiser.md.

    - in transit: no current market; next = the destination;
    - at a tour market: current = it; next = the market after it in visiting order;
    - anywhere else in the system: next = the tour market nearest the ship;
    - ship unknown or in another system: neither is known.
    """
    if nav.status is None or nav.waypoint not in coords or not markets:
        return None, None
    if nav.status == IN_TRANSIT:
        return None, nav.waypoint
    if nav.waypoint in markets:
        return nav.waypoint, markets[(markets.index(nav.waypoint) + 1) % len(markets)]
    here = coords[nav.waypoint]
    known = [m for m in markets if m in coords]
    if not known:
        return None, None
    return None, min(known, key=lambda m: (distance(here, coords[m]), m))


def ship_position(nav: Nav, coords: dict[str, Point], now: datetime) -> ShipPosition | None:
    """The ship on the map; interpolated along origin -> destination while in transit."""
    target = coords.get(nav.waypoint or "")
    if nav.status is None or nav.waypoint is None or target is None:
        return None
    x, y = float(target[0]), float(target[1])
    origin = coords.get(nav.origin or "")
    if nav.status == IN_TRANSIT and origin is not None and nav.departure_at and nav.arrival_at:
        span = (nav.arrival_at - nav.departure_at).total_seconds()
        done = 1.0 if span <= 0 else min(1.0, max(0.0, (now - nav.departure_at).total_seconds() / span))
        x = origin[0] + (target[0] - origin[0]) * done
        y = origin[1] + (target[1] - origin[1]) * done
    return {"x": round(x, 2), "y": round(y, 2), "waypoint": nav.waypoint, "nav_status": nav.status}


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
