"""The economy model on its own (spacetraders/sim/economy.py): pure functions, time given."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from spacetraders.sim import economy
from spacetraders.sim.economy import EXCHANGE, EXPORT, IMPORT, PARAMS

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _factory() -> dict[str, economy.Row]:
    """A market making IRON from IRON_ORE, and selling FUEL."""
    return economy.reset_market(1, "X1-T-A1", [("IRON", EXPORT), ("IRON_ORE", IMPORT), ("FUEL", EXCHANGE)], T0)


def test_reset_quotes_have_the_observed_shape():
    rows = _factory()
    ask, bid = economy.quote(rows["IRON"])
    assert ask / bid == pytest.approx(PARAMS.in_row_ratio, rel=0.03)
    assert 85 * 0.94 <= ask <= 85 * 1.06  # X1-AD75 IRON export ask 85, +/-5 % between markets
    ore_ask, ore_bid = economy.quote(rows["IRON_ORE"])
    assert ore_ask / ore_bid == pytest.approx(PARAMS.in_row_ratio, rel=0.03)
    assert 1.4 < ore_bid / 35 < 2.1  # import bid / export ask of the same good
    assert economy.quote(rows["FUEL"]) == (72, 68)  # every FUEL exchange at the 2025 reset
    assert rows["IRON"].supply_level in ("HIGH", "ABUNDANT") and rows["IRON_ORE"].supply_level in (
        "SCARCE", "LIMITED", "MODERATE")
    assert rows["FUEL"].activity is None and rows["IRON"].trade_volume == 60 and rows["FUEL"].trade_volume == 180


def test_a_full_volume_buy_lifts_the_ask_by_the_tier_factor_and_the_inputs_are_not_mutated():
    rows = _factory()
    frozen = dict(rows)
    row = rows["IRON"]
    tv = row.trade_volume
    moved, price = economy.trade(rows, "IRON", tv, True, T0)
    assert price == economy.quote(row)[0] and rows == frozen
    factor = economy.buy_factor(row)
    assert economy.mid_price(moved["IRON"]) == pytest.approx(economy.mid_price(row) * factor)
    assert moved["IRON"].supply == pytest.approx(row.supply - PARAMS.supply_step_per_tv)
    half, _ = economy.trade(rows, "IRON", tv // 2, True, T0)
    assert economy.mid_price(half["IRON"]) == pytest.approx(economy.mid_price(row) * factor**0.5)


def test_sells_cut_the_bid_and_raise_the_supply():
    rows = _factory()
    row = rows["IRON_ORE"]
    moved, price = economy.trade(rows, "IRON_ORE", row.trade_volume, False, T0)
    assert price == economy.quote(row)[1]
    assert economy.mid_price(moved["IRON_ORE"]) == pytest.approx(economy.mid_price(row) * economy.sell_factor(row))
    assert moved["IRON_ORE"].supply > row.supply


def test_displacement_halves_every_half_life_of_game_time():
    row = _factory()["IRON"]._replace(displacement=0.2)
    h = economy.half_life_minutes(row.trade_volume)
    assert h == 660  # tv 60: the era-3 fit's 41-80 band
    later = economy.advance(row, T0 + timedelta(minutes=h))
    assert later.displacement == pytest.approx(0.1)
    assert economy.advance(row, T0 + timedelta(minutes=2 * h)).displacement == pytest.approx(0.05)
    assert economy.advance(row, T0) is row  # no time, no change


def test_supply_relaxes_toward_equilibrium_at_the_set_rate():
    calm = replace(PARAMS, shock_every_hours=1e9)  # no random shocks in this test
    row = _factory()["IRON"]._replace(supply=1.0)
    eq = economy.equilibrium(row, calm)
    assert eq > 2.0
    after_hour = economy.advance(row, T0 + timedelta(hours=1), calm)
    assert after_hour.supply == pytest.approx(1.0 + calm.relax_tiers_per_hour)
    assert economy.advance(row, T0 + timedelta(hours=12), calm).supply == pytest.approx(eq)


def test_untraded_rows_take_random_shocks_that_wear_off():
    row = _factory()["IRON"]
    shocks = [economy.advance(row, T0 + timedelta(minutes=10 * i)).shock for i in range(6 * 24 * 2)]
    assert any(s > 0 for s in shocks) or any(s < 0 for s in shocks)
    assert sum(1 for s in shocks if s == 0) > len(shocks) / 5  # ~2 h of every 6 h carry no shock
    assert all(abs(s) <= 1.5 for s in shocks)


def test_production_depends_on_inputs_short_inputs_restrict_and_feeding_lifts_the_export():
    rows = _factory()
    starved = {**rows, "IRON_ORE": rows["IRON_ORE"]._replace(supply=0.2, supply_reset=0.2)}
    starved = economy.advance_market(starved, T0 + timedelta(seconds=1))
    assert starved["IRON"].activity == "RESTRICTED"
    fed, _ = economy.trade(starved, "IRON_ORE", 60, False, T0 + timedelta(seconds=2))
    fed, _ = economy.trade(fed, "IRON_ORE", 60, False, T0 + timedelta(seconds=3))
    fed, _ = economy.trade(fed, "IRON_ORE", 60, False, T0 + timedelta(seconds=4))
    fed, _ = economy.trade(fed, "IRON_ORE", 60, False, T0 + timedelta(seconds=5))
    assert fed["IRON_ORE"].supply >= PARAMS.input_threshold
    assert fed["IRON"].activity != "RESTRICTED"
    # 240 ore sold: the export was credited 80 units' worth of supply and got cheaper
    assert fed["IRON"].supply > starved["IRON"].supply
    assert economy.quote(fed["IRON"])[0] < economy.quote(starved["IRON"])[0]


def test_activity_follows_traffic_and_busy_rows_grow_their_trade_volume():
    rows = _factory()
    rows["IRON_ORE"] = rows["IRON_ORE"]._replace(supply=1.5, supply_reset=1.5)  # inputs fine: not RESTRICTED
    t = T0
    tv_seen = {rows["FUEL"].trade_volume}
    activities = set()
    for _ in range(60):  # ~14 h of full-volume IRON buys and sells every 15 min
        t += timedelta(minutes=15)
        tv = rows["FUEL"].trade_volume
        rows, _ = economy.trade(rows, "IRON", rows["IRON"].trade_volume, True, t)
        rows, _ = economy.trade(rows, "IRON", rows["IRON"].trade_volume, False, t)
        rows, _ = economy.trade(rows, "FUEL", tv, True, t)
        activities.add(rows["IRON"].activity)
        tv_seen.add(rows["IRON"].trade_volume)
    assert {"GROWING", "STRONG"} <= activities
    assert max(tv_seen) > 60 and rows["IRON"].trade_volume in PARAMS.tv_ladder
    quiet = economy.advance_market(rows, t + timedelta(days=5))
    assert quiet["IRON"].activity == "WEAK" and quiet["IRON"].trade_volume >= quiet["IRON"].trade_volume_reset


@pytest.mark.parametrize("trade_type", [EXPORT, IMPORT, EXCHANGE])
def test_quotes_are_positive_integers_with_bid_below_ask(trade_type):
    for good in ("QUARTZ_SAND", "ICE_WATER", "EXOTIC_MATTER", "FUEL", "UNKNOWN_GOOD"):
        row = economy.reset_row(3, "X1-T-B2", good, trade_type, T0)
        for displacement in (-5.0, 0.0, 3.0):
            ask, bid = economy.quote(row._replace(displacement=displacement))
            assert isinstance(ask, int) and isinstance(bid, int) and 1 <= bid < ask


def test_ship_prices_rise_per_sale_and_decay_back():
    price, d = economy.ship_price(20_000, math.log(economy.SHIP_PRICE_RISE), 0.0)
    assert price == 20_500
    assert economy.ship_price(20_000, d, economy.SHIP_PRICE_HALF_LIFE_H)[1] == pytest.approx(d / 2)
