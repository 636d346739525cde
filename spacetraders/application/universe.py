"""Keep the waypoint cache of a system filled from the API, and validate game symbols."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from spacetraders.api.client import SpaceTradersClient
from spacetraders.api.errors import NotFoundError
from spacetraders.errors import ConfigError, NotFound
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import WaypointRow
from spacetraders.persistence.universe import (
    get_system,
    list_waypoints,
    store_system_waypoints,
    waypoint_traits,
)

MARKETPLACE = "MARKETPLACE"

# NOTES.md "Symbol formats": systems are <sector>-<name>, waypoints <system>-<suffix>.
_SYSTEM = re.compile(r"^[A-Z0-9]+-[A-Z0-9]+$")
_WAYPOINT = re.compile(r"^[A-Z0-9]+-[A-Z0-9]+-[A-Z0-9]+$")
_SHIP = re.compile(r"^[A-Z0-9_-]+-[0-9A-F]+$")
_TRAIT = re.compile(r"^[A-Z_]+$")


def parse_system_symbol(raw: str) -> str:
    symbol = raw.strip().upper()
    if not _SYSTEM.match(symbol):
        raise ConfigError(f"malformed system symbol {raw!r} (expected e.g. X1-TS98)")
    return symbol


def parse_waypoint_symbol(raw: str) -> str:
    symbol = raw.strip().upper()
    if not _WAYPOINT.match(symbol):
        raise ConfigError(f"malformed waypoint symbol {raw!r} (expected e.g. X1-TS98-A1)")
    return symbol


def parse_ship_symbol(raw: str) -> str:
    symbol = raw.strip().upper()
    if not _SHIP.match(symbol):
        raise ConfigError(f"malformed ship symbol {raw!r} (expected e.g. COOPER-2)")
    return symbol


def parse_trait(raw: str) -> str:
    trait = raw.strip().upper()
    if not _TRAIT.match(trait):
        raise ConfigError(f"malformed trait {raw!r} (expected e.g. MARKETPLACE)")
    return trait


@dataclass(frozen=True)
class CachedWaypoint:
    symbol: str
    type: str
    x: int
    y: int
    traits: tuple[str, ...]
    orbits: str | None

    @classmethod
    def from_row(cls, row: WaypointRow) -> CachedWaypoint:
        return cls(row.waypoint_symbol, row.type, row.x, row.y, tuple(waypoint_traits(row)), row.orbits)

    def as_dict(self) -> dict[str, object]:
        return {"symbol": self.symbol, "type": self.type, "x": self.x, "y": self.y,
                "traits": list(self.traits), "orbits": self.orbits}


@dataclass(frozen=True)
class SystemWaypoints:
    system_symbol: str
    synced_at: datetime
    fetched: bool  # True when this call asked the API
    waypoints: tuple[CachedWaypoint, ...]


async def sync_system(db: Database, api: SpaceTradersClient, system_symbol: str, *, now: datetime) -> None:
    """Fetch the system and all its waypoints, then replace the cache in one transaction."""
    try:
        system = await api.get_system(system_symbol)
        waypoints = await api.list_waypoints(system_symbol)
    except NotFoundError:
        raise NotFound(f"unknown system {system_symbol}") from None
    with db.transaction() as uow:
        store_system_waypoints(uow.session, system, waypoints, now=now)


async def system_waypoints(
    db: Database,
    api: SpaceTradersClient,
    system_symbol: str,
    *,
    now: datetime,
    trait: str | None = None,
    refresh: bool = False,
) -> SystemWaypoints:
    """The cached waypoints of a system, synced first when the system isn't cached or on refresh."""
    system_symbol = parse_system_symbol(system_symbol)
    trait = parse_trait(trait) if trait else None
    with db.read() as session:
        cached = get_system(session, system_symbol)
        synced_at = cached.waypoints_synced_at if cached else None
    fetched = refresh or synced_at is None
    if fetched:
        await sync_system(db, api, system_symbol, now=now)
    with db.read() as session:
        row = get_system(session, system_symbol)
        assert row is not None and row.waypoints_synced_at is not None
        rows = list_waypoints(session, system_symbol, trait=trait)
        return SystemWaypoints(
            system_symbol, row.waypoints_synced_at, fetched, tuple(CachedWaypoint.from_row(r) for r in rows)
        )
