"""`ship navigate`: plan a fuel-aware route and start a NavigateCommand container for it.

Input is checked first, then the one-driver rule (a busy ship is refused unless --replace,
like `scout markets`), then the ship is read and the route planned; only then does ONE
transaction create the container with its ship assignment. A dry run, a ship already
there and every refusal write nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spacetraders.api.client import SpaceTradersClient
from spacetraders.api.models import Ship
from spacetraders.application.ship_actions import Driver, ShipDriven, driving_container
from spacetraders.application.ship_containers import fetch_own_ship, start_ship_container
from spacetraders.application.universe import parse_ship_symbol, parse_waypoint_symbol
from spacetraders.domain.refuel_plan import as_flown
from spacetraders.domain.routing import ModeChoice, Route, Unreachable
from spacetraders.errors import ConfigError, SpacetradersError
from spacetraders.operations.navigate import COMMAND_TYPE
from spacetraders.operations.route_data import plan_for_ship
from spacetraders.persistence.database import Database

MODE_CHOICES = tuple(m.value for m in ModeChoice)


@dataclass(frozen=True)
class NavigateRequest:
    ship: str
    destination: str
    mode: ModeChoice = ModeChoice.AUTO
    dry_run: bool = False
    replace: bool = False

    @classmethod
    def parse(cls, *, ship: str, destination: str, mode: str = "auto", dry_run: bool = False,
              replace: bool = False) -> NavigateRequest:
        choice = mode.strip().lower()
        if choice not in MODE_CHOICES:
            raise ConfigError(f"unknown --mode {mode!r} (one of {', '.join(MODE_CHOICES)})")
        return cls(parse_ship_symbol(ship), parse_waypoint_symbol(destination), ModeChoice(choice), dry_run, replace)


@dataclass(frozen=True)
class NavigateOutcome:
    ship: str
    origin: str
    destination: str
    mode: ModeChoice
    route: Route
    action: str  # planned (dry run) | created | replaced | arrived (already there: nothing started)
    fuel: tuple[int, int]  # the ship's (current, capacity) when planned
    container_id: str | None = None
    replaced_container_id: str | None = None
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        r = self.route
        return {
            "ship": self.ship, "origin": self.origin, "destination": self.destination, "mode": self.mode.value,
            "action": self.action, "dry_run": self.action == "planned", "container_id": self.container_id,
            "replaced_container_id": self.replaced_container_id,
            "fuel": {"current": self.fuel[0], "capacity": self.fuel[1]},
            "seconds": r.seconds, "fuel_used": r.fuel, "refuels": r.refuels, "refuel_units": r.refuel_units,
            "jumps": r.jumps, "jump_fees": r.known_fees, "cost": r.known_cost, "cost_unknown": r.cost_unknown,
            "legs": [leg.as_dict() for leg in r.legs], "notes": list(self.notes),
        }


async def navigate_ship(
    db: Database, api: SpaceTradersClient, request: NavigateRequest, *, player_id: int, now: datetime
) -> NavigateOutcome:
    driver = await asyncio.to_thread(driving_container, db, player_id, request.ship)
    if driver is not None and not request.replace and not request.dry_run:
        raise ShipDriven(request.ship, driver, hint=", or pass --replace to take the ship over")
    ship = await fetch_own_ship(api, request.ship)
    try:
        # as the container will fly it: each refuel buys the stretch's need, not a full tank
        route = as_flown(await plan_for_ship(db, api, ship, request.destination, request.mode, now=now),
                         ship.fuel.current, ship.fuel.capacity)
    except Unreachable as exc:
        raise SpacetradersError(f"cannot reach {request.destination} from {ship.nav.waypoint_symbol}: {exc}") from None
    notes: tuple[str, ...] = ()
    if ship.nav.status == "IN_TRANSIT" and ship.nav.route.arrival is not None:
        wait = max(0, round((ship.nav.route.arrival - now).total_seconds()))
        notes += (f"in transit: the route starts at {ship.nav.waypoint_symbol} on arrival, in {wait}s",)
    base = NavigateOutcome(request.ship, ship.nav.waypoint_symbol, request.destination, request.mode, route,
                           "planned", (ship.fuel.current, ship.fuel.capacity), notes=notes)
    if request.dry_run:
        if driver is not None:
            notes += (f"container {driver.container_id} drives this ship now; starting needs --replace",)
        return _with(base, notes=notes)
    if not route.legs:
        return _with(base, action="arrived", notes=(f"{request.ship} is already at {request.destination}",))
    return await asyncio.to_thread(_start, db, base, ship, driver, player_id, now)


def _start(db: Database, base: NavigateOutcome, ship: Ship, driver: Driver | None, player_id: int,
           now: datetime) -> NavigateOutcome:
    replaced = driver.container_id if driver is not None else None
    started = start_ship_container(
        db, player_id=player_id, ship=ship, command_type=COMMAND_TYPE, id_prefix=f"navigate-{base.ship.lower()}",
        params={"ship_symbol": base.ship, "destination": base.destination, "mode": base.mode.value},
        take_from=replaced,  # --replace: the holder ends and the ship moves here, in this transaction
        now=now,
    )
    return _with(base, action="replaced" if replaced else "created", container_id=started.container_id,
                 replaced_container_id=replaced, notes=base.notes + started.queued_note("navigation"))


def _with(outcome: NavigateOutcome, **changes: Any) -> NavigateOutcome:
    return NavigateOutcome(**(outcome.__dict__ | changes))
