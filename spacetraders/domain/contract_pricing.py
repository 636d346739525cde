"""Pricing a procurement contract before taking it. Pure: no I/O, no clock.

Given the contract's terms, the markets that sell its good (as last scouted), the ship and
the cost of fuel, compute what fulfilling it would cost and earn, how long it would take,
and whether to take it. The model (ECONOMY.md §12.3, §17, §18):

- Buying moves the ask: after a call of `u` units at a market of trade volume `tv`, the
  ask is multiplied by `factor ** (u / tv)`. Calls are at most `tv` units, so the n-th full
  tranche costs `price * factor ** (n - 1)` per unit. The factor depends on the row's supply
  (scarcer rows bite harder); `impact_per_tranche` is the fallback for an unknown supply.
  Between trips the ask is assumed not to recover (conservative: half-lives are hours).
- The hold bounds each trip: ship -> source -> destination, then (destination -> source ->
  destination) for every further load. Legs fly CRUISE when the tank holds the leg, else
  DRIFT, and their burn is paid at `fuel_price`: a first guess to rank the sources. The
  best plan is then priced as flown (`priced_as_flown`: the navigation's real routes and
  refuels, whole market units at each stop's ask), which is what the decision stands on.
- Time: every leg's travel time plus `stop_seconds` per stop (dock, trade, deliver), then
  multiplied by `1 + deadline_margin` must fit before the deadline.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from spacetraders.domain.navigation import FlightMode, Point, distance, fuel_cost, travel_time
from spacetraders.domain.price_impact import purchase_cost

# Ask multiplier per full trade-volume bought, by the row's supply (ECONOMY.md §12.3, the
# RESTRICTED column: the harshest, so the estimate errs on the expensive side).
IMPACT_BY_SUPPLY: Mapping[str, float] = {
    "SCARCE": 1.13,
    "LIMITED": 1.10,
    "MODERATE": 1.07,
    "HIGH": 1.05,
    "ABUNDANT": 1.03,
}


@dataclass(frozen=True)
class PricingParams:
    impact_per_tranche: float = 1.05  # §12.3/§17: one full tv bought lifts the ask ~+5%
    impact_by_supply: Mapping[str, float] = field(default_factory=lambda: dict(IMPACT_BY_SUPPLY))
    max_age_seconds: float = 3600.0  # older market data is not trusted (§18: <= 1 h)
    deadline_margin: float = 0.25  # need (1 + margin) x the planned time before the deadline
    stop_seconds: float = 60.0  # dock, trade or deliver, undock at each stop
    min_profit: int = 0

    def impact(self, supply: str | None) -> float:
        return self.impact_by_supply.get((supply or "").upper(), self.impact_per_tranche)


@dataclass(frozen=True)
class Terms:
    good: str
    destination: str
    destination_at: Point
    units_remaining: int
    pay_on_accept: int  # 0 when already accepted (it was paid)
    pay_on_fulfil: int
    seconds_to_deadline: float


@dataclass(frozen=True)
class Source:
    waypoint: str
    at: Point
    price: int  # purchase price per unit, as last seen
    trade_volume: int
    supply: str | None
    age_seconds: float


@dataclass(frozen=True)
class ShipState:
    waypoint: str
    at: Point
    hold: int  # units of the hold free for this good (capacity minus other cargo)
    units_aboard: int  # of the contract's good, already bought
    fuel_capacity: int
    speed: int


@dataclass(frozen=True)
class Leg:
    origin: str
    destination: str
    distance: float
    mode: str
    seconds: int
    fuel: int


@dataclass(frozen=True)
class Plan:
    source: str | None  # None: the ship already holds every unit
    units_to_buy: int
    trips: int
    goods_cost: int
    fuel_units: int
    fuel_cost: int
    payment: int
    profit: int
    seconds: int  # travel and stops, without the margin
    seconds_with_margin: int
    legs: tuple[Leg, ...]


@dataclass(frozen=True)
class Decision:
    take: bool
    reason: str
    plan: Plan | None  # the best plan found (also when refused for profit or time)
    skipped: tuple[str, ...] = ()  # sources left out, and why


def leg(origin: str, a: Point, destination: str, b: Point, ship: ShipState) -> Leg:
    dist = distance(a, b)
    mode = FlightMode.CRUISE
    if ship.fuel_capacity > 0 and fuel_cost(dist, mode, ship.fuel_capacity) > ship.fuel_capacity:
        mode = FlightMode.DRIFT
    seconds = 0 if origin == destination else travel_time(dist, ship.speed, mode)
    fuel = 0 if origin == destination else fuel_cost(dist, mode, ship.fuel_capacity)
    return Leg(origin, destination, round(dist, 1), mode.value, seconds, fuel)


def plan_from(terms: Terms, source: Source | None, ship: ShipState, fuel_price: float, params: PricingParams) -> Plan:
    """The cost, pay and time of fulfilling the contract buying at `source`."""
    needed = max(0, terms.units_remaining - ship.units_aboard)
    to_carry = min(terms.units_remaining, ship.units_aboard) + needed
    if needed and source is None:
        raise ValueError("units to buy but no source")
    if needed and ship.hold < 1:
        raise ValueError("the ship has no room in its hold")
    legs: list[Leg] = []
    if source is None or needed == 0:
        trips, goods = (1 if to_carry else 0), 0.0
        legs.append(leg(ship.waypoint, ship.at, terms.destination, terms.destination_at, ship))
    else:
        trips = math.ceil(to_carry / ship.hold)
        goods = purchase_cost(needed, source.price, source.trade_volume, params.impact(source.supply))
        out = leg(ship.waypoint, ship.at, source.waypoint, source.at, ship)
        haul = leg(source.waypoint, source.at, terms.destination, terms.destination_at, ship)
        back = leg(terms.destination, terms.destination_at, source.waypoint, source.at, ship)
        legs += [out, haul] + [back, haul] * (trips - 1)
    fuel_units = sum(x.fuel for x in legs)
    # every leg ends at a stop (buy or deliver), even a zero-length one
    seconds = sum(x.seconds for x in legs) + round(len(legs) * params.stop_seconds)
    fuel_credits = math.ceil(fuel_units * fuel_price)
    goods_credits = math.ceil(goods)
    payment = terms.pay_on_accept + terms.pay_on_fulfil
    return Plan(
        source=source.waypoint if source is not None and needed else None,
        units_to_buy=needed,
        trips=trips,
        goods_cost=goods_credits,
        fuel_units=fuel_units,
        fuel_cost=fuel_credits,
        payment=payment,
        profit=payment - goods_credits - fuel_credits,
        seconds=seconds,
        seconds_with_margin=math.ceil(seconds * (1 + params.deadline_margin)),
        legs=tuple(legs),
    )


def evaluate(
    terms: Terms,
    sources: Sequence[Source],
    ship: ShipState,
    *,
    fuel_price: float,
    params: PricingParams = PricingParams(),
) -> Decision:
    """Take or refuse the contract, with the reason and the best plan.

    The best plan is the most profitable one among fresh sources whose timing fits; when
    none fits, the most profitable one (refused for time).
    """
    if terms.seconds_to_deadline <= 0:
        return Decision(False, "the deadline has passed", None)
    if terms.units_remaining <= 0:
        return Decision(True, "every unit is delivered: fulfil it", None)
    if ship.hold < 1 and ship.units_aboard < terms.units_remaining:
        return Decision(False, f"the ship has no room in its hold for {terms.good}", None)
    skipped: list[str] = []
    fresh: list[Source] = []
    for s in sources:
        if s.age_seconds > params.max_age_seconds:
            skipped.append(f"{s.waypoint}: data {round(s.age_seconds / 60)} min old (max {round(params.max_age_seconds / 60)})")
        elif s.trade_volume < 1:
            skipped.append(f"{s.waypoint}: no trade volume")
        else:
            fresh.append(s)
    needs_buying = ship.units_aboard < terms.units_remaining
    if needs_buying and not fresh:
        why = f"no fresh price for {terms.good}" + (f" ({len(skipped)} stale market(s): scout them)" if skipped else
                                                      " (no stored market sells it: scout the system)")
        return Decision(False, why, None, tuple(skipped))
    plans = [plan_from(terms, s, ship, fuel_price, params) for s in fresh] if needs_buying else [
        plan_from(terms, None, ship, fuel_price, params)]
    fits = [p for p in plans if p.seconds_with_margin <= terms.seconds_to_deadline]
    best = max(fits or plans, key=lambda p: (p.profit, -p.seconds))
    if not fits:
        return Decision(False, f"too slow: needs {_duration(best.seconds_with_margin)} with the margin, "
                               f"{_duration(terms.seconds_to_deadline)} left", best, tuple(skipped))
    if best.profit < params.min_profit:
        return Decision(False, f"expected profit {best.profit:,} is below the minimum {params.min_profit:,}",
                        best, tuple(skipped))
    return Decision(True, _take_reason(best, terms.seconds_to_deadline), best, tuple(skipped))


def _take_reason(plan: Plan, seconds_to_deadline: float) -> str:
    where = f"buy at {plan.source}, " if plan.source else ""
    return (f"{where}expected profit {plan.profit:,} in {plan.trips} trip(s), "
            f"{_duration(plan.seconds)} of {_duration(seconds_to_deadline)}")


def stops_of(plan: Plan, destination: str) -> list[str]:
    """The waypoints the ship flies to in turn to carry out `plan` (source then destination, per trip)."""
    return [destination] if plan.source is None else [plan.source, destination] * plan.trips


def priced_as_flown(decision: Decision, fuel_credits: int, seconds_to_deadline: float,
                    params: PricingParams) -> Decision:
    """`decision` with its plan's fuel priced as the flights will pay it (`fuel_credits`: the
    navigation's routes and partial refuels in whole market units, `operations.fuel_as_flown`)
    instead of the burn at the median price, and the profit gate decided again on that figure
    (the time gate stands). `contract evaluate` and `contract run` both decide so."""
    plan = decision.plan
    if plan is None:
        return decision
    plan = dataclasses.replace(plan, fuel_cost=fuel_credits, profit=plan.profit + plan.fuel_cost - fuel_credits)
    if plan.seconds_with_margin > seconds_to_deadline:
        return dataclasses.replace(decision, plan=plan)  # refused for time: the fuel changes nothing
    if plan.profit < params.min_profit:
        return Decision(False, f"expected profit {plan.profit:,} with the flights' refuels ({fuel_credits:,}) is "
                               f"below the minimum {params.min_profit:,}", plan, decision.skipped)
    return Decision(True, _take_reason(plan, seconds_to_deadline), plan, decision.skipped)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{seconds % 60:02d}s"
