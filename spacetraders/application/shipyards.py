"""Shipyards: list the yards we know of, and buy ships.

The game sells a ship only where the buyer has a ship (docked or in orbit) and shows prices
only then; the types a yard sells are public. Where one of our ships is at a yard selling
the type, the purchase is immediate (here); otherwise a ShipPurchaseCommand container flies
a buyer there first (application/remote_purchase.py). A yard's price rises about 2.5 % per
ship it sells, so the price is read again before each purchase; each new ship and its
`ship_purchase` ledger entry are stored in one transaction.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spacetraders.api.client import SpaceTradersClient
from spacetraders.api.models import Ship, Shipyard
from spacetraders.application.universe import (
    CachedWaypoint,
    parse_ship_symbol,
    parse_system_symbol,
    parse_waypoint_symbol,
    system_waypoints,
)
from spacetraders.domain.navigation import system_of
from spacetraders.errors import ConfigError, SpacetradersError
from spacetraders.persistence.database import Database
from spacetraders.persistence.universe import store_ships

SHIPYARD = "SHIPYARD"
IN_TRANSIT = "IN_TRANSIT"
_SHIP_TYPE = re.compile(r"^SHIP_[A-Z0-9_]{1,58}$")


class ShipyardError(SpacetradersError):
    """A purchase refused before (or by) the game; one plain sentence."""


def parse_ship_type(raw: str) -> str:
    value = raw.strip().upper()
    if not _SHIP_TYPE.match(value):
        shown = raw if len(raw) <= 24 else f"{raw[:10]}... ({len(raw)} characters)"
        raise ConfigError(f"malformed ship type {shown!r} (expected e.g. SHIP_PROBE)")
    return value


def present_at(ships: list[Ship]) -> dict[str, str]:
    """Waypoint -> the first of our ships there (docked or in orbit), by symbol."""
    out: dict[str, str] = {}
    for s in sorted(ships, key=lambda s: s.symbol):
        if s.nav.status != IN_TRANSIT:
            out.setdefault(s.nav.waypoint_symbol, s.symbol)
    return out


async def our_ships(db: Database, api: SpaceTradersClient, player_id: int, now: datetime) -> list[Ship]:
    ships = await api.list_ships()

    def write() -> None:
        with db.transaction() as uow:
            store_ships(uow.session, player_id, ships, now=now)

    await asyncio.to_thread(write)
    return ships


# -- list ---------------------------------------------------------------------------------


async def list_yards(
    db: Database, api: SpaceTradersClient, player_id: int, *, now: datetime,
    system: str | None = None, ship_type: str | None = None,
) -> list[dict[str, Any]]:
    """Yards of `system` (default: every system one of our ships is in) from the waypoint cache,
    with the types each sells and, where a ship of ours is, their prices (live)."""
    ship_type = parse_ship_type(ship_type) if ship_type else None
    systems = [parse_system_symbol(system)] if system else None
    ships = await our_ships(db, api, player_id, now)
    present: dict[str, list[str]] = {}
    for s in sorted(ships, key=lambda s: s.symbol):
        if s.nav.status != IN_TRANSIT:
            present.setdefault(s.nav.waypoint_symbol, []).append(s.symbol)
    rows: list[dict[str, Any]] = []
    for sym in systems or sorted({s.nav.system_symbol for s in ships}):
        cached = await system_waypoints(db, api, sym, now=now, trait=SHIPYARD)
        age = max(0, round((now - cached.synced_at).total_seconds()))
        for wp in cached.waypoints:
            yard = await api.get_shipyard(sym, wp.symbol)
            if ship_type is not None and ship_type not in yard.ship_types:
                continue
            prices = {s.type: s.purchase_price for s in yard.ships} if yard.ships else None
            rows.append({
                "waypoint": wp.symbol, "system": sym, "ship_types": list(yard.ship_types),
                "ships_present": present.get(wp.symbol, []), "prices": prices,
                "waypoints_synced_at": cached.synced_at.isoformat(), "waypoints_age_seconds": age,
            })
    return rows


# -- purchase -----------------------------------------------------------------------------

IMMEDIATE, CONTAINER = "immediate", "container"


@dataclass(frozen=True)
class Bought:
    ship_symbol: str
    price: int
    credits_after: int


@dataclass
class PurchaseOutcome:
    ship_type: str
    waypoint: str
    buyer: str  # our ship at the yard (immediate) or flying there (container)
    credits_before: int
    requested: int
    bought: list[Bought] = field(default_factory=list)
    stopped: str = ""  # why fewer than requested were bought ("" when all were)
    path: str = IMMEDIATE
    container_id: str | None = None
    route_seconds: int | None = None  # the buyer's flight to the yard (container path)
    notes: tuple[str, ...] = ()

    @property
    def spent(self) -> int:
        return sum(b.price for b in self.bought)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "container_id": self.container_id, "route_seconds": self.route_seconds,
            "ship_type": self.ship_type, "waypoint": self.waypoint, "buyer": self.buyer,
            "requested": self.requested, "bought": [vars(b) for b in self.bought], "spent": self.spent,
            "credits_before": self.credits_before,
            "credits_after": self.bought[-1].credits_after if self.bought else self.credits_before,
            "stopped": self.stopped or None, "notes": list(self.notes),
        }


@dataclass(frozen=True)
class PurchaseRequest:
    ship_type: str
    quantity: int = 1
    max_budget: int | None = None
    reserve: int = 0
    at: str | None = None
    buyer: str | None = None

    @classmethod
    def parse(cls, ship_type: str, *, quantity: int = 1, max_budget: int | None = None, reserve: int = 0,
              at: str | None = None, ship: str | None = None) -> PurchaseRequest:
        return cls(parse_ship_type(ship_type), quantity, max_budget, reserve,
                   parse_waypoint_symbol(at) if at else None, parse_ship_symbol(ship) if ship else None)


def price_of(yard: Shipyard, ship_type: str) -> int | None:
    return next((s.purchase_price for s in yard.ships if s.type == ship_type), None)


@dataclass(frozen=True)
class YardOffer:
    """A yard that sells the type, as read now (prices only where a ship of ours is)."""

    waypoint: CachedWaypoint
    yard: Shipyard


async def _yard_at(db: Database, api: SpaceTradersClient, waypoint: str, now: datetime) -> YardOffer:
    """The yard at `waypoint`, checked against the waypoint cache first."""
    cached = await system_waypoints(db, api, system_of(waypoint), now=now)
    wp = next((w for w in cached.waypoints if w.symbol == waypoint), None)
    if wp is None:
        raise ConfigError(f"unknown waypoint {waypoint}")
    if SHIPYARD not in wp.traits:
        raise ShipyardError(f"there is no shipyard at {waypoint}")
    return YardOffer(wp, await api.get_shipyard(system_of(waypoint), waypoint))


async def yards_selling(
    db: Database, api: SpaceTradersClient, ships: list[Ship], ship_type: str, at: str | None, now: datetime,
) -> list[YardOffer]:
    """The yards selling `ship_type`: the one at `at`, or those of every system our ships are in
    (waypoints from the cache, synced when missing; the types sold are public, no ship needed)."""
    if at is not None:
        offer = await _yard_at(db, api, at, now)
        if ship_type not in offer.yard.ship_types:
            raise ShipyardError(f"the shipyard at {at} does not sell {ship_type} "
                                f"(it sells {', '.join(offer.yard.ship_types)})")
        return [offer]
    offers = []
    for system in sorted({s.nav.system_symbol for s in ships}):
        for wp in (await system_waypoints(db, api, system, now=now, trait=SHIPYARD)).waypoints:
            yard = await api.get_shipyard(system, wp.symbol)
            if ship_type in yard.ship_types:
                offers.append(YardOffer(wp, yard))
    if not offers:
        raise ShipyardError(f"no shipyard in our ships' systems sells {ship_type}")
    return offers


