"""`shipyard purchase`: buy ships now where one of ours is at a yard, else start a container.

Where a ship of ours (the --ship buyer, if named) is at a yard selling the type, the
purchase is immediate: one call per ship, the price read again after each sale, each new
ship and its ledger row stored in one transaction. Otherwise the buyer (named, or the free
ship nearest a yard) must fly there first: a ShipPurchaseCommand container does the flying
and the buying (operations/ship_purchase.py) and holds the buyer's assignment. Every
refusal (bad input, a busy or foreign buyer, no yard, no credits) comes before anything is
written or spent.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from spacetraders.api.client import SpaceTradersClient
from spacetraders.api.errors import ApiError
from spacetraders.api.models import Ship, Shipyard
from spacetraders.api.trade_models import ShipPurchase
from spacetraders.application.ledger import entry_for_ship_purchase, record_entry
from spacetraders.application.ship_actions import driving_container, refuse_if_driven
from spacetraders.application.ship_containers import start_ship_container
from spacetraders.application.shipyards import (
    CONTAINER,
    Bought,
    PurchaseOutcome,
    PurchaseRequest,
    ShipyardError,
    YardOffer,
    our_ships,
    present_at,
    price_of,
    yards_selling,
)
from spacetraders.application.universe import system_waypoints
from spacetraders.domain.navigation import system_of
from spacetraders.domain.routing import ModeChoice, Route, Unreachable
from spacetraders.domain.ship_buying import Spot, next_refusal, rank_pairings
from spacetraders.errors import NotFound
from spacetraders.operations.route_data import plan_for_ship
from spacetraders.operations.ship_purchase import COMMAND_TYPE
from spacetraders.persistence.database import Database
from spacetraders.persistence.universe import store_ships

MAX_ROUTES_TRIED = 5  # pairings planned before giving up: each plan may read a system's map


async def purchase_ships(
    db: Database, api: SpaceTradersClient, player_id: int, request: PurchaseRequest, *, now: datetime,
) -> PurchaseOutcome:
    """Buy up to `quantity` ships within `max_budget`, never leaving fewer than `reserve` credits.

    Where a ship of ours (the --ship buyer, if named) is at a yard selling the type, buy there
    now (the cheapest such yard). Otherwise start a ShipPurchaseCommand container that flies
    the buyer (named, or the free ship nearest a yard) to the nearest yard and buys there.
    Every refusal comes before anything is written or spent."""
    if request.buyer is not None:
        refuse_if_driven(db, player_id, request.buyer)
    ships = await our_ships(db, api, player_id, now)
    if request.buyer is not None and request.buyer not in {s.symbol for s in ships}:
        raise NotFound(f"ship {request.buyer} not found among this player's ships")
    offers = await yards_selling(db, api, ships, request.ship_type, request.at, now)
    present = present_at([s for s in ships if request.buyer in (None, s.symbol)])
    here = [(price, o.waypoint.symbol, o.yard) for o in offers
            if o.waypoint.symbol in present and (price := price_of(o.yard, request.ship_type)) is not None]
    if not here:
        return await _start_remote(db, api, player_id, request, ships, offers, now=now)
    _, waypoint, yard = min(here, key=lambda f: (f[0], f[1]))  # the cheapest yard where one of ours is
    return await _buy_here(db, api, player_id, request, waypoint, present[waypoint], yard, now)


def _store_purchase(db: Database, player_id: int, result: ShipPurchase, buyer: str, now: datetime) -> None:
    """The new ship and what it cost, in one transaction."""
    with db.transaction() as uow:
        store_ships(uow.session, player_id, [result.ship], now=now)
        record_entry(uow, entry_for_ship_purchase(result, player_id=player_id, at=now, buyer_ship=buyer))


async def _buy_here(
    db: Database, api: SpaceTradersClient, player_id: int, request: PurchaseRequest, waypoint: str, buyer: str,
    yard: Shipyard, now: datetime,
) -> PurchaseOutcome:
    """The immediate path: one of our ships is at the yard; the price is read again after each sale.

    Refuses (nothing bought) when not even one fits; stops early, saying why, when a later one
    would not."""
    ship_type, reserve, max_budget = request.ship_type, request.reserve, request.max_budget
    credits = (await api.get_agent()).credits
    outcome = PurchaseOutcome(ship_type, waypoint, buyer, credits, request.quantity)
    price = price_of(yard, ship_type)
    assert price is not None  # a ship of ours is there: the yard shows its prices
    if max_budget is not None and price > max_budget:
        raise ShipyardError(f"--max-budget {max_budget:,} is below one {ship_type} ({price:,} credits at {waypoint})")
    if credits - price < reserve:
        raise ShipyardError(f"insufficient credits: one {ship_type} costs {price:,} at {waypoint}, "
                            f"the agent has {credits:,}" + (f" and keeps a reserve of {reserve:,}" if reserve else ""))
    while len(outcome.bought) < request.quantity:
        refusal = next_refusal(price, credits=credits, spent=outcome.spent, max_budget=max_budget, reserve=reserve)
        if refusal is not None:
            outcome.stopped = refusal
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
        if len(outcome.bought) < request.quantity:  # the price rises with each sale: read it again
            price = price_of(await api.get_shipyard(system_of(waypoint), waypoint), ship_type) or price
    return outcome


# -- the container path ---------------------------------------------------------------------


async def _start_remote(
    db: Database, api: SpaceTradersClient, player_id: int, request: PurchaseRequest, ships: list[Ship],
    offers: list[YardOffer], *, now: datetime,
) -> PurchaseOutcome:
    credits = (await api.get_agent()).credits
    if credits <= request.reserve:
        raise ShipyardError(f"insufficient credits: the agent has {credits:,} and keeps a reserve of "
                            f"{request.reserve:,}: nothing to spend on a {request.ship_type}")
    buyer, yard, route = await _nearest(db, api, player_id, request, ships, offers, now=now)
    params = {
        "run_id": uuid.uuid4().hex, "ship_symbol": buyer.symbol, "ship_type": request.ship_type, "destination": yard,
        "quantity": request.quantity, "max_budget": request.max_budget, "reserve": request.reserve,
    }

    started = await asyncio.to_thread(
        lambda: start_ship_container(db, player_id=player_id, ship=buyer, command_type=COMMAND_TYPE,
                                     id_prefix=f"ship-purchase-{buyer.symbol.lower()}", params=params, now=now))
    container_id = started.container_id
    notes = [f"no ship of ours is at {yard}: {buyer.symbol} flies there (~{route.seconds}s), then buys; "
             "the price shows only on arrival", *started.queued_note("purchase")]
    return PurchaseOutcome(request.ship_type, yard, buyer.symbol, credits, request.quantity, path=CONTAINER,
                           container_id=container_id, route_seconds=route.seconds, notes=tuple(notes))


async def _nearest(
    db: Database, api: SpaceTradersClient, player_id: int, request: PurchaseRequest, ships: list[Ship],
    offers: list[YardOffer], *, now: datetime,
) -> tuple[Ship, str, Route]:
    """The (buyer, yard) pair nearest by straight distance whose route the planner finds."""
    if request.buyer is not None:
        candidates = [s for s in ships if s.symbol == request.buyer]
    else:
        free = await asyncio.to_thread(lambda: [s for s in ships if driving_container(db, player_id, s.symbol) is None])
        if not free:
            raise ShipyardError("every ship of ours is driven by a container: stop one, or name a buyer with --ship")
        candidates = free
    spots = []
    for system in sorted({s.nav.system_symbol for s in candidates}):
        where = {w.symbol: w for w in (await system_waypoints(db, api, system, now=now)).waypoints}
        spots += [Spot(s.symbol, system, where[s.nav.waypoint_symbol].x, where[s.nav.waypoint_symbol].y)
                  for s in candidates if s.nav.system_symbol == system and s.nav.waypoint_symbol in where]
    yards = [Spot(o.waypoint.symbol, system_of(o.waypoint.symbol), o.waypoint.x, o.waypoint.y) for o in offers]
    by_symbol = {s.symbol: s for s in candidates}
    failures: list[str] = []
    for pairing in rank_pairings(spots, yards)[:MAX_ROUTES_TRIED]:
        ship = by_symbol[pairing.buyer]
        try:
            route = await plan_for_ship(db, api, ship, pairing.yard, ModeChoice.AUTO, now=now)
        except Unreachable as exc:
            failures.append(f"{ship.symbol} -> {pairing.yard}: {exc}")
            continue
        return ship, pairing.yard, route
    who = request.buyer or "no ship of ours"
    raise ShipyardError(f"{who} cannot reach a shipyard selling {request.ship_type}"
                        + (f" ({failures[0]})" if failures else ""))
