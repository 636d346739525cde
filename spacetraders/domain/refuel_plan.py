"""How much fuel to buy at a route's refuel stop, and what flying a route that way costs. Pure.

The planner says where a route refuels and what each leg burns (the single source of truth:
it plans as if every refuel filled the tank). Filling the tank at every such stop pays for
fuel that the next stop sells again, and the last one leaves the ship with a tank it may never
use. So a stop buys what the legs up to the next refuel stop burn (to the destination: plus the
route's reserve, the fuel to reach a seller from there), plus a margin, in whole market units
(the game bills partial ones whole), never more than the tank takes. One exception, a simple
rule: when the next refuel stop's known FUEL ask is dearer than this one's, fill the tank here
(the fuel bought here replaces fuel that would be bought dearer there).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from spacetraders.domain.fuel import FUEL_PER_MARKET_UNIT, market_units
from spacetraders.domain.routing import NAVIGATE, Route, refuel_cost

MARGIN_FRACTION = 0.05  # of a stretch's burn: the live server's distances may round differently
MIN_MARGIN = 2  # tank units


def next_stop(route: Route, i: int) -> int:
    """Index of the first leg after `i` that refuels (len(legs) if none: the destination)."""
    return next((j for j in range(i + 1, len(route.legs)) if _refuels(route, j)), len(route.legs))


def stretch_need(route: Route, i: int) -> int:
    """Tank units needed leaving legs[i]'s origin to reach the next refuel stop, margin included."""
    j = next_stop(route, i)
    burn = sum(leg.fuel for leg in route.legs[i:j]) + (route.reserve if j == len(route.legs) else 0)
    return burn + max(MIN_MARGIN, math.ceil(burn * MARGIN_FRACTION))


def refuel_units(route: Route, i: int, tank: int, capacity: int) -> int:
    """Tank units to buy at legs[i]'s origin before flying on (0: buy nothing)."""
    room = capacity - tank
    if room <= 0 or not _refuels(route, i):
        return 0
    j = next_stop(route, i)
    here, there = route.legs[i].ask, route.legs[j].ask if j < len(route.legs) else None
    if here is not None and there is not None and there > here:
        return room
    short = stretch_need(route, i) - tank
    if short <= 0:
        return 0
    return min(room, market_units(short) * FUEL_PER_MARKET_UNIT)


def as_flown(route: Route, tank: int, capacity: int) -> Route:
    """`route` with each leg's refuel, its cost and the fuel after as the navigation flies it
    (`refuel_units` at the planner's refuel stops, from `tank` aboard)."""
    legs = []
    for i, leg in enumerate(route.legs):
        units = refuel_units(route, i, tank, capacity)
        tank += units - leg.fuel
        legs.append(dataclasses.replace(leg, refuel=units, refuel_cost=refuel_cost(units, leg.ask), fuel_after=tank))
    return dataclasses.replace(route, legs=tuple(legs))


def flown_bill(route: Route, tank: int, capacity: int, asks: Mapping[str, int], default_ask: int) -> tuple[int, int]:
    """(credits, tank at the end) of flying `route` as the navigation does (`as_flown`), each
    refuel billed in whole market units at the stop's ask, else `default_ask`."""
    flown = as_flown(route, tank, capacity)
    credits = sum(market_units(leg.refuel) * asks.get(leg.origin, default_ask) for leg in flown.legs)
    return credits, max(0, flown.legs[-1].fuel_after if flown.legs else tank)


def _refuels(route: Route, i: int) -> bool:
    leg = route.legs[i]
    return leg.kind == NAVIGATE and leg.refuel > 0
