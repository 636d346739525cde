"""Plans from the scouts' stored prices: the quotes of the run's systems as the planner's
`MarketQuote`s, the ship as its `ShipProfile`, and the best market to sell what it holds.

This is the trade run's default `TripPlanner`; the bench swaps in others (an oracle that
reads the simulator's true state, a naive baseline) behind the same two methods.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from spacetraders.domain.fuel import tank_unit_price
from spacetraders.domain.navigation import system_of
from spacetraders.domain.trade_planning import (
    ImpactModel,
    MarketQuote,
    ShipProfile,
    TradePlan,
    best_plan,
    hop,
    sell_revenue,
)
from spacetraders.persistence.database import Database
from spacetraders.persistence.markets import load_quotes

if TYPE_CHECKING:
    from spacetraders.operations.trade_run import TradeRun

FUEL = "FUEL"


class ScoutedPlanner:
    def __init__(self, model: ImpactModel | None = None, max_stops: int = 3) -> None:
        self.model = model or ImpactModel()
        self.max_stops = max_stops

    async def quotes(self, run: TradeRun) -> list[MarketQuote]:
        return await asyncio.to_thread(stored_quotes, run.ctx.db, run.p.systems)

    async def plan(self, run: TradeRun, budget: int) -> TradePlan | None:
        quotes = here(await self.quotes(run), run)
        return best_plan(quotes, run.coords, profile(run), now=run.ctx.clock.now(),
                         max_age=timedelta(seconds=run.p.max_age_s), fuel_price=fuel_price(quotes),
                         min_margin_pct=run.p.min_margin_pct, max_stops=self.max_stops, budget=budget,
                         model=self.model)

    async def outlet(self, run: TradeRun, good: str, units: int) -> str | None:
        return best_outlet(here(await self.quotes(run), run), run, good, units, self.model)


def here(quotes: list[MarketQuote], run: TradeRun) -> list[MarketQuote]:
    """The quotes of the ship's own system: coordinates compare only within one, and the
    planner prices no jumps (a run's other systems count once the ship is there)."""
    system = run.ship.nav.system_symbol
    return [q for q in quotes if system_of(q.waypoint) == system]


def profile(run: TradeRun) -> ShipProfile:
    ship = run.ship
    return ShipProfile(symbol=ship.symbol, cargo_capacity=ship.cargo_capacity, cargo=dict(run.book.cargo),
                       speed=ship.engine_speed, fuel_capacity=ship.fuel.capacity, fuel_current=ship.fuel.current,
                       location=ship.nav.waypoint_symbol)


def best_outlet(quotes: list[MarketQuote], run: TradeRun, good: str, units: int, model: ImpactModel) -> str | None:
    """The market where selling `units` of `good` nets the most after the fuel to get there;
    any age of data will do (holding cargo earns nothing)."""
    ship, price = profile(run), fuel_price(quotes)
    best: tuple[float, str] | None = None
    for q in quotes:
        if q.good != good or q.sell_price is None or q.waypoint not in run.coords or ship.location not in run.coords:
            continue
        net = sell_revenue(q, units, model).total - hop(ship.location, q.waypoint, run.coords, ship).fuel * price
        if best is None or net > best[0]:
            best = (net, q.waypoint)
    return best[1] if best else None


def fuel_price(quotes: list[MarketQuote]) -> float:
    """Credits per tank unit from the stored FUEL asks."""
    return tank_unit_price(q.purchase_price for q in quotes if q.good == FUEL)


def stored_quotes(db: Database, systems: tuple[str, ...]) -> list[MarketQuote]:
    """Every stored price of the systems' markets that can be traded in tranches, with when it was read."""
    with db.read() as session:
        return [q for q in load_quotes(session, systems=systems) if q.trade_volume > 0]
