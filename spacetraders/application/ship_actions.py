"""One-off ship actions (orbit, dock, refuel, flight mode, cargo, jettison, buy, sell) and
the one-driver rule they share with every other entry point.

A ship whose active assignment points at a live container is driven by it: any action
that changes the ship is refused, naming the container (`driving_container`,
`refuse_if_driven`). Inputs are checked before anything is read or written: units are
whole numbers from 1 to 2^63-1 (no NaN, infinity, sign or fraction). Actions that move
credits (refuel, buy, sell) report the agent's credits after and record a ledger entry in
the transaction that stores the step's outcome.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from spacetraders.api.client import SpaceTradersClient
from spacetraders.api.errors import NotFoundError
from spacetraders.api.models import Fuel, Ship, ShipNav
from spacetraders.api.trade_models import Cargo, TradeResult
from spacetraders.application.ledger import LedgerEntry, entry_for_refuel, entry_for_trade, record_entry
from spacetraders.domain.containers import LIVE_STATUSES
from spacetraders.domain.navigation import FlightMode
from spacetraders.domain.numbers import INT64_MAX, NotWholeNumber, OutOfRange, whole_number
from spacetraders.errors import ConfigError, NotFound, SpacetradersError
from spacetraders.persistence.assignments import ACTIVE
from spacetraders.persistence.database import Database
from spacetraders.persistence.unit_of_work import UnitOfWork
from spacetraders.persistence.universe import store_ships, update_ship_nav

T = TypeVar("T")
_GOOD = re.compile(r"^[A-Z][A-Z0-9_]*$")
FLIGHT_MODES = tuple(m.value for m in FlightMode)


class ShipDriven(SpacetradersError):
    """A live container drives the ship: one driver per ship, always."""

    def __init__(self, ship_symbol: str, driver: Driver, hint: str = "") -> None:
        self.ship_symbol, self.driver = ship_symbol, driver
        super().__init__(
            f"ship {ship_symbol} is driven by container {driver.container_id} ({driver.command_type}, {driver.status}): "
            f"stop it first: `spacetraders container stop {driver.container_id}`{hint}"
        )


@dataclass(frozen=True)
class Driver:
    container_id: str
    status: str
    command_type: str


def driving_container(db: Database, player_id: int, ship_symbol: str) -> Driver | None:
    """The live container holding the ship through its active assignment, if any."""
    with db.read() as session:
        uow = UnitOfWork(session)
        assignment = uow.assignments.get(player_id, ship_symbol)
        if assignment is None or assignment.status != ACTIVE or assignment.container_id is None:
            return None
        container = uow.containers.get(assignment.container_id)
        if container is None or container.status not in LIVE_STATUSES:
            return None
        return Driver(container.container_id, container.status, container.command_type)


def refuse_if_driven(db: Database, player_id: int, ship_symbol: str) -> None:
    driver = driving_container(db, player_id, ship_symbol)
    if driver is not None:
        raise ShipDriven(ship_symbol, driver)


# -- input ------------------------------------------------------------------------------------


def parse_units(raw: object, name: str = "units") -> int:
    """A whole number of units, 1..2^63-1; anything else is one clear line."""
    text = str(raw).strip()
    try:
        return whole_number(text, 1, signed=False)
    except NotWholeNumber:
        raise ConfigError(f"{name} must be a whole number from 1 to {INT64_MAX}, not {_short(text)!r}") from None
    except OutOfRange:
        raise ConfigError(f"{name} must be a whole number from 1 to {INT64_MAX}, not {_short(text)}") from None


def parse_good(raw: str) -> str:
    good = raw.strip().upper()
    if not _GOOD.match(good) or len(good) > 64:
        raise ConfigError(f"malformed trade good {_short(raw)!r} (expected e.g. IRON_ORE)")
    return good


def parse_flight_mode(raw: str) -> FlightMode:
    mode = raw.strip().upper()
    if mode not in FLIGHT_MODES:
        raise ConfigError(f"unknown flight mode {_short(raw)!r} (one of {', '.join(FLIGHT_MODES)})")
    return FlightMode(mode)


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:10]}...{text[-6:]} ({len(text)} characters)"


# -- actions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShipAction:
    """What a one-off action produced; `credits` is set for every action that moved credits."""

    ship_symbol: str
    action: str
    nav: ShipNav | None = None
    fuel: Fuel | None = None
    cargo: Cargo | None = None
    credits: int | None = None
    transaction: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ship": self.ship_symbol, "action": self.action}
        if self.nav is not None:
            out["nav"] = {"system": self.nav.system_symbol, "waypoint": self.nav.waypoint_symbol,
                          "status": self.nav.status, "flight_mode": self.nav.flight_mode}
        if self.fuel is not None:
            out["fuel"] = {"current": self.fuel.current, "capacity": self.fuel.capacity}
        if self.cargo is not None:
            out["cargo"] = {"units": self.cargo.units, "capacity": self.cargo.capacity,
                            "inventory": [{"symbol": i.symbol, "units": i.units} for i in self.cargo.inventory]}
        if self.transaction is not None:
            out["transaction"] = self.transaction
        if self.credits is not None:
            out["credits_after"] = self.credits
        return out


class ShipActions:
    """The actions for one player; each checks the one-driver rule first (reads excepted)."""

    def __init__(self, db: Database, api: SpaceTradersClient, player_id: int, *, now: datetime) -> None:
        self.db, self.api, self.player_id, self.now = db, api, player_id, now

    async def orbit(self, ship: str) -> ShipAction:
        nav = await self._acting(ship, lambda: self.api.orbit(ship))
        await self._store_nav(ship, nav, None)
        return ShipAction(ship, "orbit", nav=nav)

    async def dock(self, ship: str) -> ShipAction:
        nav = await self._acting(ship, lambda: self.api.dock(ship))
        await self._store_nav(ship, nav, None)
        return ShipAction(ship, "dock", nav=nav)

    async def flight_mode(self, ship: str, mode: FlightMode) -> ShipAction:
        nav = await self._acting(ship, lambda: self.api.set_flight_mode(ship, mode))
        await self._store_nav(ship, nav, None)
        return ShipAction(ship, "flight-mode", nav=nav)

    async def refuel(self, ship: str, units: int | None = None) -> ShipAction:
        result = await self._acting(ship, lambda: self.api.refuel(ship, units))
        # The ship as it is now and the fuel bill land in one transaction.
        current = await self._read_ship(ship, entry=lambda s: entry_for_refuel(
            result, player_id=self.player_id, ship_symbol=ship, at=self.now, waypoint_symbol=s.nav.waypoint_symbol))
        return ShipAction(ship, "refuel", nav=current.nav, fuel=result.fuel, credits=result.credits,
                          transaction={"type": "PURCHASE", "trade_symbol": "FUEL", "units": result.units,
                                       "total_price": result.price})

    async def cargo(self, ship: str) -> ShipAction:
        await self._read_ship(ship)  # a ship of another player is "not found" here, before anything else
        return ShipAction(ship, "cargo", cargo=await self.api.get_cargo(ship))

    async def jettison(self, ship: str, good: str, units: int) -> ShipAction:
        cargo = await self._acting(ship, lambda: self.api.jettison(ship, good, units))
        return ShipAction(ship, "jettison", cargo=cargo)

    async def buy(self, ship: str, good: str, units: int) -> ShipAction:
        result = await self._acting(ship, lambda: self.api.purchase_cargo(ship, good, units))
        await self._record(entry_for_trade(result, player_id=self.player_id, at=self.now))
        return _trade(ship, "buy", result)

    async def sell(self, ship: str, good: str, units: int) -> ShipAction:
        result = await self._acting(ship, lambda: self.api.sell_cargo(ship, good, units))
        await self._record(entry_for_trade(result, player_id=self.player_id, at=self.now))
        return _trade(ship, "sell", result)

    # -- helpers -------------------------------------------------------------------------

    async def _acting(self, ship: str, call: Callable[[], Awaitable[T]]) -> T:
        """Refuse a driven ship (before any API call), then make the call."""
        await asyncio.to_thread(refuse_if_driven, self.db, self.player_id, ship)
        try:
            return await call()
        except NotFoundError:
            raise NotFound(f"ship {ship} not found among this player's ships") from None

    async def _read_ship(self, ship: str, entry: Callable[[Ship], LedgerEntry] | None = None) -> Ship:
        """Read and store the ship; `entry` (a credit change) is recorded in the same transaction."""
        try:
            current = await self.api.get_ship(ship)
        except NotFoundError:
            raise NotFound(f"ship {ship} not found among this player's ships") from None

        def write() -> None:
            with self.db.transaction() as uow:
                store_ships(uow.session, self.player_id, [current], now=self.now)
                if entry is not None:
                    record_entry(uow, entry(current))

        await asyncio.to_thread(write)
        return current

    async def _record(self, entry: LedgerEntry) -> None:
        def write() -> None:
            with self.db.transaction() as uow:
                record_entry(uow, entry)

        await asyncio.to_thread(write)

    async def _store_nav(self, ship: str, nav: ShipNav, fuel: Fuel | None) -> None:
        def write() -> None:
            with self.db.transaction() as uow:
                update_ship_nav(uow.session, self.player_id, ship, nav, fuel, now=self.now)

        await asyncio.to_thread(write)


def _trade(ship: str, action: str, result: TradeResult) -> ShipAction:
    t = result.transaction
    return ShipAction(ship, action, cargo=result.cargo, credits=result.agent.credits, transaction={
        "type": t.type, "trade_symbol": t.trade_symbol, "units": t.units, "price_per_unit": t.price_per_unit,
        "total_price": t.total_price, "waypoint": t.waypoint_symbol,
    })
