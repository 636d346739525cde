"""A simulated game world for running operations directly: the simulator in-process
(httpx.ASGITransport), one registered agent, a player row, and ONE fake clock shared by
the simulator, the API client and the container context, so hours of flying take
milliseconds and every run is deterministic."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from spacetraders.api import RateLimiter, RetryPolicy, SpaceTradersClient
from spacetraders.clock import FakeClock
from spacetraders.operations.base import ContainerContext
from spacetraders.persistence.database import Database
from tests.factories import make_player

sim_app = pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
from spacetraders.sim.config import SimConfig  # noqa: E402

BASE_URL = "http://sim/v2"


class LogLines(logging.Handler):
    """Keeps every formatted line; optional hooks run when a line contains a marker."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.hooks: list[tuple[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        self.lines.append(line)
        for marker, hook in list(self.hooks):
            if marker in line:
                self.hooks.remove((marker, hook))
                hook()

    def on(self, marker: str, hook: Any) -> None:
        """Run `hook` once, the first time a line containing `marker` is logged."""
        self.hooks.append((marker, hook))

    def matching(self, prefix: str) -> list[str]:
        return [line for line in self.lines if line.startswith(prefix)]


@dataclass
class World:
    db: Database
    clock: FakeClock
    sim: Any
    transport: httpx.AsyncBaseTransport
    token: str
    player_id: int
    ships: dict[str, Any]  # registration payloads by symbol
    logs: LogLines = field(default_factory=LogLines)

    @property
    def probe(self) -> str:
        return next(s for s, data in self.ships.items() if data["fuel"]["capacity"] == 0)

    @property
    def frigate(self) -> str:
        return next(s for s, data in self.ships.items() if data["fuel"]["capacity"] > 0)

    @property
    def hq(self) -> str:
        return next(iter(self.ships.values()))["nav"]["waypointSymbol"]

    @property
    def system(self) -> str:
        return next(iter(self.ships.values()))["nav"]["systemSymbol"]

    def client(self) -> SpaceTradersClient:
        return SpaceTradersClient(
            BASE_URL, self.token, transport=self.transport, clock=self.clock,
            limiter=RateLimiter(self.clock), retry=RetryPolicy(max_attempts=5, rng=random.Random(3)),
        )

    def context(self, api: SpaceTradersClient, params: dict[str, Any], *, restart_count: int = 0) -> ContainerContext:
        logger = logging.getLogger(f"test.scout.{id(self)}")
        logger.setLevel(logging.DEBUG)
        if self.logs not in logger.handlers:
            logger.addHandler(self.logs)
        return ContainerContext(
            container_id="scout-tour-test-0badc0de", player_id=self.player_id, params=params,
            restart_count=restart_count, api=api, log=logger, clock=self.clock, db=self.db,
        )

    def run(self, operation: Any, params: dict[str, Any], *, restart_count: int = 0,
            ctx_hook: Any = None) -> None:
        async def go() -> None:
            async with self.client() as api:
                ctx = self.context(api, params, restart_count=restart_count)
                if ctx_hook is not None:
                    ctx_hook(ctx)
                await operation(ctx)

        asyncio.run(go())

    def sim_ship(self, symbol: str) -> Any:
        return self.sim._ships[symbol]

    def marketplaces(self) -> list[Any]:
        """Simulator waypoints of the HQ system that have a market, by symbol."""
        return sorted(
            (w for w in self.sim.universe.waypoints.values() if w.system_symbol == self.system and w.market),
            key=lambda w: w.symbol,
        )


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    clock = FakeClock()
    app = sim_app.create_app(SimConfig(seed=5, time_scale=500, enforce_rate_limit=False, clock=clock))
    transport = httpx.ASGITransport(app=app)

    async def register() -> dict[str, Any]:
        async with SpaceTradersClient(BASE_URL, transport=transport, clock=clock,
                                      limiter=RateLimiter(clock)) as anonymous:
            result = await anonymous.register("SCOUTER", "COSMIC", "account-token")
        return {"token": result.token, "ships": {s.symbol: s.raw for s in result.ships}}

    registered = asyncio.run(register())
    with db.transaction() as uow:
        player = make_player(uow, "SCOUTER")
        player.token = registered["token"]
        player_id = player.player_id
    yield World(db, clock, app.state.sim, transport, registered["token"], player_id, registered["ships"])
