"""`ScoutTourCommand`: one ship keeps visiting its markets and stores what it reads.

The loop starts where the ship is (or is heading: a restarted tour resumes at the
destination of the flight in progress), goes round the markets in their planned order,
and per market: flies there (orbit if docked, fastest flight mode the fuel allows,
refuelling first where fuel is sold and the leg needs it), sleeps until arrival (stop-
aware), reads the market and stores the snapshot. A market read within `min_interval`
is skipped. A pending refresh request (a trader needs fresher prices; persistence/
refresh_requests.py) for a market of the tour makes it the next one visited, whatever its
age, and the loop goes on from there; a resting tour wakes for one. Errors of one market
are logged and the tour moves on; only a run of `MAX_CONSECUTIVE_FAILURES` failed markets,
or a rejected token, fails the container so that the supervisor restarts it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spacetraders.api.errors import (
    AlreadyAtDestinationError,
    ApiError,
    AuthError,
    InsufficientFuelError,
    InTransitError,
    NotFoundError,
)
from spacetraders.api.models import Fuel, Market, NavigateResult, Ship, ShipNav
from spacetraders.api.ratelimit import Priority, set_priority
from spacetraders.domain.navigation import (
    FlightMode,
    Point,
    distance,
    fastest_mode,
    fuel_cost,
)
from spacetraders.operations.base import ContainerContext
from spacetraders.operations.registry import register
from spacetraders.persistence.markets import (
    known_fuel_sellers,
    last_updated,
    store_market_snapshot,
)
from spacetraders.persistence.refresh_requests import pending_requests
from spacetraders.persistence.universe import (
    list_waypoints,
    store_ships,
    store_system_waypoints,
    update_ship_nav,
)

COMMAND_TYPE = "ScoutTourCommand"
MAX_CONSECUTIVE_FAILURES = 3
# The server's arrival time and ours can differ by about a second (NOTES.md §4).
ARRIVAL_SLOP_S = 1.0
MARKET_READ_ATTEMPTS = 3
# A tour whose ship never has to move (one market) would otherwise re-read it as fast as the
# rate limit allows; between such passes it rests at least this long.
STATIONARY_REST_S = 60.0
# While resting, look for traders' refresh requests this often (one small DB read).
REQUEST_POLL_S = 30.0
FUEL = "FUEL"
IN_TRANSIT, IN_ORBIT, DOCKED = "IN_TRANSIT", "IN_ORBIT", "DOCKED"


class TourFailed(RuntimeError):
    """The tour cannot make progress; the supervisor's restart policy takes over."""


@dataclass(frozen=True)
class TourParams:
    ship_symbol: str
    system: str
    markets: tuple[str, ...]
    iterations: int = -1  # -1: until stopped
    min_interval: float = 300.0
    start_delay: float = 0.0

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> TourParams:
        try:
            tour = cls(
                ship_symbol=str(params["ship_symbol"]),
                system=str(params["system"]),
                markets=tuple(str(m) for m in params["markets"]),
                iterations=int(params.get("iterations", -1)),
                min_interval=float(params.get("min_interval", 300)),
                start_delay=float(params.get("start_delay", 0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bad ScoutTourCommand params: {exc}") from None
        if not tour.markets:
            raise ValueError("bad ScoutTourCommand params: no markets")
        if tour.iterations == 0 or tour.iterations < -1:
            raise ValueError("bad ScoutTourCommand params: iterations must be -1 or at least 1")
        return tour


def start_index(markets: Sequence[str], coords: dict[str, Point], here: str) -> int:
    """Where a (re)started tour begins: at `here` if it is a tour market, else the nearest one."""
    if here in markets:
        return markets.index(here)
    if here not in coords:
        return 0
    return min(range(len(markets)), key=lambda i: (distance(coords[here], coords[markets[i]]), i))


@register(COMMAND_TYPE)
async def run_scout_tour(ctx: ContainerContext) -> None:
    set_priority(Priority.SCOUTING)  # this container's task only: tours yield the budget to everyone else
    await ScoutTour(ctx, TourParams.from_params(ctx.params)).run()


class ScoutTour:
    def __init__(self, ctx: ContainerContext, params: TourParams) -> None:
        self.ctx = ctx
        self.p = params
        self.ship: Ship | None = None  # None: unknown, read it before acting
        self.coords: dict[str, Point] = {}
        self.sells_fuel: dict[str, bool] = {}  # per waypoint, from stored data and the markets we read
        self.flights = 0
        self.unservable: set[str] = set()  # markets whose requested visit failed: requests for them are ignored

    # -- the loop ------------------------------------------------------------------------

    async def run(self) -> None:
        ctx, p = self.ctx, self.p
        if p.start_delay > 0 and ctx.restart_count == 0 and not await ctx.sleep(p.start_delay):
            return
        self.coords = await self._coordinates()
        missing = [m for m in p.markets if m not in self.coords]
        if missing:
            raise TourFailed(f"markets not in system {p.system}: {', '.join(missing)}")
        self.sells_fuel = await asyncio.to_thread(self._known_fuel_sellers)
        await self._refresh_ship()
        # In flight: wait and resume where it was heading (after a restart, not from the start).
        if not await self._wait_for_arrival():
            return
        order = self._rotated(self._current().nav.waypoint_symbol)
        ctx.log.info("Scout tour of %d market(s) in %s starting at %s", len(order), p.system, order[0])

        iteration, failures, at = 0, 0, 0  # `at`: the index in `order` of the next market
        while p.iterations == -1 or iteration < p.iterations:
            iteration += 1
            worked, flights_before = False, self.flights
            for i in range(1, len(order) + 1):
                if ctx.stopping:
                    return
                # A trader's refresh request for one of our markets goes first; the loop then
                # carries on from that market (persistence/refresh_requests.py).
                requested = await self._requested(order)
                if requested is not None:
                    at = order.index(requested[0])
                    ctx.log.info("Refresh requested for market %s (%.0fs ago): visiting it next",
                                 requested[0], (ctx.clock.now() - requested[1]).total_seconds())
                market, at = order[at], (at + 1) % len(order)
                try:
                    due_in = 0.0 if requested else await self._seconds_until_due(market)
                    if due_in > 0:
                        ctx.log.info("Skipping market %d/%d: %s (read recently, due in %.0fs)",
                                     i, len(order), market, due_in)
                        continue
                    ctx.log.info("Visiting market %d/%d: %s", i, len(order), market)
                    worked = True
                    if not await self._visit(market):
                        return  # stop requested while waiting
                    failures = 0
                except AuthError:
                    raise
                except (ApiError, TourFailed, ValueError) as exc:
                    failures += 1
                    self.ship = None  # our view may be stale: read the ship again
                    if requested:
                        self.unservable.add(market)  # not again this run: a request must not pin the tour
                    ctx.log.warning("Market %s failed (%d in a row): %s", market, failures, exc)
                    if failures >= MAX_CONSECUTIVE_FAILURES:
                        raise TourFailed(f"{failures} markets failed in a row; last: {market}: {exc}") from exc
            if not worked and not await self._rest_until_next_due(order):
                return
            last = p.iterations != -1 and iteration >= p.iterations
            if worked and self.flights == flights_before and not last and not await self._rest(order, STATIONARY_REST_S):
                return
        ctx.log.info("Scout tour finished %d iteration(s)", iteration)

    async def _visit(self, market: str) -> bool:
        if not await self._travel_to(market):
            return False
        snapshot = await self._read_market(market)
        goods = await asyncio.to_thread(self._store, snapshot)
        self.ctx.log.info("Stored market %s: %d goods", market, goods)
        return True

    # -- flying --------------------------------------------------------------------------

    async def _travel_to(self, market: str) -> bool:
        ship = self.ship or await self._refresh_ship()
        if ship.nav.status == IN_TRANSIT:
            if not await self._wait_for_arrival():
                return False
            ship = self._current()
        if ship.nav.waypoint_symbol == market:
            return True
        if ship.nav.status == DOCKED:
            await self._apply_nav(await self.ctx.api.orbit(ship.symbol))
        mode = await self._choose_mode(ship.nav.waypoint_symbol, market)
        try:
            result = await self._navigate(market, mode)
        except AlreadyAtDestinationError:
            self._set_nav(dataclasses.replace(self._current().nav, waypoint_symbol=market, status=IN_ORBIT))
            return True
        except InTransitError as exc:
            # The ship was already flying (our view was stale): wait, then go on from there.
            if not await self.ctx.sleep((exc.seconds_to_arrival or 1.0) + ARRIVAL_SLOP_S):
                return False
            await self._refresh_ship()
            return await self._travel_to(market)
        self.flights += 1
        await self._save_ship_nav(result.nav, result.fuel)
        return await self._wait_for_arrival()

    async def _navigate(self, market: str, mode: FlightMode) -> NavigateResult:
        ship = self._current()
        if ship.nav.flight_mode != mode:
            self._set_nav(await self.ctx.api.set_flight_mode(ship.symbol, mode))
        try:
            result = await self.ctx.api.navigate(ship.symbol, market)
        except InsufficientFuelError:
            # Our fuel figure was wrong: fall back to the slowest mode rather than strand the ship.
            ship = await self._refresh_ship()
            if ship.fuel.current < 1 or mode is FlightMode.DRIFT:
                raise TourFailed(f"{ship.symbol} has no fuel for {market} and none is sold here") from None
            self._set_nav(await self.ctx.api.set_flight_mode(ship.symbol, FlightMode.DRIFT))
            result = await self.ctx.api.navigate(ship.symbol, market)
        self.ship = dataclasses.replace(self._current(), nav=result.nav, fuel=result.fuel)
        return result

    async def _choose_mode(self, here: str, there: str) -> FlightMode:
        """The fastest mode; refuel here first when fuel is sold and the leg needs it."""
        ship = self._current()
        capacity = ship.fuel.capacity  # 0 for probes: every mode is free, so the fastest wins
        dist = distance(self.coords[here], self.coords[there])
        best_full = fastest_mode(dist, capacity, capacity) or FlightMode.DRIFT
        short = capacity > 0 and fuel_cost(dist, best_full, capacity) > ship.fuel.current
        if short and await self._sells_fuel(here):
            await self._refuel()
            ship = self._current()
        mode = fastest_mode(dist, ship.fuel.current, capacity)
        if mode is None:
            raise TourFailed(f"{ship.symbol} cannot reach {there} even drifting and {here} sells no fuel")
        return mode

    async def _sells_fuel(self, waypoint: str) -> bool:
        if waypoint not in self.sells_fuel:
            try:
                self.sells_fuel[waypoint] = _sells_fuel(await self.ctx.api.get_market(self.p.system, waypoint))
            except NotFoundError:  # no market there at all
                self.sells_fuel[waypoint] = False
        return self.sells_fuel[waypoint]

    async def _refuel(self) -> None:
        api, symbol = self.ctx.api, self._current().symbol
        await self._apply_nav(await api.dock(symbol))
        refuel = await api.refuel(symbol)
        self.ship = dataclasses.replace(self._current(), fuel=refuel.fuel)
        self.ctx.log.info("Refuelled %s at %s: %d/%d (%d credits)", symbol, self._current().nav.waypoint_symbol,
                          refuel.fuel.current, refuel.fuel.capacity, refuel.price)
        await self._apply_nav(await api.orbit(symbol))

    async def _wait_for_arrival(self) -> bool:
        """Sleep until the current flight lands (stop-aware); the ship is then in orbit there."""
        nav = self._current().nav
        if nav.status != IN_TRANSIT:
            return True
        arrival = nav.route.arrival
        if arrival is not None:
            seconds = (arrival - self.ctx.clock.now()).total_seconds()
            if seconds > 0 and not await self.ctx.sleep(seconds + ARRIVAL_SLOP_S):
                return False
        await self._save_ship_nav(dataclasses.replace(nav, status=IN_ORBIT), None)
        return True

    # -- markets -------------------------------------------------------------------------

    async def _read_market(self, market: str) -> Market:
        """Read with prices; the server may not see us there for a moment after arrival."""
        for attempt in range(1, MARKET_READ_ATTEMPTS + 1):
            snapshot = await self.ctx.api.get_market(self.p.system, market)
            if snapshot.trade_goods:
                self.sells_fuel[market] = _sells_fuel(snapshot)
                return snapshot
            if attempt < MARKET_READ_ATTEMPTS and not await self.ctx.sleep(ARRIVAL_SLOP_S * attempt):
                break
        raise TourFailed(f"market {market} shows no prices: the ship does not seem to be there")

    def _store(self, snapshot: Market) -> int:
        now = self.ctx.clock.now()
        with self.ctx.db.transaction() as uow:
            goods = store_market_snapshot(uow.session, snapshot, player_id=self.ctx.player_id, now=now)
            ship = self._current()
            update_ship_nav(uow.session, self.ctx.player_id, ship.symbol, ship.nav, ship.fuel, now=now)
        return goods

    async def _seconds_until_due(self, market: str) -> float:
        if self.p.min_interval <= 0:
            return 0.0
        seen = await asyncio.to_thread(self._last_updated, [market])
        if market not in seen:
            return 0.0
        return self.p.min_interval - (self.ctx.clock.now() - seen[market]).total_seconds()

    async def _rest_until_next_due(self, order: Sequence[str]) -> bool:
        """Every market was fresh: sleep until the first one is due instead of spinning."""
        seen = await asyncio.to_thread(self._last_updated, order)
        now = self.ctx.clock.now()
        waits = [self.p.min_interval - (now - seen[m]).total_seconds() if m in seen else 0.0 for m in order]
        seconds = max(1.0, math.ceil(min(waits)))
        self.ctx.log.info("All %d market(s) are fresh; next due in %.0fs", len(order), seconds)
        return await self._rest(order, seconds)

    async def _rest(self, order: Sequence[str], seconds: float) -> bool:
        """Sleep (stop-aware), waking early when a refresh request names one of our markets."""
        while seconds > 0:
            step = min(seconds, REQUEST_POLL_S)
            if not await self.ctx.sleep(step):
                return False
            seconds -= step
            if seconds > 0 and await self._requested(order) is not None:
                break
        return True

    async def _requested(self, order: Sequence[str]) -> tuple[str, datetime] | None:
        """The tour market a pending refresh request asked for longest ago, and when, if any."""
        pending = await asyncio.to_thread(self._pending, order)
        candidates = sorted((at, m) for m, at in pending.items() if m not in self.unservable)
        return (candidates[0][1], candidates[0][0]) if candidates else None

    def _pending(self, markets: Sequence[str]) -> dict[str, datetime]:
        with self.ctx.db.read() as session:
            return pending_requests(session, self.ctx.player_id, markets)

    def _known_fuel_sellers(self) -> dict[str, bool]:
        with self.ctx.db.read() as session:
            return known_fuel_sellers(session, self.p.markets)

    def _last_updated(self, markets: Sequence[str]) -> dict[str, datetime]:
        with self.ctx.db.read() as session:
            return last_updated(session, markets)

    # -- the ship and the map --------------------------------------------------------------

    def _rotated(self, here: str) -> list[str]:
        markets = list(self.p.markets)
        first = start_index(markets, self.coords, here)
        return markets[first:] + markets[:first]

    def _current(self) -> Ship:
        assert self.ship is not None, "ship state read before use"
        return self.ship

    async def _refresh_ship(self) -> Ship:
        ship = await self.ctx.api.get_ship(self.p.ship_symbol)
        if ship.nav.system_symbol != self.p.system:
            raise TourFailed(f"{ship.symbol} is in {ship.nav.system_symbol}, not in {self.p.system}")
        self.ship = ship
        await asyncio.to_thread(self._store_ship, ship)
        return ship

    def _store_ship(self, ship: Ship) -> None:
        with self.ctx.db.transaction() as uow:
            store_ships(uow.session, self.ctx.player_id, [ship], now=self.ctx.clock.now())

    def _set_nav(self, nav: ShipNav) -> None:
        self.ship = dataclasses.replace(self._current(), nav=nav)

    async def _apply_nav(self, nav: ShipNav) -> None:
        await self._save_ship_nav(nav, None)

    async def _save_ship_nav(self, nav: ShipNav, fuel: Fuel | None) -> None:
        ship = self._current()
        self.ship = dataclasses.replace(ship, nav=nav, fuel=fuel or ship.fuel)
        current = self.ship

        def write() -> None:
            with self.ctx.db.transaction() as uow:
                update_ship_nav(uow.session, self.ctx.player_id, current.symbol, current.nav, current.fuel,
                                now=self.ctx.clock.now())

        await asyncio.to_thread(write)

    async def _coordinates(self) -> dict[str, Point]:
        """Waypoint coordinates from the cache; filled from the API if the cache lacks the system."""

        def cached() -> dict[str, Point]:
            with self.ctx.db.read() as session:
                return {w.waypoint_symbol: Point(w.x, w.y) for w in list_waypoints(session, self.p.system)}

        coords = await asyncio.to_thread(cached)
        if all(m in coords for m in self.p.markets):
            return coords
        system = await self.ctx.api.get_system(self.p.system)
        waypoints = await self.ctx.api.list_waypoints(self.p.system)

        def store() -> None:
            with self.ctx.db.transaction() as uow:
                store_system_waypoints(uow.session, system, waypoints, now=self.ctx.clock.now())

        await asyncio.to_thread(store)
        return {w.symbol: Point(w.x, w.y) for w in waypoints}


def _sells_fuel(market: Market) -> bool:
    """Fuel can be bought where it is exported or exchanged (imports are bought from us)."""
    priced = {g.symbol for g in market.trade_goods if g.type in ("EXPORT", "EXCHANGE")}
    return FUEL in priced or FUEL in market.exports + market.exchange
