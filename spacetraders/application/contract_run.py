"""`contract run`: start a ContractCommand container that runs contracts for one ship.

Input is checked first, then the one-driver rule (a ship that a live container drives is
refused, naming it), then the ship is read from the API (another player's ship is "not
found"); only then does ONE transaction create the container with its ship assignment. Every
refusal writes nothing. The params carry a fresh `run_id`: the run's progress is keyed on it,
and a restarted container (same params) resumes that progress.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from spacetraders.api.client import SpaceTradersClient
from spacetraders.application.contracts import max_age as parse_max_age
from spacetraders.application.ship_actions import refuse_if_driven
from spacetraders.application.ship_containers import fetch_own_ship, start_ship_container
from spacetraders.application.universe import parse_ship_symbol
from spacetraders.errors import ConfigError
from spacetraders.operations.contract_run import COMMAND_TYPE
from spacetraders.persistence.database import Database

MAX_CREDITS = 10**15  # a larger --max-spend/--reserve/--min-profit is a typo


@dataclass(frozen=True)
class ContractRunRequest:
    ship: str
    count: int  # -1: forever
    max_spend: int | None
    reserve: int
    min_profit: int
    max_age: timedelta
    time_scale: float = 1.0

    @classmethod
    def parse(cls, *, ship: str, count: int | None = None, forever: bool = False, max_spend: int | None = None,
              reserve: int = 0, min_profit: int = 0, max_age: str = "1h", time_scale: float = 1.0) -> ContractRunRequest:
        if forever and count is not None:
            raise ConfigError("give --count N or --forever, not both")
        if count is not None and count < 1:
            raise ConfigError(f"--count must be at least 1, not {count}")
        for name, value in (("--max-spend", max_spend), ("--reserve", reserve), ("--min-profit", min_profit)):
            if value is not None and not 0 <= value <= MAX_CREDITS:
                raise ConfigError(f"{name} must be from 0 to {MAX_CREDITS}, not {value}")
        if not 0 < time_scale <= 100_000:
            raise ConfigError(f"--time-scale must be above 0 and at most 100000, not {time_scale}")
        return cls(parse_ship_symbol(ship), -1 if forever else (count or 1), max_spend, reserve, min_profit,
                   parse_max_age(max_age), time_scale)

    def params(self, run_id: str) -> dict[str, Any]:
        return {"ship_symbol": self.ship, "run_id": run_id, "count": self.count, "max_spend": self.max_spend,
                "reserve": self.reserve, "min_profit": self.min_profit,
                "max_age_seconds": int(self.max_age.total_seconds()), "time_scale": self.time_scale}


@dataclass(frozen=True)
class ContractRunOutcome:
    ship: str
    container_id: str
    run_id: str
    params: dict[str, Any]
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {"ship": self.ship, "container_id": self.container_id, "run_id": self.run_id,
                "command_type": COMMAND_TYPE, "params": self.params, "notes": list(self.notes)}


async def start_contract_run(
    db: Database, api: SpaceTradersClient, request: ContractRunRequest, *, player_id: int, now: datetime
) -> ContractRunOutcome:
    await asyncio.to_thread(refuse_if_driven, db, player_id, request.ship)
    ship = await fetch_own_ship(api, request.ship)
    run_id = uuid.uuid4().hex
    params = request.params(run_id)

    def start() -> ContractRunOutcome:
        started = start_ship_container(db, player_id=player_id, ship=ship, command_type=COMMAND_TYPE,
                                       id_prefix=f"contract-{request.ship.lower()}", params=params, now=now)
        return ContractRunOutcome(request.ship, started.container_id, run_id, params, started.queued_note("run"))

    return await asyncio.to_thread(start)
