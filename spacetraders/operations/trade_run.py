"""`TradeCommand`: one ship turns the scouts' prices into credits, trip after trip.

A trip: load the stored quotes of the run's systems (the scouts keep them fresh), ask the
planner (domain/trade_planning.best_plan) for the best lane or short tour the ship can fly
with budget = min(max_spend, credits - reserve), then per stop: fly there (operations/
navigate.Navigation: fuel-aware, refuels on the way), dock, re-read the market (stored as a
snapshot) and sell/buy in tranches while the live quote stays within the action's limit
(trade_fills.Desk). A price past its limit ends the trip and the run plans again. When no
plan clears the margin the ship waits where it is (no fuel burnt) until the data changes.
When the plan rests on a market read more than half `max_age_s` ago that a scout tour visits,
the run asks that tour to refresh it and waits for the snapshot, at most `refresh_timeout_s`
(operations/trade_refresh.py), then plans again once.

Restart-safe: every start first settles a money step left open by a kill (MoneySteps.
settle_open), reloads the run's progress (keyed on `run_id`, written in each fill's
transaction), reads the real hold from the server and sells what it holds at the best
known market before planning new buys. Nothing is bought twice: a restarted run never
resumes a half-made plan, it liquidates and plans afresh.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from spacetraders.api.errors import ApiError
from spacetraders.api.models import Market, Ship
from spacetraders.domain.routing import ModeChoice
from spacetraders.domain.trade_planning import TradePlan, TradeStop
from spacetraders.operations.base import ContainerContext
from spacetraders.operations.money_steps import MoneySteps, StepKind, refused
from spacetraders.operations.navigate import NavigateParams, Navigation
from spacetraders.operations.registry import register
from spacetraders.operations.route_data import system_waypoints
from spacetraders.operations.trade_fills import REFUEL_ALLOWANCE, Desk, Guards, TradeBook
from spacetraders.operations.trade_refresh import ScoutRefresh
from spacetraders.persistence.markets import last_updated
from spacetraders.persistence.progress import load_progress
from spacetraders.persistence.universe import store_ships, update_ship_nav

COMMAND_TYPE = "TradeCommand"
MAX_STOPS = 3  # the longest tour a plan may fly (it also sizes the fuel kept above the reserve)
WAIT_STEP_S = 60.0  # while no plan clears the margin: look for newer data this often (a DB read)
WAIT_MAX_S = 900.0  # ... and plan again after this long anyway
REFRESH_TIMEOUT_S = 600.0  # how long a run waits for the scouts to refresh a market it asked for
DOCKED, IN_TRANSIT = "DOCKED", "IN_TRANSIT"
ARRIVAL_SLOP_S = 1.0


class TradeFailed(RuntimeError):
    """The run cannot trade; the supervisor's restart policy takes over."""


@dataclass(frozen=True)
class TradeParams:
    ship_symbol: str
    run_id: str
    systems: tuple[str, ...]
    max_spend: int
    reserve: int = 0
    min_margin_pct: float = 5.0
    max_age_s: float = 1800.0
    trips: int = -1  # -1: until stopped (tests and benches stop after N trips)
    wait_s: float = WAIT_STEP_S  # how often a waiting run looks for newer data (the demo's game is fast)
    refresh_timeout_s: float = REFRESH_TIMEOUT_S  # 0: never ask the scouts (operations/trade_refresh.py)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> TradeParams:
        try:
            p = cls(
                ship_symbol=str(params["ship_symbol"]), run_id=str(params["run_id"]),
                systems=tuple(str(s) for s in params["systems"]), max_spend=int(params["max_spend"]),
                reserve=int(params.get("reserve", 0)), min_margin_pct=float(params.get("min_margin_pct", 5.0)),
                max_age_s=float(params.get("max_age_s", 1800)), trips=int(params.get("trips", -1)),
                wait_s=float(params.get("wait_s", WAIT_STEP_S)),
                refresh_timeout_s=float(params.get("refresh_timeout_s", REFRESH_TIMEOUT_S)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bad TradeCommand params: {exc}") from None
        if not p.systems or p.max_spend < 0 or p.reserve < 0 or not p.max_age_s > 0 or not p.wait_s > 0 \
                or not 0 <= p.refresh_timeout_s < math.inf:
            raise ValueError("bad TradeCommand params: systems, max_spend >= 0, reserve >= 0, max_age_s > 0, wait_s > 0, "
                             "finite refresh_timeout_s >= 0")
        return p


class TripPlanner(Protocol):
    """Where the plans come from: stored quotes (trade_quotes.ScoutedPlanner) or, in the
    bench, the simulator's true state (the oracle) or a naive lane picker (the baseline)."""

    async def plan(self, run: TradeRun, budget: int) -> TradePlan | None: ...

    async def outlet(self, run: TradeRun, good: str, units: int) -> str | None:
        """The best known market to sell what the ship holds of `good` (None: none known)."""


@register(COMMAND_TYPE)
async def run_trade(ctx: ContainerContext) -> None:
    from spacetraders.operations.trade_quotes import ScoutedPlanner

    params = TradeParams.from_params(ctx.params)
    await TradeRun(ctx, params, ScoutedPlanner()).run()


class TradeRun:
    def __init__(self, ctx: ContainerContext, params: TradeParams, planner: TripPlanner) -> None:
        self.ctx, self.p, self.planner = ctx, params, planner
        self.money = MoneySteps(ctx)
        self.book = TradeBook()
        self.desk = Desk(ctx, self.money, params.ship_symbol, params.run_id, Guards(params.reserve, params.max_spend),
                         self.book, COMMAND_TYPE)
        self._ship: Ship | None = None
        self.coords: dict[str, tuple[int, int]] = {}
        self.unsold: set[str] = set()  # goods held that no market took when liquidating
        self.refresh = ScoutRefresh(ctx, max_age_s=params.max_age_s, timeout_s=params.refresh_timeout_s,
                                    poll_s=params.wait_s)

    @property
    def ship(self) -> Ship:
        assert self._ship is not None, "ship read before use"
        return self._ship

    @property
    def here(self) -> str:
        return self.ship.nav.waypoint_symbol

    # -- the loop --------------------------------------------------------------------------

    async def run(self) -> None:
        ctx, p = self.ctx, self.p
        settled = await self.money.settle_open(p.ship_symbol)
        if settled is not None:
            ctx.log.info("Settled an open %s step: %s", settled.intent.kind,
                         "it happened" if settled.happened else "it did not happen")
        self.book = self.desk.book = TradeBook.from_state(await asyncio.to_thread(self._progress))
        if settled is not None and settled.happened and settled.entry is not None \
                and settled.intent.kind in (StepKind.PURCHASE, StepKind.SELL):
            # a fill the kill kept out of our progress: count it (the hold itself is read below)
            e = settled.entry
            side = "sell" if settled.intent.kind is StepKind.SELL else "buy"
            self.book.apply(side, e.good or "", e.units or 0, abs(e.total))
        for system in p.systems:  # the waypoint cache, filled from the API for a system never seen
            self.coords |= {w.symbol: (w.x, w.y) for w in await system_waypoints(ctx.db, ctx.api, system,
                                                                                  now=ctx.clock.now())}
        await self._sync()
        if self.ship.nav.system_symbol not in p.systems:
            raise TradeFailed(f"{p.ship_symbol} is in {self.ship.nav.system_symbol}, not in the run's systems "
                              f"{', '.join(p.systems)}: a run trades where its ship is (no jumps yet)")
        while not ctx.stopping:
            if set(self.book.cargo) - self.unsold and not await self._liquidate():
                return  # a restart, or a trip cut short: what the hold carries is sold before anything is bought
            if ctx.stopping or 0 <= p.trips <= self.book.trip:
                break
            allowance = (MAX_STOPS + 1) * REFUEL_ALLOWANCE * math.ceil(self.ship.fuel.capacity / 100)
            budget = min(p.max_spend - self.book.in_flight, (self.book.credits or 0) - p.reserve - allowance)
            plan = await self.planner.plan(self, budget) if budget > 0 else None
            if plan is not None and plan.data_age_s > p.max_age_s / 2:
                if await self._scouts_refreshed(s.waypoint for s in plan.stops):
                    plan = await self.planner.plan(self, budget)  # once: then it goes with what it has
                if ctx.stopping:
                    return
            if plan is None:
                if not await self._wait(budget):
                    return
                await self._sync()
                continue
            self.book.trip += 1
            self.book.plan = describe(plan)
            self.book.route = [self.ship.nav.waypoint_symbol, *(stop.waypoint for stop in plan.stops)]
            ctx.log.info("Trip %d: %s (expected profit %d, %.0f/h, data age %.0fs)", self.book.trip,
                         self.book.plan, plan.expected_profit, plan.profit_per_hour, plan.data_age_s)
            await self._follow(plan)
            await self._sync()
        ctx.log.info("Trade run done: %d trip(s), net %d from %d fill(s), %d guard breach(es)", self.book.trip,
                     self.book.sold - self.book.bought, self.book.fills, self.book.breaches)

    async def _follow(self, plan: TradePlan) -> None:
        # one refuel per leg at most (the stops, and the way on): kept above the reserve
        self.desk.fuel_allowance = (len(plan.stops) + 1) * REFUEL_ALLOWANCE * math.ceil(self.ship.fuel.capacity / 100)
        for stop in plan.stops:
            if self.ctx.stopping:
                return
            self.book.next_stop = stop.waypoint
            await self._save("flying")
            if not await self.go(stop.waypoint):
                return
            market = await self._docked_market(stop.waypoint)
            await self._save("trading")
            try:
                if not await self._trade(stop, market):
                    return  # a price past its limit: plan again from here (selling what is held first)
            except ApiError as exc:
                if not refused(exc):
                    raise  # an answer lost: the restart settles it
                self.ctx.log.warning("The game refused a trade at %s (%s): ending the trip", stop.waypoint, exc)
                return
        self.book.next_stop = None
        self.book.route = []

    async def _trade(self, stop: TradeStop, market: Market) -> bool:
        """The stop's actions in order; False when a quote crossed its limit (or a stop was asked)."""
        for action in stop.actions:
            side, limit = str(action.side).lower(), int(action.limit_unit_price)
            if side.endswith("sell"):
                market, _, whole = await self.desk.sell(market, action.good, action.units, limit)
            else:
                free = self.ship.cargo_capacity - sum(self.book.cargo.values())
                market, _, whole = await self.desk.buy(market, action.good, action.units, limit, free)
            if not whole or self.ctx.stopping:
                return False
        if stop.actions:
            await self.desk.read(stop.waypoint)  # the prices our fills left: the next plan starts from them
        return True

    async def _liquidate(self) -> bool:
        """Sell what the hold carries at the best known market for each good (restart, a trip
        cut short). A good no market takes stays aboard (tried once per run: no loop on it; the
        planner may still sell it on a later tour). False if a stop was asked."""
        for good, units in sorted(self.book.cargo.items(), key=lambda item: -item[1]):
            if good in self.unsold:
                continue
            outlet = await self.planner.outlet(self, good, units)
            if outlet is not None and await self._scouts_refreshed([outlet]):
                outlet = await self.planner.outlet(self, good, units)
            if self.ctx.stopping:
                return False
            if outlet is None:
                self.ctx.log.warning("No known market buys %s: %d unit(s) stay aboard", good, units)
                self.unsold.add(good)
                continue
            self.ctx.log.info("Selling what the hold carries: %d %s at %s", units, good, outlet)
            self.book.next_stop = outlet
            await self._save("liquidating")
            if not await self.go(outlet):
                return False
            market = await self._docked_market(outlet)
            _, sold, _ = await self.desk.sell(market, good, units, 0)
            if self.ctx.stopping:
                return False
            if sold == 0:
                self.ctx.log.warning("%s does not take %s after all: %d unit(s) stay aboard", outlet, good, units)
                self.unsold.add(good)
        self.book.next_stop = None
        return True

    async def _scouts_refreshed(self, waypoints: Iterable[str]) -> bool:
        """Old data for markets a scout tour visits: ask for it and wait (trade_refresh.py).
        True if it waited (the caller plans again); a stop shows in ctx.stopping."""
        stale = await self.refresh.stale(waypoints, self.here)
        if stale is None:
            return False
        await self._save("awaiting scouts")
        await self.refresh.wait(stale)
        return True

    async def _wait(self, budget: int) -> bool:
        """No plan clears the margin (or no budget): stay put until newer data arrives."""
        reason = "no plan clears the margin" if budget > 0 else f"no budget (credits {self.book.credits})"
        self.ctx.log.info("Waiting: %s", reason)
        await self._save("waiting")
        since = await asyncio.to_thread(self._newest_data)
        waited = 0.0
        while waited < max(WAIT_MAX_S, self.p.wait_s):
            if not await self.ctx.sleep(self.p.wait_s):
                return False
            waited += self.p.wait_s
            newest = await asyncio.to_thread(self._newest_data)
            if newest is not None and (since is None or newest > since):
                break
        return True

    # -- the ship --------------------------------------------------------------------------

    async def go(self, waypoint: str) -> bool:
        """Fly there along navigate's fuel-aware route; False if a stop was asked."""
        if self._ship is not None and self.here == waypoint and self.ship.nav.status != IN_TRANSIT:
            return True
        # CRUISE, as the planner prices the legs: BURN would halve the time and double the fuel it counted
        nav = Navigation(self.ctx, NavigateParams(self.p.ship_symbol, waypoint, ModeChoice.CRUISE))
        await nav.run()
        self._ship = nav.ship
        return not self.ctx.stopping and self.here == waypoint

    async def _docked_market(self, waypoint: str) -> Market:
        if self.ship.nav.status != DOCKED:
            nav = await self.ctx.api.dock(self.p.ship_symbol)
            self._ship = dataclasses.replace(self.ship, nav=nav)
            ship, now = self.ship, self.ctx.clock.now()

            def write() -> None:
                with self.ctx.db.transaction() as uow:
                    update_ship_nav(uow.session, self.ctx.player_id, ship.symbol, ship.nav, ship.fuel, now=now)

            await asyncio.to_thread(write)
        return await self.desk.read(waypoint)

    async def _sync(self) -> None:
        """The server's view: the ship (landed, if it was flying), its hold and the credits."""
        ship = await self.ctx.api.get_ship(self.p.ship_symbol)
        arrival = ship.nav.route.arrival
        if ship.nav.status == IN_TRANSIT and arrival is not None:
            seconds = (arrival - self.ctx.clock.now()).total_seconds()
            if seconds > 0 and not await self.ctx.sleep(seconds + ARRIVAL_SLOP_S):
                return
            ship = await self.ctx.api.get_ship(self.p.ship_symbol)
        self._ship = ship
        now = self.ctx.clock.now()

        def write() -> None:
            with self.ctx.db.transaction() as uow:
                store_ships(uow.session, self.ctx.player_id, [ship], now=now)

        await asyncio.to_thread(write)
        cargo = await self.ctx.api.get_cargo(self.p.ship_symbol)
        self.book.hold({i.symbol: i.units for i in cargo.inventory})
        self.book.credits = (await self.ctx.api.get_agent()).credits

    # -- persistence -----------------------------------------------------------------------

    async def _save(self, phase: str) -> None:
        self.book.phase = phase

        def write() -> None:
            with self.ctx.db.transaction() as uow:
                self.desk.save(uow)

        await asyncio.to_thread(write)

    def _progress(self) -> dict[str, Any] | None:
        with self.ctx.db.read() as session:
            return load_progress(session, self.ctx.player_id, self.p.run_id)

    def _newest_data(self) -> datetime | None:
        markets = list(self.coords)
        with self.ctx.db.read() as session:
            seen = last_updated(session, markets)
        return max(seen.values(), default=None)


def describe(plan: TradePlan) -> str:
    """'BUY 40 IRON @A1 -> SELL 40 IRON @B2' — what `container inspect` shows."""
    parts = []
    for stop in plan.stops:
        acts = ", ".join(f"{str(a.side).split('.')[-1].upper()} {a.units} {a.good}" for a in stop.actions)
        parts.append(f"{stop.waypoint}: {acts}" if acts else stop.waypoint)
    return " -> ".join(parts)
