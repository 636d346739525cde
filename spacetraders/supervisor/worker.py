"""One running container: its operation task, its context, and why it was asked to stop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import Enum

from spacetraders.operations.base import ContainerContext, Operation
from spacetraders.supervisor.logsink import current_container


class StopReason(Enum):
    USER = "user stop"  # row became STOPPING: finish the stop (STOPPED, ship released)
    SHUTDOWN = "daemon stop"  # graceful daemon stop: INTERRUPTED, ship kept
    FENCED = "lease unsure"  # our lease may have expired: interrupt if the row is still ours
    LOST = "lease lost"  # another daemon declared us dead: write nothing, the new owner does
    GONE = "no longer ours"  # the row changed under us (recovered, removed): write nothing


@dataclass(eq=False)
class Worker:
    container_id: str
    player_id: int
    command_type: str
    ctx: ContainerContext
    task: asyncio.Task[None] = field(init=False)
    stop_reason: StopReason | None = None

    def start(self, operation: Operation) -> None:
        self.task = asyncio.create_task(self._run(operation), name=f"container:{self.container_id}")

    async def _run(self, operation: Operation) -> None:
        # The task runs in its own copy of the context: records logged in it belong to this container.
        current_container.set((self.container_id, self.player_id))
        await operation(self.ctx)

    def stop(self, reason: StopReason, *, cancel: bool) -> None:
        """Ask the operation to stop (ctx.sleep returns False); cancel interrupts an in-flight call."""
        if self.stop_reason is None:
            self.stop_reason = reason
        self.ctx.stop_event.set()
        if cancel and not self.task.done():
            self.task.cancel()
