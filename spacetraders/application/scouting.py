"""`scout markets`: split a system's markets among ships and start one scout tour per ship.

Everything is read and validated first (ships from the API, markets from the waypoint
cache); then ONE transaction creates every container with its ship assignment, so a
request either starts all its tours or none. Running the same request again changes
nothing: ships already touring exactly the requested markets with the same settings are
reported unchanged; other settings need --replace (their tours are restarted with them).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spacetraders.api.client import SpaceTradersClient
from spacetraders.api.errors import NotFoundError
from spacetraders.api.models import Ship
from spacetraders.application.containers import create_container, request_stop
from spacetraders.application.daemons import live_daemons
from spacetraders.application.universe import (
    MARKETPLACE,
    CachedWaypoint,
    parse_ship_symbol,
    parse_system_symbol,
    parse_waypoint_symbol,
    system_waypoints,
)
from spacetraders.domain.containers import LIVE_STATUSES
from spacetraders.domain.navigation import Point
from spacetraders.domain.planning import MarketSite, Objective, Plan, ShipSpec, plan_tours
from spacetraders.errors import ConfigError, NotFound, SpacetradersError
from spacetraders.operations import route_data
from spacetraders.operations.scout_tour import COMMAND_TYPE
from spacetraders.persistence.assignments import ACTIVE
from spacetraders.persistence.containers import config_params
from spacetraders.persistence.database import Database
from spacetraders.persistence.unit_of_work import UnitOfWork
from spacetraders.persistence.universe import store_ships

# Tours start this many seconds apart (at most STAGGER_SPAN_S in all) so a fleet of probes
# does not hit the rate limit in one burst.
STAGGER_STEP_S = 2.0
STAGGER_SPAN_S = 60.0
MAX_ITERATIONS = 1_000_000_000  # ~30 years of 1-second tours: anything larger is a typo
MAX_MIN_INTERVAL_S = 30 * 86400.0


def show_value(value: object) -> str:
    """A number for an error line: a 10^400 typo should not fill the screen."""
    text = str(value)
    return text if len(text) <= 24 else f"{text[:12]}... ({len(text)} characters)"


def objective_of(value: str | Objective) -> Objective:
    try:
        return Objective(value)
    except ValueError:
        choices = ", ".join(o.value for o in Objective)
        raise ConfigError(f"--objective must be one of {choices}, not {value!r}") from None


@dataclass(frozen=True)
class ScoutRequest:
    ships: tuple[str, ...]
    system: str
    markets: tuple[str, ...] | None = None  # None: every marketplace of the system
    iterations: int = -1
    min_interval: float = 300.0
    replace: bool = False
    dry_run: bool = False
    objective: Objective = Objective.PERIOD

    def __post_init__(self) -> None:
        # Checked here, not only in `parse`, so no entry point can store NaN or a 10^23.
        if isinstance(self.iterations, bool) or not isinstance(self.iterations, int):
            raise ConfigError(f"--iterations must be a whole number, not {self.iterations!r}")
        if self.iterations != -1 and not 1 <= self.iterations <= MAX_ITERATIONS:
            raise ConfigError(
                f"--iterations must be -1 (until stopped) or between 1 and {MAX_ITERATIONS}, not {show_value(self.iterations)}"
            )
        if not isinstance(self.min_interval, (int, float)) or isinstance(self.min_interval, bool):
            raise ConfigError(f"--min-interval must be a number of seconds, not {self.min_interval!r}")
        if not (0 <= self.min_interval <= MAX_MIN_INTERVAL_S and math.isfinite(self.min_interval)):
            raise ConfigError(
                f"--min-interval must be between 0 and {MAX_MIN_INTERVAL_S:.0f} seconds, not {show_value(self.min_interval)}"
            )

    @classmethod
    def parse(
        cls,
        *,
        ships: str | Sequence[str],
        system: str,
        markets: str | Sequence[str] | None = None,
        iterations: int = -1,
        min_interval: float = 300.0,
        replace: bool = False,
        dry_run: bool = False,
        objective: str | Objective = Objective.PERIOD,
    ) -> ScoutRequest:
        """Validate user input (ConfigError with one line) before anything is read or written."""
        ship_list = [parse_ship_symbol(s) for s in split_list(ships)]
        if not ship_list:
            raise ConfigError("no ships given: pass --ships SHIP[,SHIP...]")
        _refuse_duplicates("ship", ship_list)
        market_list = [parse_waypoint_symbol(m) for m in split_list(markets)] if markets else None
        if markets is not None and not market_list:
            raise ConfigError("--markets is empty: name at least one market or leave it out")
        if market_list:
            _refuse_duplicates("market", market_list)
        if isinstance(min_interval, int) and not isinstance(min_interval, bool) and abs(min_interval) <= MAX_MIN_INTERVAL_S:
            min_interval = float(min_interval)
        return cls(tuple(ship_list), parse_system_symbol(system), tuple(market_list) if market_list else None,
                   iterations, min_interval, replace, dry_run, objective_of(objective))

    def settings(self) -> dict[str, Any]:
        """The tour settings a running tour must share to count as unchanged."""
        return {"iterations": self.iterations, "min_interval": self.min_interval}


@dataclass(frozen=True)
class TourOutcome:
    ship_symbol: str
    markets: tuple[str, ...]
    # planned (dry run) | created | replaced | unchanged | idle (no market left for it) |
    # kept (no market for it; its current container keeps running) | stop (dry run) / stopped (no market
    # for it; --replace stopped its container, so it is idle now)
    action: str
    cycle_seconds: int | None = None  # the loop: its markets are refreshed at least this often
    approach_seconds: int | None = None
    start_delay: float = 0.0
    container_id: str | None = None
    replaced_container_id: str | None = None
    legs: tuple[dict[str, Any], ...] = ()  # the planned loop: origin, destination, mode, seconds, fuel

    @property
    def first_pass_seconds(self) -> int | None:
        """When this ship has read each of its markets once (approach + loop)."""
        if self.cycle_seconds is None or self.approach_seconds is None:
            return None
        return self.cycle_seconds + self.approach_seconds

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__, markets=list(self.markets), legs=list(self.legs),
                    period_seconds=self.cycle_seconds, first_pass_seconds=self.first_pass_seconds)


@dataclass(frozen=True)
class ScoutResult:
    system: str
    dry_run: bool
    markets: tuple[str, ...]
    tours: tuple[TourOutcome, ...]
    makespan_seconds: int | None  # the first pass of the whole plan
    daemon_running: bool
    notes: tuple[str, ...] = field(default=())
    period_seconds: int | None = None  # the longest loop: every market refreshed at least this often
    objective: Objective = Objective.PERIOD

    @property
    def created(self) -> list[TourOutcome]:
        return [t for t in self.tours if t.action in ("created", "replaced")]

    def as_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "dry_run": self.dry_run,
            "markets": list(self.markets),
            "makespan_seconds": self.makespan_seconds,
            "first_pass_seconds": self.makespan_seconds,
            "period_seconds": self.period_seconds,
            "objective": self.objective.value,
            "daemon_running": self.daemon_running,
            "tours": [t.as_dict() for t in self.tours],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class _Holder:
    container_id: str
    status: str
    command_type: str
    params: dict[str, Any]

    def tours(self, system: str) -> bool:
        return self.command_type == COMMAND_TYPE and self.params.get("system") == system

    def differs(self, settings: dict[str, Any]) -> dict[str, Any]:
        """The settings this tour runs with that differ from the requested ones."""
        return {k: self.params.get(k) for k, v in settings.items() if self.params.get(k) != v}


async def scout_markets(
    db: Database,
    api: SpaceTradersClient,
    request: ScoutRequest,
    *,
    player_id: int,
    now: datetime,
    time_limit_s: float = 0.5,
) -> ScoutResult:
    system = request.system
    cached = await system_waypoints(db, api, system, now=now)  # syncs the cache if the system is new
    coords = {w.symbol: Point(w.x, w.y) for w in cached.waypoints}
    markets = _chosen_markets(request, cached.waypoints)
    ships = [await fetch_ship(api, symbol) for symbol in request.ships]
    for ship in ships:
        if ship.nav.system_symbol != system:
            raise ConfigError(f"ship {ship.symbol} is in system {ship.nav.system_symbol}, not {system}")

    holders = await asyncio.to_thread(_holders, db, player_id, request.ships)
    if _already_touring(holders, request, markets):
        return _result(request, markets, None, [
            TourOutcome(s, tuple(holders[s].params.get("markets", ())), "unchanged", container_id=holders[s].container_id)
            for s in request.ships
        ], db, now)

    sells_fuel = await fuel_sellers(db, api, markets, ships)
    try:
        plan = plan_tours(
            [ShipSpec(s.symbol, coords[s.nav.waypoint_symbol], s.engine_speed, s.fuel.capacity, s.fuel.current)
             for s in ships],
            [MarketSite(m, coords[m], sells_fuel.get(m, False)) for m in markets],
            time_limit_s=time_limit_s,
            objective=request.objective,
        )
    except ValueError as exc:  # e.g. a ship with an empty tank where no fuel is sold
        raise ConfigError(f"cannot plan the tours: {exc}") from None
    outcomes = _outcomes(plan, holders, request)
    if request.dry_run:
        return _result(request, markets, plan, outcomes, db, now)
    with db.transaction() as uow:
        store_ships(uow.session, player_id, ships, now=now)
        outcomes = [_start(uow, o, request, player_id, holders.get(o.ship_symbol), now) for o in outcomes]
    return _result(request, markets, plan, outcomes, db, now)


# -- reading and validating --------------------------------------------------------------


def _chosen_markets(request: ScoutRequest, waypoints: Sequence[CachedWaypoint]) -> list[str]:
    marketplaces = [w.symbol for w in waypoints if MARKETPLACE in w.traits]
    if request.markets is None:
        if not marketplaces:
            raise NotFound(f"system {request.system} has no marketplace")
        return marketplaces
    known = {w.symbol for w in waypoints}
    for market in request.markets:
        if market not in known:
            raise ConfigError(f"{market} is not a waypoint of {request.system}")
        if market not in marketplaces:
            raise ConfigError(f"{market} has no marketplace")
    return list(request.markets)


async def fetch_ship(api: SpaceTradersClient, symbol: str) -> Ship:
    try:
        return await api.get_ship(symbol)
    except NotFoundError:
        raise NotFound(f"ship {symbol} not found among this player's ships") from None


def _holders(db: Database, player_id: int, ships: Sequence[str]) -> dict[str, _Holder]:
    """The live container holding each ship (through its active assignment), if any."""
    found: dict[str, _Holder] = {}
    with db.read() as session:
        uow = UnitOfWork(session)
        for ship in ships:
            assignment = uow.assignments.get(player_id, ship)
            if assignment is None or assignment.status != ACTIVE or assignment.container_id is None:
                continue
            container = uow.containers.get(assignment.container_id)
            if container is not None and container.status in LIVE_STATUSES:
                found[ship] = _Holder(container.container_id, container.status, container.command_type,
                                      config_params(container))
    return found


def _already_touring(holders: dict[str, _Holder], request: ScoutRequest, markets: Sequence[str]) -> bool:
    """Every ship already tours this system with these settings and together they cover
    exactly these markets."""
    ships = request.ships
    if not all(s in holders and holders[s].tours(request.system) and not holders[s].differs(request.settings())
               for s in ships):
        return False
    covered = [m for s in ships for m in holders[s].params.get("markets", ())]
    return len(covered) == len(set(covered)) and set(covered) == set(markets)


async def fuel_sellers(
    db: Database, api: SpaceTradersClient, markets: Sequence[str], ships: Sequence[Ship]
) -> dict[str, bool]:
    """Which markets sell fuel: from stored market data, else the market's public catalogue.

    Only asked when a ship has a fuel tank (probes need none); unknown means "no", so a
    plan never counts on fuel it may not find.
    """
    if all(s.fuel.capacity == 0 for s in ships):
        return {m: True for m in markets}
    return await route_data.fuel_sellers(db, api, list(markets))


# -- planning outcomes and writing ---------------------------------------------------------


def _outcomes(plan: Plan, holders: dict[str, _Holder], request: ScoutRequest) -> list[TourOutcome]:
    system, replace = request.system, request.replace
    busy: list[str] = []
    outcomes: list[TourOutcome] = []
    stagger = min(STAGGER_STEP_S, STAGGER_SPAN_S / max(1, len(plan.tours)))
    for i, tour in enumerate(plan.tours):
        holder = holders.get(tour.ship_symbol)
        if not tour.markets:  # more ships than stops: this one has nothing to do
            if holder is None:
                outcomes.append(TourOutcome(tour.ship_symbol, (), "idle"))
            else:  # its current container keeps running, unless --replace stops it
                outcomes.append(TourOutcome(tour.ship_symbol, tuple(holder.params.get("markets", ())),
                                            "stop" if replace else "kept", container_id=holder.container_id))
            continue
        legs = tuple(
            {"origin": leg.origin, "destination": leg.destination, "mode": str(leg.mode),
             "seconds": leg.seconds, "fuel": leg.fuel}
            for leg in tour.legs
        )
        base = TourOutcome(tour.ship_symbol, tuple(tour.markets), "planned", tour.cycle_seconds,
                           tour.approach_seconds, round(i * stagger, 1), legs=legs)
        same_markets = (holder is not None and holder.tours(system)
                        and set(holder.params.get("markets", ())) == set(tour.markets))
        differs = holder.differs(request.settings()) if holder is not None else {}
        if holder is not None and same_markets and not differs:
            outcomes.append(TourOutcome(tour.ship_symbol, tuple(holder.params["markets"]), "unchanged",
                                        tour.cycle_seconds, tour.approach_seconds, container_id=holder.container_id))
        elif holder is not None and not replace:
            what = (", ".join(f"--{k.replace('_', '-')} {v}" for k, v in differs.items()) if same_markets
                    else holder.status)
            busy.append(f"{tour.ship_symbol} (container {holder.container_id}, {what})")
        else:
            outcomes.append(base)
    if busy:
        raise SpacetradersError(
            f"ship(s) already busy: {', '.join(busy)}; pass --replace to stop those containers and take the ships over"
            " (tours of these markets are restarted with the new settings)"
        )
    return outcomes


def _start(
    uow: UnitOfWork, outcome: TourOutcome, request: ScoutRequest, player_id: int, holder: _Holder | None, now: datetime
) -> TourOutcome:
    if outcome.action in ("unchanged", "idle", "kept"):
        return outcome
    if outcome.action == "stop":
        assert outcome.container_id is not None
        request_stop(uow, outcome.container_id, now=now)
        return TourOutcome(outcome.ship_symbol, (), "stopped", replaced_container_id=outcome.container_id)
    replaced = holder.container_id if holder is not None else None
    container = create_container(
        uow,
        player_id=player_id,
        command_type=COMMAND_TYPE,
        id_prefix=f"scout-tour-{outcome.ship_symbol.lower()}",
        params={
            "ship_symbol": outcome.ship_symbol,
            "system": request.system,
            "markets": list(outcome.markets),
            "iterations": request.iterations,
            "min_interval": request.min_interval,
            "start_delay": outcome.start_delay,
            "period_seconds": outcome.cycle_seconds,  # the planned loop, for the map's freshness
        },
        take_from=replaced,  # --replace: the holder is ended and the ship moved, here
        now=now,
    )
    return TourOutcome(**(outcome.__dict__ | {
        "action": "replaced" if replaced else "created",
        "container_id": container.container_id,
        "replaced_container_id": replaced,
    }))


def _result(
    request: ScoutRequest, markets: Sequence[str], plan: Plan | None, tours: Sequence[TourOutcome],
    db: Database, now: datetime,
) -> ScoutResult:
    with db.read() as session:
        running = bool(live_daemons(session, now=now))
    notes: list[str] = []
    if not request.dry_run and any(t.action in ("created", "replaced") for t in tours) and not running:
        notes.append("no daemon is running: the tours are queued; start one with `spacetraders daemon start`")
    return ScoutResult(request.system, request.dry_run, tuple(markets), tuple(tours),
                       plan.makespan_seconds if plan else None, running, tuple(notes),
                       plan.period_seconds if plan else None, request.objective)


def split_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else [p for v in value for p in v.split(",")]
    return [i.strip() for i in items if i.strip()]


def _refuse_duplicates(kind: str, items: Sequence[str]) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise ConfigError(f"{kind} {item} is given twice")
        seen.add(item)
