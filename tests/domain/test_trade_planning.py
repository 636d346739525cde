"""Trade planning: tranche ladders, lanes and tours, checked by hand and against the simulator's
own economy model (spacetraders/sim/economy.py), which is the truth the planner must not beat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacetraders.domain.price_impact import ImpactModel, purchase_cost
from spacetraders.domain.trade_planning import (
    MarketQuote,
    ShipProfile,
    best_plan,
    buy_cost,
    rank_lanes,
    sell_revenue,
)
from spacetraders.sim import economy

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
MODEL = ImpactModel()
HOUR = timedelta(hours=1)


def q(waypoint: str, good: str, ask: int | None, bid: int | None, *, tv: int = 20, supply: str = "MODERATE",
      activity: str | None = "WEAK", age: float = 0.0, kind: str | None = None) -> MarketQuote:
    return MarketQuote(waypoint, good, ask, bid, tv, supply, activity, NOW - timedelta(seconds=age), kind)


def ship(location: str = "X1-T-A", capacity: int = 40, cargo: dict[str, int] | None = None) -> ShipProfile:
    return ShipProfile("HAULER-1", capacity, cargo or {}, speed=10, fuel_capacity=400, fuel_current=400,
                       location=location)


# A (0,0) -- S (30,40) -- D (60,80): 50 apart each, CRUISE at speed 10: 140 s, 50 fuel per leg.
COORDS = {"X1-T-A": (0, 0), "X1-T-S": (30, 40), "X1-T-D": (60, 80), "X1-T-E": (60, 0)}


# -- ladders -------------------------------------------------------------------------------------


def test_buy_ladder_by_hand():
    # MODERATE/WEAK: 1.06 per tv (the harshest activity it can reach); after one tranche the
    # supply may sit at LIMITED (1.10). Prices widen the quote by 0.5 and round up.
    cost = buy_cost(q("X1-T-S", "IRON", 100, 50, tv=10), 25, MODEL)
    assert [(t.units, t.unit_price) for t in cost.tranches] == [(10, 100), (10, 107), (5, 118)]
    assert cost.total == 1000 + 1070 + 590
    assert cost.average_unit_price == pytest.approx(cost.total / 25)
    assert buy_cost(q("X1-T-S", "IRON", 100, 50, tv=10), 0, MODEL).total == 0


def test_sell_ladder_by_hand():
    # SCARCE: 0.989 for the first call, then LIMITED (0.977); 0.5 below the bid, rounded down.
    rev = sell_revenue(q("X1-T-D", "IRON", 400, 200, tv=20, supply="SCARCE"), 50, MODEL)
    assert [(t.units, t.unit_price) for t in rev.tranches] == [(20, 200), (20, 197), (10, 192)]
    assert rev.total == 4000 + 3940 + 1920


def test_exchange_rows_move_less():
    ex = buy_cost(q("X1-T-S", "FUEL", 72, 68, tv=10, kind="EXCHANGE", activity=None), 20, MODEL)
    assert ex.tranches[1].unit_price == 74  # ceil(72.5 * 1.02)


def test_purchase_cost_is_shared_with_contract_pricing():
    from spacetraders.domain import contract_pricing

    assert contract_pricing.purchase_cost is purchase_cost
    assert purchase_cost(25, 100, 10, 1.05) == pytest.approx(1000 + 1050 + 551.25)


SUPPLIES = st.sampled_from(economy.SUPPLY_LEVELS)
ACTIVITIES = st.sampled_from(("WEAK", "GROWING", "STRONG", "RESTRICTED"))


@settings(max_examples=200, deadline=None)
@given(price=st.integers(1, 20_000), tv=st.sampled_from((6, 20, 60, 180)), units=st.integers(0, 300),
       supply=SUPPLIES, activity=ACTIVITIES, more=st.integers(1, 100))
def test_ladders_are_monotone(price, tv, units, supply, activity, more):
    quote = q("X1-T-S", "G", price, price, tv=tv, supply=supply, activity=activity)
    small, big = buy_cost(quote, units, MODEL), buy_cost(quote, units + more, MODEL)
    prices = big.unit_prices()
    assert prices == sorted(prices) and prices[:units] == small.unit_prices()
    assert big.total >= small.total + more * price
    sells = sell_revenue(quote, units + more, MODEL).unit_prices()
    assert sells == sorted(sells, reverse=True) and all(p >= 0 for p in sells)


# -- never optimistic against the simulator's economy ---------------------------------------------


def _sim_row(kind: str, supply: float, base_activity: str, tv: int, reference: float, traffic: float,
             inputs_ok: bool) -> economy.Row:
    """A row as the simulator holds it at NOW (its export input status settled, as a read shows it)."""
    row = economy.Row(
        symbol="G", type=kind, reference=reference, trade_volume=tv, trade_volume_reset=tv, supply=supply,
        supply_reset=supply, inputs_ok_reset=True, base_activity=base_activity, updated=NOW, traffic=traffic,
        inputs_ok=inputs_ok,
    )
    return economy.advance_market({"G": row}, NOW)["G"]


def _sim_fill(row: economy.Row, units: int, buying: bool) -> int:
    """What the simulator charges (buy) or pays (sell) for `units` in calls of at most tv."""
    rows, total, left = {"G": row}, 0, units
    while left > 0:
        call = min(left, row.trade_volume)
        rows, price = economy.trade(rows, "G", call, buying, NOW)
        total += call * price
        left -= call
    return total


def _quote_of(row: economy.Row, waypoint: str) -> MarketQuote:
    ask, bid = economy.quote(row)
    return MarketQuote(waypoint, "G", ask, bid, row.trade_volume, row.supply_level, row.activity, NOW, row.type)


ROW = st.builds(
    _sim_row,
    kind=st.sampled_from((economy.EXPORT, economy.IMPORT, economy.EXCHANGE)),
    supply=st.floats(0.0, 4.0),
    base_activity=st.sampled_from(("WEAK", "RESTRICTED")),
    tv=st.sampled_from((6, 18, 20, 60, 180)),
    reference=st.floats(3.0, 15_000.0),
    traffic=st.floats(0.0, 2_000.0),
    inputs_ok=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(row=ROW, units=st.integers(1, 240))
def test_ladders_never_beat_the_simulator(row, units):
    quote = _quote_of(row, "X1-T-S")
    assert buy_cost(quote, units, MODEL).total >= _sim_fill(row, units, buying=True)
    assert sell_revenue(quote, units, MODEL).total <= _sim_fill(row, units, buying=False)


@settings(max_examples=150, deadline=None)
@given(source=ROW, sink=ROW, capacity=st.integers(1, 225), budget=st.integers(0, 2_000_000))
def test_a_lane_never_overstates_the_simulated_profit(source, sink, capacity, budget):
    quotes = [_quote_of(source, "X1-T-S"), _quote_of(sink, "X1-T-D")]
    hauler = ship("X1-T-S", capacity)
    lanes = rank_lanes(quotes, COORDS, hauler, now=NOW, max_age=HOUR, fuel_price=0, budget=budget, min_profit=-1)
    for lane in lanes:
        buy, sell = lane.stops[0].actions[0], lane.stops[1].actions[0]
        assert buy.side == "buy" and sell.side == "sell" and buy.units == sell.units <= capacity
        rows = {"X1-T-S": source, "X1-T-D": sink}
        cost = _sim_fill(rows[buy.waypoint], buy.units, buying=True)
        assert cost <= lane.goods_cost <= budget  # budget respected, at the true prices too
        assert _sim_fill(rows[sell.waypoint], sell.units, buying=False) - cost >= lane.expected_profit


# -- lanes ---------------------------------------------------------------------------------------


def test_lane_stops_buying_where_the_margin_ends():
    # tv 10 both sides; buys climb ~6-10 % per tranche, the bid falls: not the full 80-unit hold
    quotes = [q("X1-T-S", "IRON", 100, 50, tv=10), q("X1-T-D", "IRON", 260, 130, tv=10, supply="SCARCE")]
    [lane] = rank_lanes(quotes, COORDS, ship("X1-T-A", 80), now=NOW, max_age=HOUR, fuel_price=2)
    buy, sell = lane.stops[0].actions[0], lane.stops[1].actions[0]
    assert 10 < buy.units < 80 and buy.units == sell.units
    assert [s.waypoint for s in lane.stops] == ["X1-T-S", "X1-T-D"]
    # the leg from the ship to the source counts: 2 x 140 s of flight + 2 x 60 s of stops
    assert lane.seconds == 2 * 140 + 2 * 60 and lane.fuel_units == 100 and lane.fuel_cost == 200
    assert lane.expected_profit == lane.revenue - lane.goods_cost - lane.fuel_cost
    assert lane.profit_per_hour == pytest.approx(lane.expected_profit * 3600 / lane.seconds)
    cost = buy_cost(quotes[0], buy.units, MODEL)
    assert lane.goods_cost == cost.total and buy.expected_unit_price == round(cost.average_unit_price)
    assert cost.last_unit_price is not None and buy.limit_unit_price >= cost.last_unit_price
    assert sell.limit_unit_price < sell.expected_unit_price
    # one more unit would not have paid
    more = sell_revenue(quotes[1], buy.units + 1, MODEL).unit_prices()[-1]
    assert more <= buy_cost(quotes[0], buy.units + 1, MODEL).unit_prices()[-1]


def test_lanes_rank_by_profit_per_hour_and_filter():
    quotes = [
        q("X1-T-S", "IRON", 100, 50), q("X1-T-D", "IRON", 300, 150),  # near: 2 legs from A
        q("X1-T-A", "GOLD", 100, 50), q("X1-T-E", "GOLD", 300, 150),  # right here, one 60-away leg
        q("X1-T-E", "COPPER", 100, 50, age=7200), q("X1-T-D", "COPPER", 900, 450),  # stale source
        q("X1-T-S", "ZINC", 100, 50), q("X1-T-NOWHERE", "ZINC", 900, 450),  # no coordinates
    ]
    lanes = rank_lanes(quotes, COORDS, ship(), now=NOW, max_age=HOUR, fuel_price=1)
    assert [(lane.good, lane.stops[0].waypoint) for lane in lanes] == [("GOLD", "X1-T-A"), ("IRON", "X1-T-S")]
    assert lanes[0].profit_per_hour > lanes[1].profit_per_hour
    assert rank_lanes(quotes, COORDS, ship(), now=NOW, max_age=HOUR, fuel_price=1, good="IRON")[0].good == "IRON"
    assert rank_lanes(quotes, COORDS, ship(), now=NOW, max_age=HOUR, fuel_price=1, min_profit=10**6) == []
    full = ship(cargo={"IRON": 40})
    assert rank_lanes(quotes, COORDS, full, now=NOW, max_age=HOUR, fuel_price=1) == []


def test_lane_respects_the_budget():
    quotes = [q("X1-T-S", "IRON", 100, 50), q("X1-T-D", "IRON", 300, 150)]
    [lane] = rank_lanes(quotes, COORDS, ship(), now=NOW, max_age=HOUR, fuel_price=0, budget=1050)
    assert lane.goods_cost <= 1050 and lane.stops[0].actions[0].units == 10
    assert rank_lanes(quotes, COORDS, ship(), now=NOW, max_age=HOUR, fuel_price=0, budget=99) == []


# -- tours ---------------------------------------------------------------------------------------


def test_best_plan_sells_held_cargo_and_chains_lanes():
    # holding COPPER that sells at S; at S buy IRON for D; at D buy GOLD for E
    quotes = [
        q("X1-T-S", "COPPER", None, 50), q("X1-T-S", "IRON", 100, 50), q("X1-T-D", "IRON", 300, 150),
        q("X1-T-D", "GOLD", 100, 50), q("X1-T-E", "GOLD", 400, 200),
    ]
    hauler = ship(cargo={"COPPER": 2})
    plan = best_plan(quotes, COORDS, hauler, now=NOW, max_age=HOUR, fuel_price=1, min_margin_pct=10,
                     budget=100_000)
    assert plan is not None
    assert [s.waypoint for s in plan.stops] == ["X1-T-S", "X1-T-D", "X1-T-E"]
    first = {(a.good, a.side): a.units for a in plan.stops[0].actions}
    assert first[("COPPER", "sell")] == 2 and first[("IRON", "buy")] > 0
    assert [a.side for a in plan.stops[0].actions] == ["sell", "buy"]  # sells first: they free the hold
    assert {(a.good, a.side) for a in plan.stops[1].actions} == {("IRON", "sell"), ("GOLD", "buy")}
    held = 2
    for stop in plan.stops:  # the hold is never over-full between stops
        held += sum(a.units if a.side == "buy" else -a.units for a in stop.actions)
        assert 0 <= held <= hauler.cargo_capacity
    assert plan.expected_profit == plan.revenue - plan.goods_cost - plan.fuel_cost


def test_best_plan_respects_budget_and_margin():
    quotes = [q("X1-T-S", "IRON", 100, 50), q("X1-T-D", "IRON", 300, 150),
              q("X1-T-S", "GOLD", 1000, 500), q("X1-T-D", "GOLD", 1100, 550)]
    plan = best_plan(quotes, COORDS, ship(), now=NOW, max_age=HOUR, fuel_price=1, min_margin_pct=10, budget=2_000)
    assert plan is not None and plan.goods_cost <= 2_000
    assert {a.good for s in plan.stops for a in s.actions} == {"IRON"}  # GOLD earns < 10 %
    assert best_plan(quotes, COORDS, ship(), now=NOW, max_age=HOUR, fuel_price=1, min_margin_pct=500,
                     budget=2_000) is None
    assert best_plan(quotes, COORDS, ship(), now=NOW, max_age=HOUR, fuel_price=1, min_margin_pct=10,
                     budget=0) is None


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(sorted(COORDS)), st.sampled_from(("A", "B", "C")),
                               st.integers(10, 2000), st.integers(1, 3000), st.sampled_from((6, 20, 60))),
                     min_size=2, max_size=12),
       budget=st.integers(0, 50_000), capacity=st.integers(1, 120), held=st.integers(0, 30))
def test_best_plan_never_exceeds_budget_or_hold(rows, budget, capacity, held):
    quotes = [q(w, g, ask, bid, tv=tv) for w, g, ask, bid, tv in rows]
    hauler = ship(capacity=max(capacity, held), cargo={"A": held})
    plan = best_plan(quotes, COORDS, hauler, now=NOW, max_age=HOUR, fuel_price=1, min_margin_pct=0, budget=budget)
    if plan is None:
        return
    assert plan.goods_cost <= budget and plan.expected_profit > 0
    aboard = dict(hauler.cargo)
    for stop in plan.stops:
        for a in stop.actions:
            aboard[a.good] = aboard.get(a.good, 0) + (a.units if a.side == "buy" else -a.units)
            assert aboard[a.good] >= 0
        assert sum(aboard.values()) <= hauler.cargo_capacity


def test_the_ship_must_be_somewhere_known():
    with pytest.raises(ValueError, match="no coordinates for X1-T-Z"):
        rank_lanes([], COORDS, ship("X1-T-Z"), now=NOW, max_age=HOUR, fuel_price=1)


def test_the_newest_read_of_a_row_wins():
    old, new = q("X1-T-S", "IRON", 100, 50, age=600), q("X1-T-S", "IRON", 200, 100, age=60)
    sink = q("X1-T-D", "IRON", 600, 300)
    for quotes in ([old, new, sink], [new, old, sink]):
        [lane] = rank_lanes(quotes, COORDS, ship(), now=NOW, max_age=HOUR, fuel_price=0)
        assert lane.stops[0].actions[0].expected_unit_price >= 200 and lane.data_age_s == 60
