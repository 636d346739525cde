"""Read side of the market data the scouts store: where a good trades, its price history, and
trade lanes ranked for a ship (`market find|history|spreads`, the web API's spreads).

Everything reads the latest snapshots (`market_goods`, `markets`) and the append-only
`market_price_history`; ranking is domain/trade_planning.py on those quotes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spacetraders.api import SpaceTradersClient
from spacetraders.api.errors import ApiError
from spacetraders.application.universe import parse_system_symbol, parse_waypoint_symbol
from spacetraders.domain.fuel import tank_unit_price
from spacetraders.domain.navigation import system_of
from spacetraders.domain.trade_planning import MarketQuote, ShipProfile, TradePlan, rank_lanes
from spacetraders.errors import ConfigError, NotFound
from spacetraders.persistence.markets import load_quotes
from spacetraders.persistence.models import MarketPriceHistory, MarketRow, WaypointRow

FUEL = "FUEL"
MAX_LIMIT = 1000
MAX_HISTORY = 10_000
# ECONOMY.md §14.3 / the simulator's SHIP_LIGHT_HAULER: the standard trader
LIGHT_HAULER = {"cargo_capacity": 80, "speed": 15, "fuel_capacity": 600}
DEFAULT_SHIP_NOTE = "no --ship given: a light hauler (80 cargo, speed 15, fuel 600) starting at each lane's source"


def parse_good(text: str) -> str:
    good = text.strip().upper()
    if not good or len(good) > 64 or not all(c.isalnum() or c == "_" for c in good):
        raise ConfigError(f"malformed good symbol {text.strip()[:40]!r} (expected e.g. IRON_ORE)")
    return good


# -- quotes --------------------------------------------------------------------------------


def fuel_price(quotes: Iterable[MarketQuote]) -> float:
    """Credits per tank unit from the stored FUEL asks (`domain.fuel.tank_unit_price`)."""
    return tank_unit_price(q.purchase_price for q in quotes if q.good == FUEL)


def coordinates(session: Session, systems: Iterable[str]) -> dict[str, tuple[int, int]]:
    wanted = sorted(set(systems))
    if not wanted:
        return {}
    rows = session.execute(
        select(WaypointRow.waypoint_symbol, WaypointRow.x, WaypointRow.y).where(WaypointRow.system_symbol.in_(wanted))
    )
    return {symbol: (int(x), int(y)) for symbol, x, y in rows}


# -- find ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    waypoint_symbol: str
    system_symbol: str
    type: str | None
    supply: str | None
    activity: str | None
    purchase_price: int | None
    sell_price: int | None
    trade_volume: int
    observed_at: datetime
    age_seconds: float


@dataclass(frozen=True)
class Found:
    good: str
    buy_at: tuple[Listing, ...]  # cheapest ask first
    sell_at: tuple[Listing, ...]  # best bid first
    hidden_stale: int  # rows older than max_age, left out


def find_good(session: Session, good: str, *, system: str | None, max_age: timedelta | None, now: datetime) -> Found:
    """Where `good` can be bought and sold, from fresh stored snapshots."""
    symbol = parse_good(good)
    system = parse_system_symbol(system) if system else None
    listings: list[Listing] = []
    stale = 0
    for q in load_quotes(session, systems=None if system is None else [system], good=symbol):
        age = max(0.0, (now - q.observed_at).total_seconds())
        if max_age is not None and age > max_age.total_seconds():
            stale += 1
            continue
        listings.append(Listing(q.waypoint, system_of(q.waypoint), q.trade_type, q.supply, q.activity,
                                q.purchase_price, q.sell_price, q.trade_volume, q.observed_at, round(age, 1)))
    buy_at = sorted((x for x in listings if x.purchase_price is not None),
                    key=lambda x: (x.purchase_price or 0, x.waypoint_symbol))
    sell_at = sorted((x for x in listings if x.sell_price is not None),
                     key=lambda x: (-(x.sell_price or 0), x.waypoint_symbol))
    return Found(symbol, tuple(buy_at), tuple(sell_at), stale)


# -- history -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PricePoint:
    observed_at: datetime
    good: str
    supply: str | None
    activity: str | None
    purchase_price: int | None
    sell_price: int | None
    trade_volume: int | None


def price_history(session: Session, waypoint: str, good: str | None = None, *, limit: int = 200) -> list[PricePoint]:
    """The latest `limit` observations of a market (one good or all), oldest first."""
    symbol = parse_waypoint_symbol(waypoint)
    query = select(MarketPriceHistory).where(MarketPriceHistory.waypoint_symbol == symbol)
    if good is not None:
        query = query.where(MarketPriceHistory.symbol == parse_good(good))
    rows = list(session.scalars(
        query.order_by(MarketPriceHistory.observed_at.desc(), MarketPriceHistory.symbol.desc()).limit(limit)))
    if not rows and session.get(MarketRow, symbol) is None:
        raise NotFound(f"no market data for {symbol}: scout it first (`spacetraders scout markets`)")
    return [PricePoint(r.observed_at, r.symbol, r.supply, r.activity, r.purchase_price, r.sell_price, r.trade_volume)
            for r in reversed(rows)]


# -- spreads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spreads:
    lanes: tuple[TradePlan, ...]
    ship: ShipProfile | None  # None: the default light hauler at each lane's source
    fuel_price: float
    systems: tuple[str, ...]


async def ship_profile(api: SpaceTradersClient, ship_symbol: str) -> ShipProfile:
    """The ship as the planner needs it: hold, cargo aboard, engine, fuel, where it is."""
    try:
        ship = await api.get_ship(ship_symbol)
        cargo = await api.get_cargo(ship_symbol)
    except ApiError as exc:
        if exc.status == 404:
            raise NotFound(f"no such ship {ship_symbol}") from exc
        raise
    aboard: dict[str, int] = {}
    for item in cargo.inventory:
        aboard[item.symbol] = aboard.get(item.symbol, 0) + item.units
    return ShipProfile(ship.symbol, cargo.capacity, aboard, ship.engine_speed, ship.fuel.capacity, ship.fuel.current,
                       ship.nav.waypoint_symbol)


def default_ship(location: str) -> ShipProfile:
    return ShipProfile("LIGHT_HAULER", LIGHT_HAULER["cargo_capacity"], {}, LIGHT_HAULER["speed"],
                       LIGHT_HAULER["fuel_capacity"], LIGHT_HAULER["fuel_capacity"], location)


def spreads(
    session: Session,
    *,
    now: datetime,
    max_age: timedelta,
    system: str | None = None,
    good: str | None = None,
    min_profit: int = 0,
    ship: ShipProfile | None = None,
    limit: int = 20,
) -> Spreads:
    """Lanes (buy one good here, sell it there) ranked by expected profit per hour for `ship`,
    or for a light hauler starting at each lane's source. Lanes never cross systems."""
    symbol = parse_good(good) if good else None
    systems: Sequence[str]
    if ship is not None:
        here = system_of(ship.location)
        if system and parse_system_symbol(system) != here:
            raise ConfigError(f"{ship.symbol} is in {here}, not {parse_system_symbol(system)}: lanes never cross systems")
        systems = [here]
    elif system:
        systems = [parse_system_symbol(system)]
    else:
        systems = sorted(set(session.scalars(select(MarketRow.system_symbol))))
    lanes: list[TradePlan] = []
    price = tank_unit_price(())
    for sys in systems:
        quotes = load_quotes(session, systems=[sys])
        coords = coordinates(session, [sys])
        price = fuel_price(quotes)
        lanes += _rank(quotes, coords, ship, now, max_age, price, min_profit, symbol)
    lanes.sort(key=lambda p: (-p.profit_per_hour, -p.expected_profit, p.stops[0].waypoint, p.stops[-1].waypoint))
    return Spreads(tuple(lanes[:limit]), ship, price, tuple(systems))


def _rank(quotes: list[MarketQuote], coords: dict[str, tuple[int, int]], ship: ShipProfile | None, now: datetime,
          max_age: timedelta, price: float, min_profit: int, good: str | None) -> list[TradePlan]:
    kw: dict[str, Any] = {"now": now, "max_age": max_age, "fuel_price": price, "min_profit": min_profit, "good": good}
    if ship is not None:
        return rank_lanes(quotes, coords, ship, **kw) if ship.location in coords else []
    lanes: list[TradePlan] = []
    sources = sorted({q.waypoint for q in quotes if q.purchase_price is not None and q.waypoint in coords
                      and (good is None or q.good == good)})
    for source in sources:  # the hauler is where the lane starts: no leg to reach it
        here = [q if q.waypoint == source else replace(q, purchase_price=None) for q in quotes]
        lanes += rank_lanes(here, coords, default_ship(source), **kw)
    return lanes


def lane_view(plan: TradePlan) -> dict[str, Any]:
    """One lane as JSON: where to buy and sell, how much, and what it should earn."""
    buy, sell = plan.stops[0].actions[0], plan.stops[-1].actions[0]
    return {
        "good": buy.good,
        "buy_at": buy.waypoint,
        "sell_at": sell.waypoint,
        "units": buy.units,
        "buy_price": buy.expected_unit_price,
        "sell_price": sell.expected_unit_price,
        "buy_limit": buy.limit_unit_price,
        "sell_limit": sell.limit_unit_price,
        "goods_cost": plan.goods_cost,
        "revenue": plan.revenue,
        "fuel_cost": plan.fuel_cost,
        "expected_profit": plan.expected_profit,
        "seconds": round(plan.seconds, 1),
        "profit_per_hour": round(plan.profit_per_hour, 1),
        "data_age_seconds": round(plan.data_age_s, 1),
        "route": [h.destination for h in plan.hops if h.origin != h.destination],  # flights from the ship on
    }
