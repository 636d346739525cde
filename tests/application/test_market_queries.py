"""The market read side (find, history, spreads) on hand-made snapshots, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spacetraders.api.models import Market
from spacetraders.application import market_queries as mq
from spacetraders.domain.trade_planning import ShipProfile
from spacetraders.errors import ConfigError, NotFound
from spacetraders.persistence.markets import store_market_snapshot
from spacetraders.persistence.models import WaypointRow

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _good(symbol: str, kind: str, ask: int, bid: int, tv: int = 20, supply: str = "MODERATE") -> dict[str, object]:
    return {"symbol": symbol, "type": kind, "tradeVolume": tv, "supply": supply, "activity": "WEAK",
            "purchasePrice": ask, "sellPrice": bid}


def _market(symbol: str, goods: list[dict[str, object]]) -> Market:
    return Market.from_json({"symbol": symbol, "exports": [], "imports": [], "exchange": [], "tradeGoods": goods})


@pytest.fixture
def stored(db):  # type: ignore[no-untyped-def]
    """X1-T: S exports IRON (100), D imports it (300 bid), E imports it (250, stale); FUEL at S.
    Another system X1-U has its own lane. S was read twice (an hour apart)."""
    with db.transaction() as uow:
        s = uow.session
        for symbol, x, y in (("X1-T-S", 0, 0), ("X1-T-D", 30, 40), ("X1-T-E", 60, 0), ("X1-U-A", 0, 0),
                             ("X1-U-B", 3, 4)):
            s.add(WaypointRow(waypoint_symbol=symbol, system_symbol=symbol.rpartition("-")[0], type="PLANET", x=x, y=y,
                              traits='["MARKETPLACE"]', synced_at=NOW))
        s.flush()
        store_market_snapshot(s, _market("X1-T-S", [_good("IRON", "EXPORT", 110, 55)]), player_id=None,
                              now=NOW - HOUR)
        store_market_snapshot(s, _market("X1-T-S", [_good("IRON", "EXPORT", 100, 50),
                                                    _good("FUEL", "EXCHANGE", 72, 68, tv=180)]),
                              player_id=None, now=NOW - timedelta(minutes=5))
        store_market_snapshot(s, _market("X1-T-D", [_good("IRON", "IMPORT", 600, 300, supply="SCARCE")]),
                              player_id=None, now=NOW - timedelta(minutes=10))
        store_market_snapshot(s, _market("X1-T-E", [_good("IRON", "IMPORT", 500, 250, supply="SCARCE")]),
                              player_id=None, now=NOW - 3 * HOUR)
        store_market_snapshot(s, _market("X1-U-A", [_good("COPPER", "EXPORT", 100, 50)]), player_id=None, now=NOW)
        store_market_snapshot(s, _market("X1-U-B", [_good("COPPER", "IMPORT", 360, 180)]), player_id=None, now=NOW)
    return db


def test_find_orders_buyers_and_sellers_and_hides_stale_rows(stored):
    with stored.read() as session:
        found = mq.find_good(session, " iron ", system=None, max_age=HOUR, now=NOW)
        everything = mq.find_good(session, "IRON", system="x1-t", max_age=None, now=NOW)
        with pytest.raises(ConfigError, match="malformed good symbol"):
            mq.find_good(session, "IRON ORE", system=None, max_age=None, now=NOW)
    assert [x.waypoint_symbol for x in found.buy_at] == ["X1-T-S", "X1-T-D"]  # 100 < 600
    assert [x.waypoint_symbol for x in found.sell_at] == ["X1-T-D", "X1-T-S"]  # 300 > 50
    assert found.hidden_stale == 1 and found.buy_at[0].age_seconds == 300
    assert [x.waypoint_symbol for x in everything.sell_at] == ["X1-T-D", "X1-T-E", "X1-T-S"]


def test_history_is_oldest_first_and_knows_unknown_markets(stored):
    with stored.read() as session:
        iron = mq.price_history(session, "x1-t-s", "IRON")
        both = mq.price_history(session, "X1-T-S")
        last = mq.price_history(session, "X1-T-S", limit=1)
        assert mq.price_history(session, "X1-T-S", "GOLD") == []
        with pytest.raises(NotFound, match="no market data for X1-T-Z"):
            mq.price_history(session, "X1-T-Z")
    assert [(p.purchase_price, p.observed_at) for p in iron] == [(110, NOW - HOUR), (100, NOW - timedelta(minutes=5))]
    assert len(both) == 3 and [p.good for p in last] == ["IRON"]


def test_spreads_rank_fresh_lanes_per_system(stored):
    with stored.read() as session:
        result = mq.spreads(session, now=NOW, max_age=HOUR)
        iron = mq.spreads(session, now=NOW, max_age=HOUR, system="X1-T")
        hauler = ShipProfile("H-1", 40, {"COPPER": 10}, 15, 600, 600, "X1-U-B")
        mine = mq.spreads(session, now=NOW, max_age=HOUR, ship=hauler)
        with pytest.raises(ConfigError, match="lanes never cross systems"):
            mq.spreads(session, now=NOW, max_age=HOUR, ship=hauler, system="X1-T")
        assert mq.spreads(session, now=NOW, max_age=HOUR, good="GOLD").lanes == ()
    assert result.systems == ("X1-T", "X1-U") and result.ship is None
    assert {(p.good, p.stops[0].waypoint, p.stops[-1].waypoint) for p in result.lanes} == {
        ("IRON", "X1-T-S", "X1-T-D"), ("COPPER", "X1-U-A", "X1-U-B")}  # E is stale
    rates = [p.profit_per_hour for p in result.lanes]
    assert rates == sorted(rates, reverse=True)
    [lane] = iron.lanes
    view = mq.lane_view(lane)
    assert view["good"] == "IRON" and view["units"] == 80 and view["route"] == ["X1-T-D"]
    assert iron.fuel_price == pytest.approx(0.72)  # FUEL 72 per 100 tank units
    assert view["data_age_seconds"] == 600  # D's read, the older of the two
    # the ship at B holds 10 COPPER: 30 free; it flies to A (5 away) first
    [own] = mine.lanes
    assert mq.lane_view(own)["units"] == 30 and mq.lane_view(own)["route"] == ["X1-U-A", "X1-U-B"]
