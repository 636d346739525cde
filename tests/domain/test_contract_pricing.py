"""Contract pricing with numbers checkable by hand."""

from __future__ import annotations

import dataclasses

import pytest

from spacetraders.domain.contract_pricing import (
    PricingParams,
    ShipState,
    Source,
    Terms,
    evaluate,
    plan_from,
    purchase_cost,
)
from spacetraders.domain.navigation import Point

# Ship at A (0,0); source S at (30,40): 50 away; destination D at (60,80): 50 from S.
# CRUISE at speed 10: floor(50 * 25 / 10 + 15) = 140 s and 50 fuel per leg.
TERMS = Terms(good="IRON_ORE", destination="X1-T-D", destination_at=Point(60, 80), units_remaining=60,
              pay_on_accept=1000, pay_on_fulfil=9000, seconds_to_deadline=10_000)
SOURCE = Source("X1-T-S", Point(30, 40), price=100, trade_volume=20, supply="HIGH", age_seconds=60)
SHIP = ShipState("X1-T-A", Point(0, 0), hold=40, units_aboard=0, fuel_capacity=100, speed=10)
PARAMS = PricingParams(stop_seconds=60, deadline_margin=0.25)


def test_purchase_cost_rises_per_full_tranche():
    assert purchase_cost(10, 100, 10, 1.05) == 1000
    # 10 at 100, 10 at 105, 5 at 110.25
    assert purchase_cost(25, 100, 10, 1.05) == pytest.approx(1000 + 1050 + 551.25)
    # a half tranche lifts the ask by sqrt(1.05): the next half pays 100 * 1.05 ** 0.5
    assert purchase_cost(10, 100, 5, 1.05) == pytest.approx(500 + 5 * 105)
    assert purchase_cost(7, 100, 20, 1.05) == 700  # below one tv: no impact within the call
    assert purchase_cost(30, 100, 10, 1.0) == 3000
    with pytest.raises(ValueError):
        purchase_cost(1, 100, 0, 1.05)


def test_a_two_trip_plan_hand_checked():
    plan = plan_from(TERMS, SOURCE, SHIP, fuel_price=2.0, params=PARAMS)
    assert plan.trips == 2  # 60 units, hold 40
    assert [(x.origin, x.destination) for x in plan.legs] == [
        ("X1-T-A", "X1-T-S"), ("X1-T-S", "X1-T-D"), ("X1-T-D", "X1-T-S"), ("X1-T-S", "X1-T-D")]
    assert all(x.mode == "CRUISE" and x.seconds == 140 and x.fuel == 50 for x in plan.legs)
    assert plan.goods_cost == 2000 + 2100 + 2205  # HIGH supply: x1.05 per tranche of 20
    assert plan.fuel_units == 200 and plan.fuel_cost == 400
    assert plan.payment == 10_000 and plan.profit == 10_000 - 6305 - 400
    assert plan.seconds == 4 * 140 + 4 * 60 and plan.seconds_with_margin == 1000


def test_take_when_profit_and_time_fit_refuse_otherwise():
    ok = evaluate(dataclasses.replace(TERMS, seconds_to_deadline=1000), [SOURCE], SHIP, fuel_price=2.0, params=PARAMS)
    assert ok.take and ok.plan is not None and ok.plan.source == "X1-T-S"
    assert "expected profit 3,295" in ok.reason and "2 trip(s)" in ok.reason

    slow = evaluate(dataclasses.replace(TERMS, seconds_to_deadline=999), [SOURCE], SHIP, fuel_price=2.0, params=PARAMS)
    assert not slow.take and slow.reason.startswith("too slow: needs 16m40s")

    greedy = dataclasses.replace(PARAMS, min_profit=3296)
    poor = evaluate(TERMS, [SOURCE], SHIP, fuel_price=2.0, params=greedy)
    assert not poor.take and poor.reason == "expected profit 3,295 is below the minimum 3,296"

    late = evaluate(dataclasses.replace(TERMS, seconds_to_deadline=0), [SOURCE], SHIP, fuel_price=2.0)
    assert not late.take and late.reason == "the deadline has passed"


def test_supply_sets_the_impact_and_unknown_supply_uses_the_named_fallback():
    scarce = dataclasses.replace(SOURCE, supply="SCARCE", trade_volume=60)
    assert plan_from(TERMS, scarce, SHIP, 0, PARAMS).goods_cost == 6000  # one tranche: no rise inside it
    two = dataclasses.replace(SOURCE, supply="SCARCE", trade_volume=30)
    assert plan_from(TERMS, two, SHIP, 0, PARAMS).goods_cost == 3000 + 3390  # 30 at 100, 30 at 113
    odd = dataclasses.replace(SOURCE, supply=None, trade_volume=30)
    fallback = dataclasses.replace(PARAMS, impact_per_tranche=1.2)
    assert plan_from(TERMS, odd, SHIP, 0, fallback).goods_cost == 3000 + 3600


def test_the_most_profitable_fresh_source_wins_and_stale_ones_are_named():
    cheap_far = Source("X1-T-F", Point(-300, -400), price=50, trade_volume=100, supply="ABUNDANT", age_seconds=10)
    stale = Source("X1-T-OLD", Point(60, 80), price=1, trade_volume=100, supply="HIGH", age_seconds=7200)
    # F: 500 away, CRUISE 500 fuel > tank 100 -> DRIFT legs of 12,515 s: too slow for 10,000 s
    near = evaluate(TERMS, [SOURCE, cheap_far, stale], SHIP, fuel_price=0.0, params=PARAMS)
    assert near.take and near.plan is not None and near.plan.source == "X1-T-S"
    # with days to spare its goods (3000 vs 6305) win
    roomy = dataclasses.replace(TERMS, seconds_to_deadline=7 * 86400)
    decision = evaluate(roomy, [SOURCE, cheap_far, stale], SHIP, fuel_price=0.0, params=PARAMS)
    assert decision.take and decision.plan is not None and decision.plan.source == "X1-T-F"
    assert decision.plan.legs[0].mode == "DRIFT" and decision.plan.legs[0].fuel == 1
    assert decision.plan.legs[0].seconds == (500 * 250) // 10 + 15
    assert decision.skipped == ("X1-T-OLD: data 120 min old (max 60)",)

    nothing = evaluate(TERMS, [stale], SHIP, fuel_price=0.0, params=PARAMS)
    assert not nothing.take and nothing.reason == "no fresh price for IRON_ORE (1 stale market(s): scout them)"
    unknown = evaluate(TERMS, [], SHIP, fuel_price=0.0, params=PARAMS)
    assert unknown.reason == "no fresh price for IRON_ORE (no stored market sells it: scout the system)"


def test_units_already_aboard_need_one_haul_and_no_purchase():
    loaded = dataclasses.replace(SHIP, at=Point(30, 40), waypoint="X1-T-S", units_aboard=60, hold=0)
    decision = evaluate(TERMS, [], loaded, fuel_price=1.0, params=PARAMS)
    assert decision.take and decision.plan is not None
    assert decision.plan.source is None and decision.plan.goods_cost == 0 and decision.plan.trips == 1
    assert decision.plan.fuel_cost == 50 and decision.plan.profit == 10_000 - 50
    # part aboard: buy the rest, the hold still carries what is aboard
    partly = dataclasses.replace(SHIP, units_aboard=20, hold=40)
    plan = plan_from(TERMS, SOURCE, partly, 0, PARAMS)
    assert plan.units_to_buy == 40 and plan.trips == 2 and plan.goods_cost == 2000 + 2100


def test_a_full_hold_is_refused():
    full = dataclasses.replace(SHIP, hold=0)
    decision = evaluate(TERMS, [SOURCE], full, fuel_price=0.0)
    assert not decision.take and "no room in its hold" in decision.reason
