"""Shipyards: list the yards we know of, and buy ships at a yard where one of ours is.

The game sells a ship only where the buyer has a ship (docked or in orbit) and shows prices
only then. Flying a ship to a yard first is left to `ship navigate` for now. A yard's price
rises about 2.5 % per ship it sells, so the price is read again before each purchase; each
new ship and its `ship_purchase` ledger entry are stored in one transaction.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spacetraders.api.client import SpaceTradersClient
from spacetraders.api.errors import ApiError
from spacetraders.api.models import Ship, Shipyard
from spacetraders.api.trade_models import ShipPurchase
from spacetraders.application.ledger import entry_for_ship_purchase, record_entry
from spacetraders.application.universe import parse_system_symbol, parse_waypoint_symbol, system_waypoints
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


def _present(ships: list[Ship]) -> dict[str, str]:
    """Waypoint -> the first of our ships there (docked or in orbit), by symbol."""
    out: dict[str, str] = {}
    for s in sorted(ships, key=lambda s: s.symbol):
        if s.nav.status != IN_TRANSIT:
            out.setdefault(s.nav.waypoint_symbol, s.symbol)
    return out


async def _our_ships(db: Database, api: SpaceTradersClient, player_id: int, now: datetime) -> list[Ship]:
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
    ships = await _our_ships(db, api, player_id, now)
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


@dataclass(frozen=True)
class Bought:
    ship_symbol: str
    price: int
    credits_after: int


@dataclass
class PurchaseOutcome:
    ship_type: str
    waypoint: str
    buyer: str  # our ship at the yard
    credits_before: int
    requested: int
    bought: list[Bought] = field(default_factory=list)
    stopped: str = ""  # why fewer than requested were bought ("" when all were)

    @property
    def spent(self) -> int:
        return sum(b.price for b in self.bought)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ship_type": self.ship_type, "waypoint": self.waypoint, "buyer": self.buyer,
            "requested": self.requested, "bought": [vars(b) for b in self.bought], "spent": self.spent,
            "credits_before": self.credits_before,
            "credits_after": self.bought[-1].credits_after if self.bought else self.credits_before,
            "stopped": self.stopped or None,
        }


def _price(yard: Shipyard, ship_type: str) -> int | None:
    return next((s.purchase_price for s in yard.ships if s.type == ship_type), None)


async def _yard_at(db: Database, api: SpaceTradersClient, waypoint: str, now: datetime) -> Shipyard:
    """The yard at `waypoint`, checked against the waypoint cache first."""
    cached = await system_waypoints(db, api, system_of(waypoint), now=now)
    wp = next((w for w in cached.waypoints if w.symbol == waypoint), None)
    if wp is None:
        raise ConfigError(f"unknown waypoint {waypoint}")
    if SHIPYARD not in wp.traits:
        raise ShipyardError(f"there is no shipyard at {waypoint}")
    return await api.get_shipyard(system_of(waypoint), waypoint)


async def _choose_yard(
    db: Database, api: SpaceTradersClient, ships: list[Ship], ship_type: str, at: str | None, now: datetime,
) -> tuple[str, str, Shipyard]:
    """(yard waypoint, our ship there, the yard as read now); refused in one line otherwise."""
    present = _present(ships)
    if at is not None:
        yard = await _yard_at(db, api, at, now)
        if ship_type not in yard.ship_types:
            raise ShipyardError(f"the shipyard at {at} does not sell {ship_type} (it sells {', '.join(yard.ship_types)})")
        if at not in present:
            raise ShipyardError(f"no ship of ours is at {at}: `spacetraders ship navigate SHIP {at}` one there first")
        return at, present[at], yard
    found: list[tuple[int, str, Shipyard]] = []
    elsewhere: list[str] = []
    for system in sorted({s.nav.system_symbol for s in ships}):
        for wp in (await system_waypoints(db, api, system, now=now, trait=SHIPYARD)).waypoints:
            yard = await api.get_shipyard(system, wp.symbol)
            if ship_type not in yard.ship_types:
                continue
            price = _price(yard, ship_type)
            if wp.symbol in present and price is not None:
                found.append((price, wp.symbol, yard))
            else:
                elsewhere.append(wp.symbol)
    if found:
        _, waypoint, yard = min(found, key=lambda f: (f[0], f[1]))  # the cheapest yard
        return waypoint, present[waypoint], yard
    if elsewhere:
        raise ShipyardError(f"no ship of ours is at a shipyard selling {ship_type} ({', '.join(elsewhere)} sell it): "
                            f"`spacetraders ship navigate SHIP {elsewhere[0]}` one there first")
    raise ShipyardError(f"no shipyard in our ships' systems sells {ship_type}")


def _store_purchase(db: Database, player_id: int, result: ShipPurchase, buyer: str, now: datetime) -> None:
    """The new ship and what it cost, in one transaction."""
    with db.transaction() as uow:
        store_ships(uow.session, player_id, [result.ship], now=now)
        record_entry(uow, entry_for_ship_purchase(result, player_id=player_id, at=now, buyer_ship=buyer))


async def purchase_ships(
    db: Database, api: SpaceTradersClient, player_id: int, ship_type: str, *, now: datetime,
    quantity: int = 1, max_budget: int | None = None, reserve: int = 0, at: str | None = None,
) -> PurchaseOutcome:
    """Buy up to `quantity` ships within `max_budget`, never leaving fewer than `reserve` credits.

    Refuses (nothing bought) when not even one fits; stops early, saying why, when a later one
    would not."""
    ship_type = parse_ship_type(ship_type)
    at = parse_waypoint_symbol(at) if at else None
    ships = await _our_ships(db, api, player_id, now)
    waypoint, buyer, yard = await _choose_yard(db, api, ships, ship_type, at, now)
    credits = (await api.get_agent()).credits
    outcome = PurchaseOutcome(ship_type, waypoint, buyer, credits, quantity)
    price = _price(yard, ship_type)
    assert price is not None  # a ship of ours is there: the yard shows its prices
    if max_budget is not None and price > max_budget:
        raise ShipyardError(f"--max-budget {max_budget:,} is below one {ship_type} ({price:,} credits at {waypoint})")
    if credits - price < reserve:
        raise ShipyardError(f"insufficient credits: one {ship_type} costs {price:,} at {waypoint}, "
                            f"the agent has {credits:,}" + (f" and keeps a reserve of {reserve:,}" if reserve else ""))
    while len(outcome.bought) < quantity:
        if max_budget is not None and outcome.spent + price > max_budget:
            outcome.stopped = f"the next one ({price:,}) would exceed --max-budget {max_budget:,}"
            break
        if credits - price < reserve:
            outcome.stopped = f"the next one ({price:,}) would leave less than the reserve of {reserve:,}"
            break
        try:
            result = await api.purchase_ship(ship_type, waypoint)
        except ApiError as exc:
            if not outcome.bought:
                raise ShipyardError(f"the game refused the purchase: {exc}") from exc
            outcome.stopped = f"the game refused the next purchase: {exc}"
            break
        await asyncio.to_thread(_store_purchase, db, player_id, result, buyer, now)
        credits = result.agent.credits
        outcome.bought.append(Bought(result.ship.symbol, result.transaction.price, credits))
        if len(outcome.bought) < quantity:  # the price rises with each sale: read it again
            price = _price(await api.get_shipyard(system_of(waypoint), waypoint), ship_type) or price
    return outcome
