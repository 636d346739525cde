"""`trade run`: check the request, then start a TradeCommand container for the ship.

Input is checked first (numbers, durations, symbols), then the one-driver rule (a busy ship
is refused, naming its container), then the ship and every system are read from the API;
only then does ONE transaction create the container with its ship assignment. Every refusal
writes nothing. The run id (uuid4 hex) in the params keys the run's progress, so a restarted
container (same params) carries on the same run.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spacetraders.api.client import SpaceTradersClient
from spacetraders.api.errors import NotFoundError
from spacetraders.api.models import Ship
from spacetraders.application.scout_sizing import parse_duration
from spacetraders.application.scouting import show_value, split_list
from spacetraders.application.ship_actions import refuse_if_driven
from spacetraders.application.ship_containers import fetch_own_ship, start_ship_container
from spacetraders.application.universe import parse_ship_symbol, parse_system_symbol
from spacetraders.domain import durations
from spacetraders.domain.numbers import INT64_MAX
from spacetraders.errors import ConfigError, NotFound
from spacetraders.operations.trade_run import COMMAND_TYPE
from spacetraders.persistence.database import Database
from spacetraders.persistence.markets import list_markets

MAX_SYSTEMS = 20
MAX_MARGIN_PCT = 1000.0


@dataclass(frozen=True)
class TradeRequest:
    ship: str
    systems: tuple[str, ...] = ()  # empty: the ship's own system
    max_spend: int | None = None  # None: no cap but the reserve
    reserve: int = 0
    min_margin_pct: float = 5.0
    max_age_s: int = 1800
    refresh_timeout_s: int = 600  # how long to wait for scouts asked to refresh a market (0: never ask)
    wait_s: float = 60.0  # not on the CLI: the demo, whose game runs 100x, looks for new data more often

    @classmethod
    def parse(cls, *, ship: str, max_spend: int | None = None, reserve: int = 0, min_margin_pct: float = 5.0,
              max_age: str = "30m", systems: str | None = None, refresh_wait: str = "10m") -> TradeRequest:
        for name, value in (("--max-spend", max_spend), ("--reserve", reserve)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT64_MAX):
                raise ConfigError(f"{name} must be a whole number of credits from 0, not {show_value(value)}")
        if max_spend == 0:
            raise ConfigError("--max-spend 0 lets the ship buy nothing: give a positive amount")
        if not isinstance(min_margin_pct, (int, float)) or not math.isfinite(min_margin_pct) \
                or not 0 <= min_margin_pct <= MAX_MARGIN_PCT:
            raise ConfigError(f"--min-margin must be a percentage from 0 to {MAX_MARGIN_PCT:g}, "
                              f"not {show_value(min_margin_pct)}")
        names = split_list(systems)
        if systems is not None and not names:
            raise ConfigError("--systems needs at least one system, e.g. X1-TS98")
        if len(names) > MAX_SYSTEMS:
            raise ConfigError(f"--systems takes at most {MAX_SYSTEMS} systems, not {len(names)}")
        parsed = tuple(dict.fromkeys(parse_system_symbol(s) for s in names))
        try:
            refresh = durations.parse_duration(refresh_wait, option="--refresh-wait", minimum=0, maximum=86400)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return cls(parse_ship_symbol(ship), parsed, max_spend, reserve, float(min_margin_pct),
                   parse_duration(max_age), int(refresh.total_seconds()))


@dataclass(frozen=True)
class TradeOutcome:
    ship: str
    container_id: str
    run_id: str
    systems: tuple[str, ...]
    params: dict[str, Any]
    credits: int
    markets_known: int
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {"ship": self.ship, "container_id": self.container_id, "run_id": self.run_id,
                "systems": list(self.systems),
                "max_spend": self.params["max_spend"] if self.params["max_spend"] < INT64_MAX else None,
                "reserve": self.params["reserve"], "min_margin_pct": self.params["min_margin_pct"],
                "max_age_s": self.params["max_age_s"], "credits": self.credits,
                "markets_known": self.markets_known, "notes": list(self.notes)}


async def start_trade(
    db: Database, api: SpaceTradersClient, request: TradeRequest, *, player_id: int, now: datetime
) -> TradeOutcome:
    await asyncio.to_thread(refuse_if_driven, db, player_id, request.ship)
    ship = await fetch_own_ship(api, request.ship)
    systems = request.systems or (ship.nav.system_symbol,)
    for system in systems:
        try:
            await api.get_system(system)
        except NotFoundError:
            raise NotFound(f"unknown system {system}") from None
    if ship.nav.system_symbol not in systems:
        raise ConfigError(f"ship {ship.symbol} is in system {ship.nav.system_symbol}, not in --systems "
                          f"{','.join(systems)}: a run trades where its ship is (no jumps yet)")
    if ship.cargo_capacity <= 0:
        raise ConfigError(f"ship {ship.symbol} has no cargo hold: it cannot trade")
    credits = (await api.get_agent()).credits
    if credits <= request.reserve:
        raise ConfigError(f"credits {credits:,} are not above --reserve {request.reserve:,}: nothing to trade with")
    return await asyncio.to_thread(_start, db, request, ship, systems, credits, player_id, now)


def _start(db: Database, request: TradeRequest, ship: Ship, systems: tuple[str, ...], credits: int,
           player_id: int, now: datetime) -> TradeOutcome:
    run_id = uuid.uuid4().hex
    params: dict[str, Any] = {
        "ship_symbol": request.ship, "run_id": run_id, "systems": list(systems),
        "max_spend": request.max_spend if request.max_spend is not None else INT64_MAX,
        "reserve": request.reserve, "min_margin_pct": request.min_margin_pct, "max_age_s": request.max_age_s,
        "wait_s": request.wait_s, "refresh_timeout_s": request.refresh_timeout_s,
    }
    with db.read() as session:
        known = sum(len(list_markets(session, s)) for s in systems)
    started = start_ship_container(db, player_id=player_id, ship=ship, command_type=COMMAND_TYPE,
                                   id_prefix=f"trade-{request.ship.lower()}", params=params, now=now)
    notes: tuple[str, ...] = ()
    if known == 0:
        notes += ("no market data stored for these systems yet: the run waits until scouts store some "
                  "(`spacetraders scout markets`)",)
    notes += started.queued_note("run")
    return TradeOutcome(request.ship, started.container_id, run_id, systems, params, credits, known, notes)
