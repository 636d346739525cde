"""Run a Supervisor on the test's own event loop (so coverage sees supervisor/), against the simulator."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError

from spacetraders.persistence.database import Database
from spacetraders.supervisor.config import DaemonConfig
from spacetraders.supervisor.daemon import Outcome, Supervisor

T = TypeVar("T")
FAST = DaemonConfig(lease_s=3.0, heartbeat_s=0.3, poll_s=0.1, stop_grace_s=1.0)


async def until(check: Callable[[], T], *, timeout: float = 20.0, what: str = "condition") -> T:
    """Poll a (blocking, database-reading) check off the loop until it is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = await asyncio.to_thread(check)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def running(db: Database, api_url: str, config: DaemonConfig = FAST, **kwargs: Any) -> AsyncIterator[Supervisor]:
    """A registered Supervisor for the body; stopped gracefully (and its outcome checked) after it."""
    supervisor = Supervisor(db, api_url=api_url, config=config, **kwargs)
    task = asyncio.create_task(supervisor.run())
    registered = asyncio.create_task(supervisor.registered.wait())
    await asyncio.wait({task, registered}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        registered.cancel()
        task.result()  # raises the reason it did not start
    try:
        yield supervisor
    finally:
        supervisor.request_stop()
        outcome = await asyncio.wait_for(task, timeout=30)
    assert outcome is Outcome.STOPPED


class Faults:
    """A transient database failure (a dropped connection) injected into one handler's first calls."""

    def __init__(self, handler: Callable[..., T], failures: int | None) -> None:
        self.handler, self.failures, self.calls = handler, failures, 0
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
            failing = self.failures is None or self.calls <= self.failures
        if failing:
            raise OperationalError("UPDATE containers ...", {}, ConnectionResetError("connection reset by peer"))
        return self.handler(*args, **kwargs)
