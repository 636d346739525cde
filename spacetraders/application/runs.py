"""Live runs other than scout tours (navigation, contracts, trading, ship purchases) for the map.

Each is a live container holding its ship's active assignment, with the ship's position and the
run's persisted progress (phase, next stop, route) when the operation keeps one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from spacetraders.application.tours import SCOUT_TOUR, Nav, ship_position, system_coordinates
from spacetraders.domain.containers import LIVE_STATUSES
from spacetraders.persistence.containers import parse_params
from spacetraders.persistence.models import Container, ShipAssignment, ShipRow
from spacetraders.persistence.progress import load_progress_of_runs

LIVE = sorted(s.value for s in LIVE_STATUSES)


def live_runs(session: Session, system: str, *, now: datetime, player_id: int | None = None) -> list[dict[str, Any]]:
    coords = system_coordinates(session, system)
    query = (
        select(Container.container_id, Container.player_id, Container.command_type, Container.status,
               Container.config, ShipRow.ship_symbol, ShipRow.waypoint_symbol, ShipRow.nav_status,
               ShipRow.origin_symbol, ShipRow.departure_at, ShipRow.arrival_at)
        .join(ShipAssignment, and_(ShipAssignment.container_id == Container.container_id,
                                   ShipAssignment.player_id == Container.player_id, ShipAssignment.status == "active"))
        .join(ShipRow, and_(ShipRow.player_id == ShipAssignment.player_id,
                            ShipRow.ship_symbol == ShipAssignment.ship_symbol))
        .where(Container.status.in_(LIVE), Container.command_type != SCOUT_TOUR, ShipRow.system_symbol == system)
        .order_by(ShipRow.ship_symbol)
    )
    if player_id is not None:
        query = query.where(Container.player_id == player_id)
    rows = list(session.execute(query))
    params_of = {row.container_id: _params(row.config) for row in rows}
    keys = [(row.player_id, run_id) for row in rows
            if isinstance(run_id := params_of[row.container_id].get("run_id"), str)]
    progress_of = load_progress_of_runs(session, keys)
    runs = []
    for row in rows:
        params = params_of[row.container_id]
        progress = progress_of.get((row.player_id, str(params.get("run_id"))))
        next_stop = (progress or {}).get("next_stop") or params.get("destination")
        route = [w for w in (progress or {}).get("route") or [] if isinstance(w, str) and w in coords]
        runs.append({
            "container_id": row.container_id, "player_id": row.player_id, "command_type": row.command_type,
            "status": row.status, "ship_symbol": row.ship_symbol,
            "ship": ship_position(Nav(row.waypoint_symbol, row.nav_status, row.origin_symbol, row.departure_at,
                                      row.arrival_at), coords, now),
            "next_stop": next_stop if isinstance(next_stop, str) else None,
            "route": [{"symbol": w, "x": coords[w][0], "y": coords[w][1]} for w in route],
            "phase": (progress or {}).get("phase"),
            "progress": progress,
        })
    return runs


def _params(config: str) -> dict[str, Any]:
    try:
        return parse_params(config)
    except ValueError:  # a hand-written config: the run is still shown, without its plan
        return {}
