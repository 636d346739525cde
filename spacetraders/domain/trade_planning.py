"""Trade plans from scouted prices: single buy->sell lanes and short multi-stop tours. Pure.

Inputs are market quotes (as last scouted, with their time), waypoint coordinates and one
ship. Every leg is priced with the game's travel formulas (domain/navigation.py): CRUISE when
the tank holds the leg, else DRIFT; the ship is assumed to refuel at each stop, fuel paid at
`fuel_price` per unit. Every stop costs `stop_seconds` (dock, trade, undock). Goods are valued
with the tranche ladders of domain/price_impact.py, which never promise more than the market
gives, so the units of a lane are those that still earn at the margin (not always a full hold).

A plan's profit is net of goods and fuel; cargo already aboard counts at its sale value (it
is paid for: selling it is pure income). Ranking is by profit per hour, including the leg from
the ship's position to the first stop.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from spacetraders.domain.navigation import FlightMode, distance, fuel_cost, travel_time
from spacetraders.domain.price_impact import EXCHANGE, ImpactModel, Side, Tranche, TrancheQuote, trade_ladder

__all__ = [
    "Hop", "ImpactModel", "MarketQuote", "ShipProfile", "TradeAction", "TradePlan", "TradeStop", "Tranche",
    "TrancheQuote", "best_plan", "buy_cost", "hop", "rank_lanes", "sell_revenue",
]

STOP_SECONDS = 60.0  # dock, trade in tranches, undock
GUARD_PCT = 5.0  # how far a tranche may drift from the plan before the trader stops and re-plans
MAX_TOUR_MARKETS = 7  # markets a tour may visit are chosen among this many candidates


@dataclass(frozen=True)
class MarketQuote:
    waypoint: str
    good: str
    purchase_price: int | None  # ask: what we pay
    sell_price: int | None  # bid: what we get
    trade_volume: int
    supply: str | None
    activity: str | None
    observed_at: datetime
    trade_type: str | None = None  # EXPORT | IMPORT | EXCHANGE (exchanges move less)

    @property
    def exchange(self) -> bool:
        return self.trade_type == EXCHANGE


@dataclass(frozen=True)
class ShipProfile:
    symbol: str
    cargo_capacity: int
    cargo: Mapping[str, int]  # good -> units aboard
    speed: int
    fuel_capacity: int
    fuel_current: int
    location: str

    @property
    def free_hold(self) -> int:
        return max(0, self.cargo_capacity - sum(self.cargo.values()))


@dataclass(frozen=True)
class TradeAction:
    waypoint: str
    good: str
    side: Literal["buy", "sell"]
    units: int
    expected_unit_price: int  # the plan's average fill
    limit_unit_price: int  # guard: buy no higher / sell no lower than this per tranche


@dataclass(frozen=True)
class TradeStop:
    waypoint: str
    actions: tuple[TradeAction, ...]  # sells first (they free the hold), then buys


@dataclass(frozen=True)
class TradePlan:
    stops: tuple[TradeStop, ...]
    expected_profit: int  # revenue - goods - fuel
    seconds: float  # travel from the ship's position through every stop, stops included
    fuel_cost: int
    profit_per_hour: float
    data_age_s: float  # age of the oldest quote the plan relies on
    revenue: int = 0
    goods_cost: int = 0
    fuel_units: int = 0
    hops: tuple[Hop, ...] = field(default=())

    @property
    def good(self) -> str | None:
        """The good of a single-good plan (a lane), else None."""
        goods = {a.good for s in self.stops for a in s.actions}
        return next(iter(goods)) if len(goods) == 1 else None

    @property
    def margin_pct(self) -> float:
        return 100.0 * self.expected_profit / self.goods_cost if self.goods_cost else math.inf


@dataclass(frozen=True)
class Hop:
    origin: str
    destination: str
    mode: str
    seconds: int
    fuel: int


def buy_cost(quote: MarketQuote, units: int, model: ImpactModel = ImpactModel()) -> TrancheQuote:
    """What buying `units` here costs, call by call (the ask rises after each)."""
    if quote.purchase_price is None:
        raise ValueError(f"{quote.good} is not sold at {quote.waypoint}")
    return trade_ladder("buy", quote.purchase_price, units, quote.trade_volume, quote.supply, quote.activity,
                        model, exchange=quote.exchange)


def sell_revenue(quote: MarketQuote, units: int, model: ImpactModel = ImpactModel()) -> TrancheQuote:
    """What selling `units` here earns, call by call (the bid falls after each)."""
    if quote.sell_price is None:
        raise ValueError(f"{quote.good} is not bought at {quote.waypoint}")
    return trade_ladder("sell", quote.sell_price, units, quote.trade_volume, quote.supply, quote.activity,
                        model, exchange=quote.exchange)


def hop(origin: str, destination: str, coords: Mapping[str, tuple[int, int]], ship: ShipProfile) -> Hop:
    """One leg: CRUISE when the tank holds it, else DRIFT. Staying put is free."""
    if origin == destination:
        return Hop(origin, destination, FlightMode.CRUISE.value, 0, 0)
    dist = distance(coords[origin], coords[destination])
    mode = FlightMode.CRUISE
    if ship.fuel_capacity > 0 and fuel_cost(dist, mode, ship.fuel_capacity) > ship.fuel_capacity:
        mode = FlightMode.DRIFT
    return Hop(origin, destination, mode.value, travel_time(dist, ship.speed, mode),
               fuel_cost(dist, mode, ship.fuel_capacity))


# -- shared plumbing ---------------------------------------------------------------------------


def _check_location(ship: ShipProfile, coords: Mapping[str, tuple[int, int]]) -> None:
    if ship.location not in coords:
        raise ValueError(f"no coordinates for {ship.location}, where {ship.symbol} is")


class _Book:
    """Fresh quotes by (waypoint, good), with cached per-unit marginal price ladders."""

    def __init__(self, quotes: Iterable[MarketQuote], coords: Mapping[str, tuple[int, int]], now: datetime,
                 max_age: timedelta, model: ImpactModel, depth: int) -> None:
        self.quotes: dict[tuple[str, str], MarketQuote] = {}
        for q in quotes:
            age = now - q.observed_at
            if q.waypoint in coords and q.trade_volume >= 1 and age <= max_age:
                seen = self.quotes.get((q.waypoint, q.good))
                if seen is None or q.observed_at >= seen.observed_at:  # the newest read of a row wins
                    self.quotes[(q.waypoint, q.good)] = q
        self.now, self.model, self.depth = now, model, max(0, depth)
        self._ladders: dict[tuple[str, str, Side], list[int]] = {}

    def prices(self, waypoint: str, good: str, side: Side) -> list[int]:
        """The price of each successive unit traded here, up to `depth` units."""
        key = (waypoint, good, side)
        if key not in self._ladders:
            q = self.quotes[(waypoint, good)]
            ladder = buy_cost(q, self.depth, self.model) if side == "buy" else sell_revenue(q, self.depth, self.model)
            self._ladders[key] = ladder.unit_prices()
        return self._ladders[key]

    def age(self, waypoint: str, good: str) -> float:
        return max(0.0, (self.now - self.quotes[(waypoint, good)].observed_at).total_seconds())

    def sellers(self, good: str | None = None) -> list[MarketQuote]:
        return [q for q in self.quotes.values() if q.purchase_price is not None and good in (None, q.good)]

    def buyers(self, good: str) -> list[MarketQuote]:
        return [q for q in self.quotes.values() if q.sell_price is not None and q.good == good]


def _route(ship: ShipProfile, stops: Sequence[str], coords: Mapping[str, tuple[int, int]],
           stop_seconds: float) -> tuple[tuple[Hop, ...], float, int]:
    points = [ship.location, *stops]
    hops = tuple(hop(a, b, coords, ship) for a, b in itertools.pairwise(points))
    return hops, sum(h.seconds for h in hops) + stop_seconds * len(stops), sum(h.fuel for h in hops)


@dataclass
class _Fill:
    """Units allocated from a buy (or from the hold: `buy_at` None) to a sale."""

    good: str
    buy_at: int | None  # stop index
    sell_at: int
    units: int
    buy_prices: list[int]
    sell_prices: list[int]


def _plan(ship: ShipProfile, stops: Sequence[str], fills: Sequence[_Fill], book: _Book,
          coords: Mapping[str, tuple[int, int]], fuel_price: float, stop_seconds: float,
          guard_pct: float) -> TradePlan | None:
    if not fills:
        return None
    hops, seconds, fuel_units = _route(ship, stops, coords, stop_seconds)
    guard = guard_pct / 100.0
    sells: dict[tuple[int, str], list[int]] = {}
    buys: dict[tuple[int, str], tuple[list[int], list[int]]] = {}
    ages: list[float] = []
    for f in fills:
        sells.setdefault((f.sell_at, f.good), []).extend(f.sell_prices)
        ages.append(book.age(stops[f.sell_at], f.good))
        if f.buy_at is not None:
            bought, paired = buys.setdefault((f.buy_at, f.good), ([], []))
            bought.extend(f.buy_prices)
            paired.extend(f.sell_prices)
            ages.append(book.age(stops[f.buy_at], f.good))
    out: list[TradeStop] = []
    for i, waypoint in enumerate(stops):
        actions: list[TradeAction] = []
        for (at, good), prices in sorted(sells.items()):
            if at == i:
                actions.append(TradeAction(waypoint, good, "sell", len(prices), round(sum(prices) / len(prices)),
                                           math.floor(min(prices) * (1 - guard))))
        for (at, good), (prices, paired) in sorted(buys.items()):
            if at == i:
                # never pay more than the last unit's planned sale would return
                limit = max(max(prices), min(math.ceil(max(prices) * (1 + guard)), min(paired) - 1))
                actions.append(TradeAction(waypoint, good, "buy", len(prices), round(sum(prices) / len(prices)),
                                           limit))
        out.append(TradeStop(waypoint, tuple(actions)))
    revenue = sum(sum(f.sell_prices) for f in fills)
    goods = sum(sum(f.buy_prices) for f in fills)
    fuel = math.ceil(fuel_units * fuel_price)
    profit = revenue - goods - fuel
    return TradePlan(
        stops=tuple(out), expected_profit=profit, seconds=seconds, fuel_cost=fuel,
        profit_per_hour=profit * 3600.0 / seconds if seconds > 0 else float(profit) * 3600.0,
        data_age_s=max(ages), revenue=revenue, goods_cost=goods, fuel_units=fuel_units, hops=hops,
    )


# -- single lanes ------------------------------------------------------------------------------


def _lane_units(buy: list[int], sell: list[int], hold: int, budget: int | None) -> int:
    """Units that maximise buy->sell profit: every unit whose sale beats its purchase (marginal
    prices are monotone, so profit is concave), within the hold and the budget."""
    units, spent = 0, 0
    for b, s in zip(buy[:hold], sell[:hold], strict=False):
        if s <= b or (budget is not None and spent + b > budget):
            break
        units, spent = units + 1, spent + b
    return units


def rank_lanes(
    quotes: Iterable[MarketQuote],
    coords: Mapping[str, tuple[int, int]],
    ship: ShipProfile,
    *,
    now: datetime,
    max_age: timedelta,
    fuel_price: float,
    min_profit: int = 0,
    good: str | None = None,
    budget: int | None = None,
    model: ImpactModel = ImpactModel(),
    stop_seconds: float = STOP_SECONDS,
    guard_pct: float = GUARD_PCT,
) -> list[TradePlan]:
    """Every single-good buy->sell lane the ship could fly now from fresh quotes, best profit per
    hour first. Lanes earning `min_profit` or less (net of fuel) are left out."""
    _check_location(ship, coords)
    hold = ship.free_hold
    book = _Book(quotes, coords, now, max_age, model, hold)
    lanes: list[TradePlan] = []
    if hold < 1:
        return lanes
    for source in book.sellers(good):
        buy = book.prices(source.waypoint, source.good, "buy")
        for sink in book.buyers(source.good):
            if sink.waypoint == source.waypoint or sink.sell_price is None or source.purchase_price is None:
                continue
            if sink.sell_price <= source.purchase_price:
                continue
            sell = book.prices(sink.waypoint, sink.good, "sell")
            units = _lane_units(buy, sell, hold, budget)
            if units < 1:
                continue
            fill = _Fill(source.good, 0, 1, units, buy[:units], sell[:units])
            plan = _plan(ship, (source.waypoint, sink.waypoint), [fill], book, coords, fuel_price, stop_seconds,
                         guard_pct)
            if plan is not None and plan.expected_profit > min_profit:
                lanes.append(plan)
    lanes.sort(key=lambda p: (-p.profit_per_hour, -p.expected_profit, p.stops[0].waypoint, p.stops[-1].waypoint))
    return lanes


# -- tours -------------------------------------------------------------------------------------


def _allocate(stops: Sequence[str], ship: ShipProfile, book: _Book, budget: int) -> list[_Fill]:
    """Greedy: repeatedly take the chunk (up to the next price step) with the best profit per
    unit — selling held cargo at a stop, or buying at one stop to sell at a later one — while the
    hold on every leg it rides and the budget allow."""
    n = len(stops)
    goods_at = [sorted(g for (w, g) in book.quotes if w == s) for s in stops]
    held = {g: u for g, u in ship.cargo.items() if u > 0}
    aboard = [sum(held.values())] * (n + 1)  # aboard[k]: units on the leg into stop k (n: after the last)
    used: dict[tuple[int, str, Side], int] = {}
    fills: list[_Fill] = []
    spent = 0

    def price(i: int, good: str, side: Side) -> tuple[int, int] | None:
        """(next unit's price, units left at that price) on the ladder of stop i."""
        q = book.quotes[(stops[i], good)]
        if (q.purchase_price if side == "buy" else q.sell_price) is None:
            return None
        ladder = book.prices(stops[i], good, side)
        k = used.get((i, good, side), 0)
        if k >= len(ladder):
            return None
        run = 1
        while k + run < len(ladder) and ladder[k + run] == ladder[k]:
            run += 1
        return ladder[k], run

    while True:
        best: tuple[float, _Fill] | None = None
        for j in range(n):
            for good in goods_at[j]:
                sale = price(j, good, "sell")
                if sale is None or sale[0] <= 0:
                    continue
                if held.get(good, 0) > 0:
                    units = min(held[good], sale[1])
                    if best is None or sale[0] > best[0]:
                        best = (float(sale[0]), _Fill(good, None, j, units, [], [sale[0]] * units))
                for i in range(j):
                    if good not in goods_at[i]:
                        continue
                    purchase = price(i, good, "buy")
                    if purchase is None or sale[0] <= purchase[0]:
                        continue
                    gain = sale[0] - purchase[0]
                    if best is not None and gain <= best[0]:
                        continue
                    room = min(ship.cargo_capacity - aboard[k] for k in range(i + 1, j + 1))
                    affordable = (budget - spent) // purchase[0] if purchase[0] > 0 else room
                    units = min(sale[1], purchase[1], room, affordable)
                    if units > 0:
                        best = (float(gain), _Fill(good, i, j, units, [purchase[0]] * units, [sale[0]] * units))
        if best is None:
            return fills
        fill = best[1]
        used[(fill.sell_at, fill.good, "sell")] = used.get((fill.sell_at, fill.good, "sell"), 0) + fill.units
        if fill.buy_at is None:
            held[fill.good] -= fill.units
            for k in range(fill.sell_at + 1, n + 1):
                aboard[k] -= fill.units
        else:
            key: tuple[int, str, Side] = (fill.buy_at, fill.good, "buy")
            used[key] = used.get(key, 0) + fill.units
            spent += sum(fill.buy_prices)
            for k in range(fill.buy_at + 1, fill.sell_at + 1):
                aboard[k] += fill.units
        fills.append(fill)


def _merge(fills: list[_Fill]) -> list[_Fill]:
    """One fill per (good, buy stop, sell stop), in allocation order within it."""
    merged: dict[tuple[str, int | None, int], _Fill] = {}
    for f in fills:
        key = (f.good, f.buy_at, f.sell_at)
        if key in merged:
            m = merged[key]
            m.units += f.units
            m.buy_prices += f.buy_prices
            m.sell_prices += f.sell_prices
        else:
            merged[key] = _Fill(f.good, f.buy_at, f.sell_at, f.units, list(f.buy_prices), list(f.sell_prices))
    return list(merged.values())


def _candidates(ship: ShipProfile, book: _Book, lanes: Sequence[TradePlan]) -> list[str]:
    """Markets a tour may visit: where the ship is, where its cargo sells best, the ends of the
    best lanes."""
    picked: list[str] = []

    def add(w: str) -> None:
        if w not in picked and len(picked) < MAX_TOUR_MARKETS:
            picked.append(w)

    if any(w == ship.location for (w, _g) in book.quotes):
        add(ship.location)
    for good, units in ship.cargo.items():
        if units > 0:
            for q in sorted(book.buyers(good), key=lambda q: -(q.sell_price or 0))[:2]:
                add(q.waypoint)
    for lane in lanes:
        for stop in lane.stops:
            add(stop.waypoint)
    return picked


def best_plan(
    quotes: Iterable[MarketQuote],
    coords: Mapping[str, tuple[int, int]],
    ship: ShipProfile,
    *,
    now: datetime,
    max_age: timedelta,
    fuel_price: float,
    min_margin_pct: float,
    max_stops: int = 3,
    budget: int,
    model: ImpactModel = ImpactModel(),
    stop_seconds: float = STOP_SECONDS,
    guard_pct: float = GUARD_PCT,
) -> TradePlan | None:
    """The plan with the best profit per hour among single lanes and tours of up to `max_stops`
    markets that sell the cargo held and buy at some stops to sell at later ones, spending at most
    `budget` on goods. A plan must earn (net of fuel) at least `min_margin_pct` % of its goods cost
    and more than nothing; None when no plan does."""
    _check_location(ship, coords)
    quotes = list(quotes)
    lanes = rank_lanes(quotes, coords, ship, now=now, max_age=max_age, fuel_price=fuel_price, budget=budget,
                       model=model, stop_seconds=stop_seconds, guard_pct=guard_pct)
    book = _Book(quotes, coords, now, max_age, model, ship.cargo_capacity)
    candidates = _candidates(ship, book, lanes)
    best: TradePlan | None = None
    for length in range(1, max(1, max_stops) + 1):
        for stops in itertools.permutations(candidates, length):
            plan = _plan(ship, stops, _merge(_allocate(stops, ship, book, max(0, budget))), book, coords,
                         fuel_price, stop_seconds, guard_pct)
            if plan is None or plan.expected_profit <= 0 or plan.margin_pct < min_margin_pct:
                continue
            if any(not stop.actions for stop in plan.stops):
                continue  # the same route without that stop is shorter and also enumerated
            if best is None or plan.profit_per_hour > best.profit_per_hour:
                best = plan
    return best

