"""How a trade moves the price it is filled at (ECONOMY.md §12.3, §17). Pure: no I/O, no clock.

A call trades at most `tradeVolume` (tv) units at one price; afterwards the quote is multiplied
by `factor ** (units / tv)` (buys lift the ask, sells cut the bid). The factor depends on the
row's supply tier and activity *before* the call, and each full tranche moves the supply one
quarter tier (buys down, sells up), so a long ladder walks into harsher tiers.

The estimates here are deliberately not optimistic, so a plan never promises more than the
market gives (tested against the simulator's own model):
- the supply index may sit at the edge of its tier that the trade pushes across first (a buy at
  HIGH may be at MODERATE after one tranche): each call takes the harshest factor among the
  tiers the row may show by then;
- activity only climbs while we trade (traffic grows), so a buy uses the harshest factor among
  the activities the row can still reach;
- the quote we read is a rounded integer: the next price is computed from the quote widened by
  `rounding_slack` and rounded against us (ceil for buys, floor for sells).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

Side = Literal["buy", "sell"]

SUPPLY_LEVELS = ("SCARCE", "LIMITED", "MODERATE", "HIGH", "ABUNDANT")
EXCHANGE = "EXCHANGE"
# Activities a row can still show while our trades add traffic (WEAK -> GROWING -> STRONG; an
# import shown RESTRICTED also turns GROWING when busy; an input-starved export stays RESTRICTED).
REACHABLE_ACTIVITY: Mapping[str, tuple[str, ...]] = {
    "WEAK": ("WEAK", "GROWING", "STRONG"),
    "GROWING": ("GROWING", "STRONG"),
    "STRONG": ("STRONG",),
    "RESTRICTED": ("RESTRICTED", "GROWING", "STRONG"),
}
ALL_ACTIVITIES = ("WEAK", "GROWING", "STRONG", "RESTRICTED")

# obs (ECONOMY.md §12.3, acdtunes market_model.json): ask multiplier per full-tv buy.
BUY_FACTORS: Mapping[tuple[str, str], float] = {
    ("MODERATE", "RESTRICTED"): 1.07, ("MODERATE", "WEAK"): 1.06, ("MODERATE", "GROWING"): 1.03,
    ("MODERATE", "STRONG"): 1.035,
    ("HIGH", "RESTRICTED"): 1.05, ("HIGH", "WEAK"): 1.04, ("HIGH", "GROWING"): 1.004, ("HIGH", "STRONG"): 1.004,
    ("ABUNDANT", "RESTRICTED"): 1.03, ("ABUNDANT", "WEAK"): 1.026, ("ABUNDANT", "GROWING"): 1.005,
    ("ABUNDANT", "STRONG"): 1.005,
}
BUY_BY_SUPPLY: Mapping[str, float] = {"SCARCE": 1.13, "LIMITED": 1.10}  # obs, every activity
# obs SCARCE..MODERATE (activity barely matters: the simulator's values); HIGH/ABUNDANT samples
# are thin (0.76-0.98), 0.92 is the simulator's default.
SELL_BY_SUPPLY: Mapping[str, float] = {
    "SCARCE": 0.989, "LIMITED": 0.977, "MODERATE": 0.959, "HIGH": 0.92, "ABUNDANT": 0.92,
}


@dataclass(frozen=True)
class ImpactModel:
    """Per-tranche price moves. Defaults: ECONOMY.md §12.3 (the factors the simulator uses)."""

    buy_factors: Mapping[tuple[str, str], float] = field(default_factory=lambda: dict(BUY_FACTORS))
    buy_by_supply: Mapping[str, float] = field(default_factory=lambda: dict(BUY_BY_SUPPLY))
    buy_fallback: float = 1.05  # obs: one full tv bought lifts the ask ~ +5 %
    sell_by_supply: Mapping[str, float] = field(default_factory=lambda: dict(SELL_BY_SUPPLY))
    sell_fallback: float = 0.98  # §17 fallback
    exchange_buy: float = 1.02  # obs range 1.00-1.02: the harsh end
    exchange_sell: float = 0.95  # obs range 0.95-1.00: the harsh end
    supply_step_per_tv: float = 0.25  # tiers one full tranche moves the supply (sim default)
    rounding_slack: float = 0.5  # the quote is an integer: the true price is within +/- 0.5

    def buy_factor(self, supply: str | None, activity: str | None, exchange: bool = False) -> float:
        if exchange:
            return self.exchange_buy
        if supply is not None and supply in self.buy_by_supply:
            return self.buy_by_supply[supply]
        reach = REACHABLE_ACTIVITY.get(activity or "", ALL_ACTIVITIES)
        return max(self.buy_factors.get((supply or "", a), self.buy_fallback) for a in reach)

    def sell_factor(self, supply: str | None, exchange: bool = False) -> float:
        if exchange:
            return self.exchange_sell
        return self.sell_by_supply.get(supply or "", self.sell_fallback)


@dataclass(frozen=True)
class Tranche:
    units: int
    unit_price: int


@dataclass(frozen=True)
class TrancheQuote:
    """`units` traded in calls of at most tv: the total, the average and each call's price."""

    side: Side
    units: int
    total: int
    average_unit_price: float
    tranches: tuple[Tranche, ...]

    @property
    def last_unit_price(self) -> int | None:
        return self.tranches[-1].unit_price if self.tranches else None

    def unit_prices(self) -> list[int]:
        """The price of each unit, in trade order (marginal prices)."""
        return [t.unit_price for t in self.tranches for _ in range(t.units)]


def calls(units: int, trade_volume: int) -> Iterator[int]:
    """The call sizes that trade `units` at most `trade_volume` at a time."""
    if units < 0 or trade_volume < 1:
        raise ValueError("units >= 0 and trade_volume >= 1 expected")
    left = units
    while left > 0:
        call = min(left, trade_volume)
        yield call
        left -= call


def ladder(units: int, trade_volume: int, factor_of_call: Callable[[int, float], float]) -> list[tuple[int, float]]:
    """(call size, price multiplier) of each call. `factor_of_call(index, tv_shares_before)` is the
    factor of the call's pre-trade row; the multiplier compounds `factor ** (call / tv)`."""
    out: list[tuple[int, float]] = []
    multiplier, shares = 1.0, 0.0
    for i, call in enumerate(calls(units, trade_volume)):
        out.append((call, multiplier))
        multiplier *= factor_of_call(i, shares) ** (call / trade_volume)
        shares += call / trade_volume
    return out


def purchase_cost(units: int, price: int, trade_volume: int, factor: float) -> float:
    """Credits for `units` bought in calls of at most `trade_volume`, the ask rising by
    `factor ** (u / tv)` after each call of `u` units (one factor, no rounding: contract pricing)."""
    if price < 0 or trade_volume < 1 or units < 0:
        raise ValueError("units >= 0, trade_volume >= 1 and price >= 0 expected")
    return sum(call * price * m for call, m in ladder(units, trade_volume, lambda _i, _s: factor))


def _tier(supply: str | None) -> int | None:
    return SUPPLY_LEVELS.index(supply) if supply in SUPPLY_LEVELS else None


def _tiers_after(tier: int, shares: float, direction: int, step: float) -> list[str]:
    """The supply tiers the row may show after `shares` full tranches: from the quoted one to the
    one reached if the index sat at the edge the trade crosses first (direction -1: buys lower
    the supply, +1: sells raise it). The factor tables are not monotone, so all of them count."""
    moved = step * shares
    crossed = math.floor(moved) + 1 if moved > 0 else 0  # the edge itself counts (round() is banker's)
    last = min(4, max(0, tier + direction * crossed))
    low, high = min(tier, last), max(tier, last)
    return [SUPPLY_LEVELS[t] for t in range(low, high + 1)]


def trade_ladder(
    side: Side,
    price: int,
    units: int,
    trade_volume: int,
    supply: str | None,
    activity: str | None,
    model: ImpactModel,
    *,
    exchange: bool = False,
) -> TrancheQuote:
    """The tranche prices of buying (side "buy", `price` = the ask) or selling (the bid) `units`."""
    if price < 0:
        raise ValueError("price >= 0 expected")
    tier = _tier(supply)
    direction = -1 if side == "buy" else 1

    def factor(_i: int, shares: float) -> float:
        tiers = [supply] if tier is None else _tiers_after(tier, shares, direction, model.supply_step_per_tv)
        if side == "buy":  # the harshest factor among the tiers the row may be at
            return max(model.buy_factor(t, activity, exchange) for t in tiers)
        return min(model.sell_factor(t, exchange) for t in tiers)

    tranches: list[Tranche] = []
    for i, (call, m) in enumerate(ladder(units, trade_volume, factor)):
        if i == 0:
            unit = price  # the quote itself
        elif side == "buy":
            unit = math.ceil((price + model.rounding_slack) * m)
        else:
            unit = max(0, math.floor((price - model.rounding_slack) * m))
        tranches.append(Tranche(call, unit))
    total = sum(t.units * t.unit_price for t in tranches)
    return TrancheQuote(side, units, total, total / units if units else 0.0, tuple(tranches))
