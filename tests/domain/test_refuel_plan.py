"""What a refuel stop buys: the next stretch's burn plus a margin, whole market units, at most
the tank's room; a full tank when the next refuel stop's ask is dearer."""

from __future__ import annotations

from spacetraders.domain.navigation import FlightMode
from spacetraders.domain.refuel_plan import as_flown, flown_bill, refuel_units, stretch_need
from spacetraders.domain.routing import Leg, Route, ShipState, Site, leaving_fuel, plan_route

CRUISE = FlightMode.CRUISE


def route(*legs: Leg, reserve: int = 0) -> Route:
    return Route(legs[0].origin, legs[-1].destination, legs, reserve)


def leg(a: str, b: str, fuel: int, refuel: int = 0, ask: int | None = None) -> Leg:
    return Leg("navigate", a, b, CRUISE, 60, fuel, refuel, ask=ask)


def test_a_stop_buys_the_stretch_to_the_next_refuel_stop_in_whole_market_units() -> None:
    r = route(leg("A", "B", 150, refuel=300), leg("B", "C", 100), leg("C", "D", 250, refuel=150))
    assert stretch_need(r, 0) == 250 + 13  # 5 % margin
    assert refuel_units(r, 0, tank=100, capacity=400) == 200  # 163 short -> 2 market units
    assert refuel_units(r, 0, tank=300, capacity=400) == 0  # enough aboard: nothing bought
    assert refuel_units(r, 0, tank=350, capacity=400) == 0
    assert refuel_units(r, 1, tank=0, capacity=400) == 0  # not a refuel stop
    assert refuel_units(r, 0, tank=0, capacity=280) == 280  # never more than the tank takes


def test_the_last_stretch_keeps_the_reserve_to_leave_the_destination() -> None:
    r = route(leg("A", "B", 100, refuel=300), reserve=150)
    assert stretch_need(r, 0) == 250 + 13
    assert refuel_units(r, 0, tank=50, capacity=400) == 300


def test_a_dearer_next_stop_fills_the_tank_here() -> None:
    r = route(leg("A", "B", 100, refuel=300, ask=70), leg("B", "C", 100, refuel=100, ask=90))
    assert refuel_units(r, 0, tank=50, capacity=400) == 350
    cheaper = route(leg("A", "B", 100, refuel=300, ask=90), leg("B", "C", 100, refuel=100, ask=70))
    assert refuel_units(cheaper, 0, tank=50, capacity=400) == 100


def test_the_bill_flies_the_route_as_the_navigation_does() -> None:
    r = route(leg("A", "B", 150, refuel=300), leg("B", "C", 100), leg("C", "D", 250, refuel=150))
    credits, tank = flown_bill(r, tank=100, capacity=400, asks={"A": 70, "C": 80}, default_ask=100)
    # A: 263 needed, 100 aboard -> 2 units (300); C: 50 left, 263 needed -> 3 units (350)
    assert credits == 2 * 70 + 3 * 80 and tank == 350 - 250


def test_the_planner_says_what_leaving_the_destination_needs() -> None:
    sites = {"X1-S-A": Site("X1-S-A", 0, 0, sells_fuel=True), "X1-S-B": Site("X1-S-B", 90, 0),
             "X1-S-C": Site("X1-S-C", 0, 120, sells_fuel=True)}
    assert leaving_fuel("X1-S-A", sites, 400) == 0  # a seller
    assert leaving_fuel("X1-S-B", sites, 400) == 90  # to the nearest seller, CRUISE
    assert leaving_fuel("X1-S-B", {"X1-S-B": sites["X1-S-B"]}, 400) == 400  # none known: a full tank
    planned = plan_route(ShipState("X1-S-A", 400, 400, 30), "X1-S-B", sites)
    assert planned.reserve == 90


def test_the_route_as_flown_shows_what_each_stop_buys_and_costs() -> None:
    r = route(leg("A", "B", 150, refuel=300, ask=70), leg("B", "C", 100), leg("C", "D", 250, refuel=150))
    flown = as_flown(r, tank=100, capacity=400)
    assert [(x.refuel, x.refuel_cost, x.fuel_after) for x in flown.legs] == [
        (200, 140, 150), (0, 0, 50), (300, None, 100)]  # C's price was never stored
