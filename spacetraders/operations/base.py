"""What one running container gets, and the shape of an operation.

An operation is `async def run(ctx: ContainerContext) -> None`: returning means the work
is done (COMPLETED); raising means it failed (the restart policy applies). Long waits go
through `ctx.sleep`, which returns False at once when the container must stop, so an
operation can end cleanly between two steps.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from spacetraders.clock import Clock

if TYPE_CHECKING:
    from spacetraders.api.client import SpaceTradersClient
    from spacetraders.persistence.database import Database


@dataclass(eq=False)
class ContainerContext:
    container_id: str
    player_id: int
    params: dict[str, Any]
    restart_count: int
    api: SpaceTradersClient
    log: logging.Logger | logging.LoggerAdapter[logging.Logger]
    clock: Clock
    db: Database
    # Set by the supervisor when the container must stop (user stop, shutdown, lost lease).
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    # Extra fence the supervisor supplies: False once the daemon can no longer be sure it owns the work.
    may_continue: Callable[[], bool] = field(default=lambda: True)

    @property
    def stopping(self) -> bool:
        return self.stop_event.is_set() or not self.may_continue()

    async def sleep(self, seconds: float) -> bool:
        """Sleep in the clock's time; False at once (now or later) if a stop was requested."""
        if self.stopping:
            return False
        if seconds > 0:
            sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
            waiter = asyncio.ensure_future(self.stop_event.wait())
            try:
                await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (sleeper, waiter):
                    task.cancel()
        return not self.stopping


Operation = Callable[[ContainerContext], Awaitable[None]]
