"""`NavigateCommand`: fly one ship to a destination along the quickest fuel-aware route.

Every start (first run, restart, recovery) reads the ship, waits for a flight in progress
to land, and plans again from where the ship really is: a restarted navigation resumes
from its current position and never repeats a leg or a jump already made (the server's
nav state, not our progress, says what was done). Legs run one by one: refuel first where
the plan says so (dock, refuel, orbit; only the fuel the route needs up to its next refuel
stop, in whole market units: `domain/refuel_plan.py`), set the leg's flight mode, navigate, sleep until
arrival (stop-aware); a jump waits out the reactor cooldown first. A leg the server refuses
for fuel or cooldown reasons triggers a fresh plan; a few such re-plans in a row fail the
container and the supervisor's restart policy takes over.

Refuels and jumps spend credits: they live in `_refuel` and `_jump` only and go through
`MoneySteps` (intent before the call; ledger row, intent and the ship's new nav and fuel in one
transaction after it), and every start first settles a step a crash left unrecorded.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from typing import Any

from spacetraders.api.errors import (
    AlreadyAtDestinationError,
    CooldownError,
    InsufficientFuelError,
    InTransitError,
    NotFoundError,
)
from spacetraders.api.models import Fuel, RefuelResult, Ship, ShipNav
from spacetraders.domain.navigation import FlightMode
from spacetraders.domain.refuel_plan import refuel_units
from spacetraders.domain.routing import JUMP, Leg, ModeChoice, Route, Unreachable
from spacetraders.operations.base import ContainerContext
from spacetraders.operations.money_steps import MoneySteps, StepIntent, StepKind
from spacetraders.operations.registry import register
from spacetraders.operations.route_data import plan_for_ship
from spacetraders.persistence.ledger import LedgerEntry
from spacetraders.persistence.ledger_entries import entry_for_jump, entry_for_refuel
from spacetraders.persistence.unit_of_work import UnitOfWork
from spacetraders.persistence.universe import store_ships, update_ship_nav

COMMAND_TYPE = "NavigateCommand"
MAX_REPLANS = 3
ARRIVAL_SLOP_S = 1.0  # the server's arrival time and ours differ by about a second
IN_TRANSIT, IN_ORBIT, DOCKED = "IN_TRANSIT", "IN_ORBIT", "DOCKED"


class NavigationFailed(RuntimeError):
    """The ship cannot get there now; the supervisor's restart policy takes over."""


@dataclass(frozen=True)
class NavigateParams:
    ship_symbol: str
    destination: str
    mode: ModeChoice = ModeChoice.AUTO

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> NavigateParams:
        try:
            return cls(str(params["ship_symbol"]), str(params["destination"]), ModeChoice(params.get("mode", "auto")))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bad NavigateCommand params: {exc}") from None


@register(COMMAND_TYPE)
async def run_navigate(ctx: ContainerContext) -> None:
    await Navigation(ctx, NavigateParams.from_params(ctx.params)).run()


class Navigation:
    def __init__(self, ctx: ContainerContext, params: NavigateParams) -> None:
        self.ctx = ctx
        self.p = params
        self._ship: Ship | None = None
        self.money = MoneySteps(ctx)

    @property
    def ship(self) -> Ship:
        assert self._ship is not None, "ship read before use"
        return self._ship

    async def run(self) -> None:
        ctx, p = self.ctx, self.p
        await self.money.settle_open(p.ship_symbol)  # a refuel or jump a crash left unrecorded
        for attempt in range(1, MAX_REPLANS + 1):
            await self._refresh()
            if not await self._land():
                return
            if self.ship.nav.waypoint_symbol == p.destination:
                ctx.log.info("Arrived: %s is at %s", p.ship_symbol, p.destination)
                return
            route = await self._plan()
            ctx.log.info("Route %s -> %s: %d leg(s), %d jump(s), %d refuel(s), ~%ds (plan %d)", route.origin,
                         route.destination, len(route.legs), route.jumps, route.refuels, route.seconds, attempt)
            try:
                for i, leg in enumerate(route.legs):
                    if ctx.stopping:
                        return
                    ctx.log.info("Leg %d/%d: %s %s -> %s%s", i + 1, len(route.legs), leg.kind, leg.origin,
                                 leg.destination, f" ({leg.mode})" if leg.mode else "")
                    if not await (self._jump(leg) if leg.kind == JUMP else self._fly(route, i)):
                        return
            except (InsufficientFuelError, CooldownError, InTransitError, AlreadyAtDestinationError) as exc:
                ctx.log.warning("Leg refused (%s); planning again from where the ship is", exc)
                if not await ctx.sleep(ARRIVAL_SLOP_S):
                    return
                continue
            if self.ship.nav.waypoint_symbol == p.destination:
                ctx.log.info("Arrived: %s is at %s", p.ship_symbol, p.destination)
                return
        raise NavigationFailed(f"{p.ship_symbol} did not reach {p.destination} after {MAX_REPLANS} plans")

    async def _plan(self) -> Route:
        try:
            return await plan_for_ship(self.ctx.db, self.ctx.api, self.ship, self.p.destination, self.p.mode,
                                       now=self.ctx.clock.now())
        except Unreachable as exc:
            raise NavigationFailed(f"cannot reach {self.p.destination}: {exc}") from None

    # -- legs ------------------------------------------------------------------------------

    async def _fly(self, route: Route, i: int) -> bool:
        api, symbol, leg = self.ctx.api, self.p.ship_symbol, route.legs[i]
        units = refuel_units(route, i, self.ship.fuel.current, self.ship.fuel.capacity)
        if units:
            await self._refuel(units)
        if self.ship.nav.status == DOCKED:
            await self._save(await api.orbit(symbol))
        mode = FlightMode(leg.mode or FlightMode.CRUISE)
        if self.ship.nav.flight_mode != mode:
            await self._save(await api.set_flight_mode(symbol, mode))
        result = await api.navigate(symbol, leg.destination)

        def write() -> None:
            with self.ctx.db.transaction() as uow:
                self._store(uow, nav=result.nav, fuel=result.fuel)

        await asyncio.to_thread(write)
        return await self._land()

    async def _refuel(self, units: int) -> None:
        """Buy `units` of tank (the route's need to its next refuel stop, `refuel_plan`)."""
        api, symbol = self.ctx.api, self.p.ship_symbol
        await self._save(await api.dock(symbol))
        waypoint = self.ship.nav.waypoint_symbol

        def entry(refuel: RefuelResult) -> LedgerEntry:
            return entry_for_refuel(refuel, player_id=self.ctx.player_id, ship_symbol=symbol, at=self.ctx.clock.now(),
                                    container_id=self.ctx.container_id, waypoint_symbol=waypoint)

        refuel = await self.money.run(
            StepIntent(StepKind.REFUEL, symbol, good="FUEL", waypoint_symbol=waypoint),
            lambda: api.refuel(symbol, units=units), entry, also=lambda uow, r: self._store(uow, fuel=r.fuel))
        self.ctx.log.info("Refuelled at %s: %d/%d fuel for %d credits (credits after: %d)",
                          self.ship.nav.waypoint_symbol, refuel.fuel.current, refuel.fuel.capacity,
                          refuel.price, refuel.credits)
        await self._save(await api.orbit(symbol))

    async def _jump(self, leg: Leg) -> bool:
        api, symbol = self.ctx.api, self.p.ship_symbol
        if self.ship.nav.status == DOCKED:
            await self._save(await api.orbit(symbol))
        cooldown = await api.get_cooldown(symbol)
        if cooldown is not None and cooldown.remaining_seconds > 0:
            self.ctx.log.info("Waiting %ds for the jump cooldown", cooldown.remaining_seconds)
            if not await self.ctx.sleep(cooldown.remaining_seconds + ARRIVAL_SLOP_S):
                return False
        result = await self.money.run(
            StepIntent(StepKind.JUMP, symbol, good="ANTIMATTER", waypoint_symbol=leg.origin, reference=leg.destination),
            lambda: api.jump(symbol, leg.destination),
            lambda r: entry_for_jump(player_id=self.ctx.player_id, at=self.ctx.clock.now(), ship_symbol=symbol,
                                     fee=r.fee, credits_after=r.agent.credits, destination=leg.destination,
                                     container_id=self.ctx.container_id),
            also=lambda uow, r: self._store(uow, nav=r.nav))
        self.ctx.log.info("Jumped %s -> %s for %d credits (credits after: %d)", leg.origin, leg.destination,
                          result.fee, result.agent.credits)
        return True

    async def _land(self) -> bool:
        """Sleep until the flight in progress lands (stop-aware); the ship is then in orbit."""
        nav = self.ship.nav
        if nav.status != IN_TRANSIT:
            return True
        if nav.route.arrival is not None:
            seconds = (nav.route.arrival - self.ctx.clock.now()).total_seconds()
            self.ctx.log.info("In transit to %s: %.0fs to arrival", nav.waypoint_symbol, max(0.0, seconds))
            if seconds > 0 and not await self.ctx.sleep(seconds + ARRIVAL_SLOP_S):
                return False
        await self._save(dataclasses.replace(nav, status=IN_ORBIT))
        return True

    # -- the ship --------------------------------------------------------------------------

    async def _refresh(self) -> None:
        try:
            ship = await self.ctx.api.get_ship(self.p.ship_symbol)
        except NotFoundError:
            raise NavigationFailed(f"ship {self.p.ship_symbol} is not this player's") from None
        self._ship = ship

        def write() -> None:
            with self.ctx.db.transaction() as uow:
                store_ships(uow.session, self.ctx.player_id, [ship], now=self.ctx.clock.now())

        await asyncio.to_thread(write)

    async def _save(self, nav: ShipNav) -> None:
        """Store the ship's nav (no money moved: money steps store through `_store` in their own write)."""

        def write() -> None:
            with self.ctx.db.transaction() as uow:
                self._store(uow, nav=nav)

        await asyncio.to_thread(write)

    def _store(self, uow: UnitOfWork, nav: ShipNav | None = None, fuel: Fuel | None = None) -> None:
        self._ship = dataclasses.replace(self.ship, nav=nav or self.ship.nav, fuel=fuel or self.ship.fuel)
        update_ship_nav(uow.session, self.ctx.player_id, self.ship.symbol, self.ship.nav, self.ship.fuel,
                        now=self.ctx.clock.now())
