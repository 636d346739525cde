"""The universe cache (systems, waypoints) and the ships table: what we last saw of the game.

Writes are set-based upserts (one statement per table, whatever the number of rows) so
syncing an 90-waypoint system or a fleet of ships costs a handful of statements.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from spacetraders.api.models import Fuel, Ship, ShipNav, System, Waypoint
from spacetraders.persistence.models import ShipRow, SystemRow, WaypointRow
from spacetraders.persistence.types import rows_affected


def upsert_rows(session: Session, model: type, rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE every other column, on either database."""
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    make_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    insert = make_insert(table).values(list(rows))
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys],
            set_={name: insert.excluded[name] for name in rows[0] if name not in keys},
        )
    )


# -- systems and waypoints ---------------------------------------------------------------


def get_system(session: Session, system_symbol: str) -> SystemRow | None:
    return session.get(SystemRow, system_symbol)


def store_system_waypoints(
    session: Session, system: System, waypoints: Sequence[Waypoint], *, now: datetime
) -> None:
    """Replace the cached waypoints of `system` with `waypoints` and stamp the sync time."""
    upsert_rows(
        session,
        SystemRow,
        [
            {
                "system_symbol": system.symbol,
                "sector_symbol": system.sector_symbol,
                "type": system.type,
                "x": system.x,
                "y": system.y,
                "waypoints_synced_at": now,
            }
        ],
        ["system_symbol"],
    )
    fresh = {w.symbol for w in waypoints}
    stale = select(WaypointRow.waypoint_symbol).where(WaypointRow.system_symbol == system.symbol)
    gone = [symbol for symbol in session.scalars(stale) if symbol not in fresh]
    if gone:
        session.execute(delete(WaypointRow).where(WaypointRow.waypoint_symbol.in_(gone)))
    upsert_rows(
        session,
        WaypointRow,
        [
            {
                "waypoint_symbol": w.symbol,
                "system_symbol": system.symbol,
                "type": w.type,
                "x": w.x,
                "y": w.y,
                "traits": json.dumps(sorted(w.traits)),
                "orbits": w.orbits,
                "synced_at": now,
            }
            for w in waypoints
        ],
        ["waypoint_symbol"],
    )


def list_waypoints(session: Session, system_symbol: str, *, trait: str | None = None) -> list[WaypointRow]:
    """Cached waypoints of a system (those having `trait` if given), by symbol."""
    query = select(WaypointRow).where(WaypointRow.system_symbol == system_symbol).order_by(WaypointRow.waypoint_symbol)
    if trait is not None:
        # A cheap textual pre-filter on the JSON list; the exact test is done below.
        query = query.where(WaypointRow.traits.contains(f'"{trait}"'))
    rows = list(session.scalars(query))
    return [r for r in rows if trait is None or trait in waypoint_traits(r)]


def waypoint_traits(row: WaypointRow) -> list[str]:
    return list(json.loads(row.traits or "[]"))


# -- ships ---------------------------------------------------------------------------------


def store_ships(session: Session, player_id: int, ships: Sequence[Ship], *, now: datetime) -> None:
    """Record the last known nav and fuel of each ship (one statement)."""
    upsert_rows(session, ShipRow, [ship_row_values(player_id, s, now) for s in ships], ["player_id", "ship_symbol"])


def ship_row_values(player_id: int, ship: Ship, now: datetime) -> dict[str, Any]:
    return {
        "player_id": player_id,
        "ship_symbol": ship.symbol,
        "role": ship.role,
        "frame": ship.frame,
        **_nav_values(ship.nav, ship.fuel, now),
        "engine_speed": ship.engine_speed,
    }


def update_ship_nav(
    session: Session, player_id: int, ship_symbol: str, nav: ShipNav, fuel: Fuel | None, *, now: datetime
) -> bool:
    """After navigate/orbit/dock/refuel: refresh the nav (and fuel) of a ship already recorded."""
    values = _nav_values(nav, fuel, now)
    result = session.execute(
        update(ShipRow)
        .where(ShipRow.player_id == player_id, ShipRow.ship_symbol == ship_symbol)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return rows_affected(result) == 1


def _nav_values(nav: ShipNav, fuel: Fuel | None, now: datetime) -> dict[str, Any]:
    """The ships-table columns a nav (and, if known, fuel) reading sets."""
    values: dict[str, Any] = {
        "system_symbol": nav.system_symbol,
        "waypoint_symbol": nav.waypoint_symbol,
        "nav_status": nav.status,
        "flight_mode": nav.flight_mode,
        "origin_symbol": nav.route.origin_symbol,
        "departure_at": nav.route.departure_time,
        "arrival_at": nav.route.arrival,
        "updated_at": now,
    }
    if fuel is not None:
        values |= {"fuel_current": fuel.current, "fuel_capacity": fuel.capacity}
    return values
