"""Market snapshots and price history, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from spacetraders.api.models import Market
from spacetraders.errors import NotFound
from spacetraders.persistence.markets import (
    known_fuel_sellers,
    last_updated,
    list_markets,
    market_with_goods,
    store_market_snapshot,
)
from spacetraders.persistence.models import MarketGood, MarketPriceHistory, MarketRow
from tests.factories import make_player

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def market_json(symbol: str, goods: dict[str, int], *, priced: bool = True) -> dict:
    return {
        "symbol": symbol,
        "exports": [{"symbol": g, "name": g, "description": g} for g in goods],
        "imports": [],
        "exchange": [],
        "tradeGoods": [
            {"symbol": g, "type": "EXPORT", "tradeVolume": 10 + i, "supply": "MODERATE", "activity": "WEAK",
             "purchasePrice": price + 5, "sellPrice": price}
            for i, (g, price) in enumerate(goods.items())
        ] if priced else [],
    }


def snapshot(symbol: str, goods: dict[str, int], **kw) -> Market:  # type: ignore[no-untyped-def]
    return Market.from_json(market_json(symbol, goods, **kw))


@pytest.fixture
def player_id(db) -> int:  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        return make_player(uow).player_id


def test_snapshot_replaces_goods_and_appends_history(db, player_id):
    with db.transaction() as uow:
        n = store_market_snapshot(uow.session, snapshot("X1-TS98-A1", {"FUEL": 70, "ICE_WATER": 12}),
                                  player_id=player_id, now=T0)
    assert n == 2
    later = T0 + timedelta(minutes=5)
    with db.transaction() as uow:
        store_market_snapshot(uow.session, snapshot("X1-TS98-A1", {"FUEL": 72, "IRON_ORE": 40}),
                              player_id=player_id, now=later)

    with db.read() as session:
        market = market_with_goods(session, "X1-TS98-A1")
        goods = market.goods
        assert (market.system_symbol, market.updated_at) == ("X1-TS98", later)
        assert session.scalar(select(MarketRow.player_id)) == player_id
        assert {(g.symbol, g.sell_price, g.purchase_price) for g in goods} == {("FUEL", 72, 77), ("IRON_ORE", 40, 45)}
        assert all(g.supply == "MODERATE" and g.activity == "WEAK" for g in goods)
        assert set(session.scalars(select(MarketGood.updated_at))) == {later}
        history = session.execute(
            select(MarketPriceHistory.symbol, MarketPriceHistory.sell_price, MarketPriceHistory.observed_at)
            .order_by(MarketPriceHistory.history_id)
        ).all()
    assert [tuple(h) for h in history] == [
        ("FUEL", 70, T0), ("ICE_WATER", 12, T0), ("FUEL", 72, later), ("IRON_ORE", 40, later),
    ]


def test_a_catalogue_without_prices_is_not_a_snapshot(db, player_id):
    with pytest.raises(ValueError, match="no prices"):
        with db.transaction() as uow:
            store_market_snapshot(uow.session, snapshot("X1-TS98-A1", {"FUEL": 1}, priced=False),
                                  player_id=player_id, now=T0)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(MarketRow)) == 0


def test_statement_count_does_not_grow_with_goods(db, player_id):
    def statements_for(symbol: str, goods: int) -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            with db.transaction() as uow:
                store_market_snapshot(uow.session, snapshot(symbol, {f"G{i}": i + 1 for i in range(goods)}),
                                      player_id=player_id, now=T0)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len([s for s in seen if not s.upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))])

    few, many = statements_for("X1-TS98-A1", 3), statements_for("X1-TS98-A2", 40)
    assert few == many <= 6


def test_queries_for_market_list_and_fuel(db, player_id):
    with db.transaction() as uow:
        store_market_snapshot(uow.session, snapshot("X1-TS98-A1", {"FUEL": 70, "ICE_WATER": 12}),
                              player_id=player_id, now=T0)
        store_market_snapshot(uow.session, snapshot("X1-TS98-B2", {"IRON_ORE": 40}),
                              player_id=player_id, now=T0 + timedelta(minutes=1))
        store_market_snapshot(uow.session, snapshot("X1-OTHER-C3", {"FUEL": 70}), player_id=player_id, now=T0)
    with db.read() as session:
        summaries = list_markets(session, "X1-TS98")
        assert [(m.waypoint_symbol, m.goods_count) for m in summaries] == [("X1-TS98-A1", 2), ("X1-TS98-B2", 1)]
        assert known_fuel_sellers(session, ["X1-TS98-A1", "X1-TS98-B2", "X1-TS98-Z9"]) == {
            "X1-TS98-A1": True, "X1-TS98-B2": False,
        }
        assert last_updated(session, ["X1-TS98-B2", "X1-TS98-Z9"]) == {"X1-TS98-B2": T0 + timedelta(minutes=1)}
        with pytest.raises(NotFound, match="X1-TS98-Z9"):
            market_with_goods(session, "X1-TS98-Z9")
        assert session.scalar(select(func.count()).select_from(MarketGood)) == 4
