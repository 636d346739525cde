"""Market data: the latest snapshot of each market, and an append-only price history.

A snapshot is stored with a constant number of statements (upsert the market, delete
its goods, insert all goods, insert all history rows), whatever the number of goods.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, select
from sqlalchemy.orm import Session

from spacetraders.api.models import Market
from spacetraders.domain.navigation import system_of
from spacetraders.domain.trade_planning import MarketQuote
from spacetraders.errors import NotFound
from spacetraders.persistence.models import MarketGood, MarketPriceHistory, MarketRow
from spacetraders.persistence.refresh_requests import mark_served
from spacetraders.persistence.universe import upsert_rows

FUEL = "FUEL"
FUEL_SOLD_AS = ("EXPORT", "EXCHANGE")


def load_quotes(
    session: Session, *, systems: Iterable[str] | None = None, good: str | None = None
) -> list[MarketQuote]:
    """Every stored (market, good) row as the planner's quote, stamped with the time it was read."""
    query = (
        select(MarketGood)
        .join(MarketRow, MarketRow.waypoint_symbol == MarketGood.waypoint_symbol)
        .order_by(MarketGood.waypoint_symbol, MarketGood.symbol)
    )
    if systems is not None:
        query = query.where(MarketRow.system_symbol.in_(sorted(set(systems))))
    if good is not None:
        query = query.where(MarketGood.symbol == good)
    return [
        MarketQuote(g.waypoint_symbol, g.symbol, g.purchase_price, g.sell_price, int(g.trade_volume or 0),
                    g.supply, g.activity, g.updated_at, g.type)
        for g in session.scalars(query)
    ]


def store_market_snapshot(session: Session, market: Market, *, player_id: int | None, now: datetime) -> int:
    """Make `market` the latest snapshot of its waypoint and append its prices to history.

    Only a priced read (one of our ships present) is a snapshot: a catalogue-only answer
    would mark the market fresh without data, so it is refused. Pending refresh requests for
    the market are served in this same transaction (persistence/refresh_requests.py), whoever
    read it: a scout on its tour, a trader docked there. Returns the goods count.
    """
    if not market.trade_goods:
        raise ValueError(f"market {market.symbol} has no prices (no ship of ours is there): not a snapshot")
    system = system_of(market.symbol)
    upsert_rows(
        session,
        MarketRow,
        [{"waypoint_symbol": market.symbol, "system_symbol": system, "player_id": player_id, "updated_at": now}],
        ["waypoint_symbol"],
    )
    session.execute(delete(MarketGood).where(MarketGood.waypoint_symbol == market.symbol))
    goods: list[dict[str, Any]] = [
        {
            "waypoint_symbol": market.symbol,
            "symbol": g.symbol,
            "type": g.type,
            "supply": g.supply,
            "activity": g.activity,
            "purchase_price": g.purchase_price,
            "sell_price": g.sell_price,
            "trade_volume": g.trade_volume,
        }
        for g in market.trade_goods
    ]
    session.execute(insert(MarketGood), [{**g, "updated_at": now} for g in goods])
    history = [
        {k: v for k, v in g.items() if k != "type"}
        | {"system_symbol": system, "observed_at": now, "player_id": player_id}
        for g in goods
    ]
    session.execute(insert(MarketPriceHistory), history)
    mark_served(session, market.symbol, now=now)
    return len(goods)


# -- queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketSummary:
    waypoint_symbol: str
    goods_count: int
    updated_at: datetime


def list_markets(session: Session, system_symbol: str) -> list[MarketSummary]:
    """Every market of the system we have data for, with its goods count (one query)."""
    rows = session.execute(
        select(MarketRow.waypoint_symbol, MarketRow.updated_at, func.count(MarketGood.symbol))
        .outerjoin(MarketGood, MarketGood.waypoint_symbol == MarketRow.waypoint_symbol)
        .where(MarketRow.system_symbol == system_symbol)
        .group_by(MarketRow.waypoint_symbol, MarketRow.updated_at)
        .order_by(MarketRow.waypoint_symbol)
    )
    return [MarketSummary(symbol, int(count), updated) for symbol, updated, count in rows]


@dataclass(frozen=True)
class GoodView:
    symbol: str
    type: str | None
    supply: str | None
    activity: str | None
    purchase_price: int | None
    sell_price: int | None
    trade_volume: int | None

    @classmethod
    def from_row(cls, g: MarketGood) -> GoodView:
        return cls(g.symbol, g.type, g.supply, g.activity, g.purchase_price, g.sell_price, g.trade_volume)


@dataclass(frozen=True)
class MarketView:
    waypoint_symbol: str
    system_symbol: str
    updated_at: datetime
    goods: tuple[GoodView, ...]


def market_with_goods(session: Session, waypoint_symbol: str) -> MarketView:
    """The latest snapshot of one market, goods by symbol; NotFound if never stored."""
    market = session.get(MarketRow, waypoint_symbol)
    if market is None:
        raise NotFound(f"no market data for {waypoint_symbol}: scout it first (`spacetraders scout markets`)")
    goods = session.scalars(
        select(MarketGood).where(MarketGood.waypoint_symbol == waypoint_symbol).order_by(MarketGood.symbol)
    )
    return MarketView(
        market.waypoint_symbol,
        market.system_symbol,
        market.updated_at,
        tuple(GoodView.from_row(g) for g in goods),
    )


def last_updated(session: Session, waypoint_symbols: Iterable[str]) -> dict[str, datetime]:
    """When each of these markets was last stored (absent: never)."""
    symbols = list(waypoint_symbols)
    if not symbols:
        return {}
    rows = session.execute(
        select(MarketRow.waypoint_symbol, MarketRow.updated_at).where(MarketRow.waypoint_symbol.in_(symbols))
    )
    return {symbol: updated for symbol, updated in rows}


def known_fuel_sellers(session: Session, waypoint_symbols: Iterable[str]) -> dict[str, bool]:
    """For markets we have goods for: whether they sell FUEL (export or exchange it; an import
    is bought from us, not sold). Unknown markets are absent."""
    symbols = list(waypoint_symbols)
    if not symbols:
        return {}
    rows = session.execute(
        select(MarketGood.waypoint_symbol, func.max(case((and_(MarketGood.symbol == FUEL, MarketGood.type.in_(FUEL_SOLD_AS)), 1), else_=0)))
        .where(MarketGood.waypoint_symbol.in_(symbols))
        .group_by(MarketGood.waypoint_symbol)
    )
    return {symbol: bool(sells) for symbol, sells in rows}
