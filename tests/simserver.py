"""Run the simulator on a free loopback port in a background thread, for tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from spacetraders.web.server import BackgroundServer


def free_port() -> int:
    """A loopback port for a server started in another process."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def sim_server(**config: Any) -> Iterator[tuple[str, Any]]:
    """The simulator on loopback: yields (API base URL ending in /v2, the Simulator state)."""
    from spacetraders.sim.app import create_app
    from spacetraders.sim.config import SimConfig

    app = create_app(SimConfig(**config))
    with BackgroundServer(app) as server:
        yield f"{server.url}/v2", app.state.sim


@dataclass
class SimPlayer:
    url: str
    sim: Any
    token: str
    player_id: int
    ships: list[Any]  # api.models.Ship as registered

    @property
    def system(self) -> str:
        return str(self.ships[0].nav.system_symbol)


@contextmanager
def sim_player(monkeypatch: Any, db: Any, agent_symbol: str, **config: Any) -> Iterator[SimPlayer]:
    """The simulator on loopback (CLI pointed at it) and one agent registered there, stored as the
    database's only player: what a user has after `player register`."""
    import asyncio

    from spacetraders.api.client import SpaceTradersClient
    from tests.factories import make_player

    with sim_server(**{"enforce_rate_limit": False, **config}) as (url, sim):
        monkeypatch.setenv("SPACETRADERS_API_URL", url)
        monkeypatch.delenv("SPACETRADERS_PLAYER", raising=False)

        async def register() -> Any:
            async with SpaceTradersClient(url) as anonymous:
                return await anonymous.register(agent_symbol, "COSMIC", "account-token")

        registered = asyncio.run(register())
        with db.transaction() as uow:
            player = make_player(uow, agent_symbol)
            player.token = registered.token
            player_id = player.player_id
        yield SimPlayer(url, sim, registered.token, player_id, list(registered.ships))


def unpaced(monkeypatch: Any) -> None:
    """In-process commands stop pacing their calls at 2/s: the test's simulator enforces no limit
    (the limiter has tests of its own); a daemon subprocess still paces."""
    from spacetraders.api import ratelimit

    limiters: dict[str, ratelimit.RateLimiter] = {}
    monkeypatch.setattr(ratelimit, "shared_limiter", lambda key, clock=None: limiters.setdefault(
        key, ratelimit.RateLimiter(clock, static_points=100_000, burst_points=100_000)))
