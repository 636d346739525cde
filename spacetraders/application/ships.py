"""Ships of the acting player: read from the game, remembered in the ships table."""

from __future__ import annotations

from datetime import datetime

from spacetraders.api.client import SpaceTradersClient
from spacetraders.api.models import Ship
from spacetraders.persistence.database import Database
from spacetraders.persistence.universe import store_ships


async def fetch_ships(db: Database, api: SpaceTradersClient, player_id: int, *, now: datetime) -> list[Ship]:
    ships = await api.list_ships()
    with db.transaction() as uow:
        store_ships(uow.session, player_id, ships, now=now)
    return ships


async def fetch_ship(db: Database, api: SpaceTradersClient, player_id: int, symbol: str, *, now: datetime) -> Ship:
    ship = await api.get_ship(symbol)
    with db.transaction() as uow:
        store_ships(uow.session, player_id, [ship], now=now)
    return ship


def ship_view(ship: Ship, assigned_to: str | None = None) -> dict[str, object]:
    nav = ship.nav
    return {
        "symbol": ship.symbol,
        "role": ship.role,
        "frame": ship.frame,
        "system": nav.system_symbol,
        "waypoint": nav.waypoint_symbol,
        "nav_status": nav.status,
        "flight_mode": nav.flight_mode,
        "origin": nav.route.origin_symbol,
        "arrival": nav.route.arrival if nav.status == "IN_TRANSIT" else None,
        "engine_speed": ship.engine_speed,
        "fuel": {"current": ship.fuel.current, "capacity": ship.fuel.capacity},
        "cargo": {"units": ship.cargo_units, "capacity": ship.cargo_capacity},
        "container_id": assigned_to,
    }
