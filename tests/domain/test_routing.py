"""The route planner on small hand-made maps: refuel stops, mode choice, drift fallback, gates."""

from __future__ import annotations

import pytest

from spacetraders.domain.navigation import FlightMode, Point, fuel_cost, travel_time
from spacetraders.domain.routing import (
    JUMP,
    GateNetwork,
    ModeChoice,
    ShipState,
    Site,
    Unreachable,
    gate_path,
    jump_cooldown,
    plan_route,
)
from tests.domain.recorded import recorded_markets


def sites(*items: Site) -> dict[str, Site]:
    return {s.symbol: s for s in items}


# A line: A (no fuel) --100-- F (fuel) --100-- B (no fuel); C 300 further on.
LINE = sites(Site("X1-AA-A", 0, 0), Site("X1-AA-F", 100, 0, sells_fuel=True), Site("X1-AA-B", 200, 0),
             Site("X1-AA-C", 500, 0))


def ship(at: str = "X1-AA-A", fuel: int = 150, capacity: int = 150, speed: int = 30) -> ShipState:
    return ShipState(at, fuel, capacity, speed)


def test_direct_leg_uses_the_fastest_mode_the_tank_pays_for() -> None:
    route = plan_route(ship(fuel=150), "X1-AA-F", LINE)  # 100 units: BURN costs 200 > 150
    assert len(route.legs) == 1 and route.legs[0].mode is FlightMode.CRUISE and route.legs[0].fuel == 100
    assert route.seconds == travel_time(100, 30, FlightMode.CRUISE) and route.refuels == 0


def test_multi_hop_refuels_at_the_seller_when_the_tank_requires_it() -> None:
    route = plan_route(ship(fuel=150), "X1-AA-B", LINE)
    assert [leg.destination for leg in route.legs] == ["X1-AA-F", "X1-AA-B"]
    first, second = route.legs
    assert first.refuel == 0 and second.refuel == first.fuel  # topped up to a full tank at F
    assert second.mode is FlightMode.CRUISE and second.fuel_after == 150 - 100
    assert route.refuel_units == 100 and route.refuels == 1


def test_refuel_cost_comes_from_the_sellers_stored_price_per_market_unit() -> None:
    priced = dict(LINE, **{"X1-AA-F": Site("X1-AA-F", 100, 0, sells_fuel=True, fuel_price=72)})
    route = plan_route(ship(fuel=150), "X1-AA-B", priced)
    assert route.legs[1].refuel == 100 and route.legs[1].refuel_cost == 72  # 100 tank units = 1 market unit
    assert route.known_cost == 72 and not route.cost_unknown
    unpriced = plan_route(ship(fuel=150), "X1-AA-B", LINE)
    assert unpriced.legs[1].refuel_cost is None and unpriced.cost_unknown and unpriced.known_cost == 0


def test_burn_is_chosen_when_a_full_tank_pays_for_it() -> None:
    route = plan_route(ship(at="X1-AA-F", fuel=10, capacity=400), "X1-AA-B", LINE)
    (leg,) = route.legs
    assert leg.mode is FlightMode.BURN and leg.refuel == 390 and leg.fuel == 200


def test_cruise_choice_never_burns_and_drift_choice_only_drifts() -> None:
    cruise = plan_route(ship(at="X1-AA-F", fuel=400, capacity=400), "X1-AA-B", LINE, choice=ModeChoice.CRUISE)
    assert [leg.mode for leg in cruise.legs] == [FlightMode.CRUISE]
    drift = plan_route(ship(fuel=5, capacity=400), "X1-AA-C", LINE, choice=ModeChoice.DRIFT)
    assert {leg.mode for leg in drift.legs} == {FlightMode.DRIFT} and drift.refuels == 0


def test_drift_only_when_nothing_else_reaches() -> None:
    # C is 300 from F: more than the tank holds, and no seller nearer. CRUISE to F, then drift.
    route = plan_route(ship(fuel=150), "X1-AA-C", LINE)
    assert [leg.mode for leg in route.legs][-1] is FlightMode.DRIFT
    assert all(leg.mode is not FlightMode.DRIFT for leg in route.legs[:-1])
    assert route.legs[-1].fuel == fuel_cost(300, FlightMode.DRIFT, 150) == 1
    # with a tank big enough nothing drifts
    big = plan_route(ship(fuel=500, capacity=500), "X1-AA-C", LINE)
    assert FlightMode.DRIFT not in {leg.mode for leg in big.legs}


def test_unreachable_with_an_empty_tank_and_no_seller_here() -> None:
    with pytest.raises(Unreachable, match="cannot be reached"):
        plan_route(ship(fuel=0), "X1-AA-B", LINE)


def test_probes_need_no_fuel_and_burn() -> None:
    route = plan_route(ship(fuel=0, capacity=0), "X1-AA-C", LINE)
    (leg,) = route.legs
    assert leg.mode is FlightMode.BURN and leg.fuel == 0 and route.refuels == 0


def test_already_there_is_an_empty_route() -> None:
    assert plan_route(ship(), "X1-AA-A", LINE).legs == ()


GALAXY = sites(
    Site("X1-AA-A", 0, 0), Site("X1-AA-G", 50, 0), Site("X1-AA-F", 0, 60, sells_fuel=True),
    Site("X1-BB-G", 0, 0), Site("X1-BB-D", 40, 0),
)
GATES = GateNetwork(
    connections={"X1-AA-G": ("X1-CC-G",), "X1-CC-G": ("X1-AA-G", "X1-BB-G"), "X1-BB-G": ("X1-CC-G",)},
    systems={"X1-AA": Point(0, 0), "X1-CC": Point(1000, 0), "X1-BB": Point(1000, 1000)},
    fees={"X1-AA-G": 5000},
)


def test_gate_crossing_jumps_through_the_chain_and_waits_the_cooldown_between_jumps() -> None:
    route = plan_route(ship(fuel=300, capacity=300), "X1-BB-D", GALAXY, gates=GATES)
    kinds = [(leg.kind, leg.origin, leg.destination) for leg in route.legs]
    assert kinds == [("navigate", "X1-AA-A", "X1-AA-G"), (JUMP, "X1-AA-G", "X1-CC-G"), (JUMP, "X1-CC-G", "X1-BB-G"),
                     ("navigate", "X1-BB-G", "X1-BB-D")]
    jumps = [leg for leg in route.legs if leg.kind == JUMP]
    assert jumps[0].seconds == 0 and jumps[1].seconds == jump_cooldown(1000) == 315
    assert jumps[0].fee == 5000 and jumps[1].fee is None and route.cost_unknown and route.jumps == 2
    assert route.legs[-1].fuel_after == 300 - route.legs[0].fuel - route.legs[-1].fuel


def test_fuel_for_the_far_side_of_the_gate_is_bought_before_jumping() -> None:
    # BURN straight to the gate would leave 0 fuel for the other system (no seller there):
    # the route refuels at F first.
    route = plan_route(ship(fuel=100, capacity=100), "X1-BB-D", GALAXY, gates=GATES)
    assert route.legs[0].destination == "X1-AA-F" and route.refuels == 1
    assert route.legs[-1].destination == "X1-BB-D" and route.legs[-1].fuel_after >= 0


def test_unfinished_or_missing_gates_make_it_unreachable() -> None:
    closed = GateNetwork(connections={"X1-AA-G": ("X1-CC-G",)}, systems=GATES.systems)  # CC's gate unfinished
    with pytest.raises(Unreachable, match="no chain"):
        plan_route(ship(fuel=100), "X1-BB-D", GALAXY, gates=closed)
    with pytest.raises(Unreachable, match="no usable jump gate"):
        plan_route(ship(fuel=100), "X1-BB-D", GALAXY, gates=GateNetwork())
    assert gate_path("X1-AA-G", "X1-BB", GATES) == ["X1-AA-G", "X1-CC-G", "X1-BB-G"]


def test_recorded_system_every_market_reachable_from_every_other_with_a_frigate() -> None:
    markets = recorded_markets("X1-PZ28")
    recorded = {m.symbol: Site(m.symbol, m.position.x, m.position.y, m.sells_fuel) for m in markets}
    start = markets[0].symbol
    for target in recorded:
        route = plan_route(ShipState(start, 400, 400, 36), target, recorded)
        fuel = 400
        for leg in route.legs:  # replaying the legs never runs the tank dry
            fuel = (400 if leg.refuel else fuel) - leg.fuel
            assert fuel >= 0 and fuel == leg.fuel_after
