"""Built-in command types for tests, benchmarks and smoke checks of a daemon."""

from __future__ import annotations

from typing import Any

from spacetraders.operations.base import ContainerContext
from spacetraders.operations.registry import register


class InjectedFailure(RuntimeError):
    """Raised on purpose by SleepCommand's `fail_at_iteration`."""


@register("NoopCommand")
async def noop(ctx: ContainerContext) -> None:
    ctx.log.info("noop")


@register("SleepCommand")
async def sleep_command(ctx: ContainerContext) -> None:
    """Iterate `iterations` times (0 = until stopped): log a line, read the ship, sleep `seconds`.

    params: ship_symbol (optional; read with `get_ship` each iteration), seconds (default 1),
    iterations (default 1), fail_at_iteration (raise at that 1-based iteration), fail_runs
    (how many runs of the lineage fail there; default 1, so the replacement succeeds).
    """
    p = ctx.params
    seconds = float(p.get("seconds", 1))
    iterations = int(p.get("iterations", 1))
    fail_at = _optional_int(p.get("fail_at_iteration"))
    fail_runs = int(p.get("fail_runs", 1))
    ship = p.get("ship_symbol")
    i = 0
    while iterations <= 0 or i < iterations:
        i += 1
        if ship:
            state = await ctx.api.get_ship(ship)
            ctx.log.info("iteration %d: %s is %s at %s", i, ship, state.nav.status, state.nav.waypoint_symbol)
        else:
            ctx.log.info("iteration %d", i)
        if fail_at is not None and i == fail_at and ctx.restart_count < fail_runs:
            raise InjectedFailure(f"injected failure at iteration {i}")
        if not await ctx.sleep(seconds):
            ctx.log.info("stop requested after iteration %d", i)
            return


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)
