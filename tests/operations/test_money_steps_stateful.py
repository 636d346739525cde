"""Money steps under random crashes: whatever mix of fills, lost answers and refusals happens,
the ledger equals the server's truth once the ship's open step is settled.

Each example runs a random sequence of buys and sells of one good at the HQ market. Any step
may lose its answer (the simulator executes it and holds the reply; the step is cancelled,
as a kill would) and any may be refused (more than the hold or the cargo). After each loss
the next "start" settles the open intent first, as every operation does.
Checked per example: ledger rows == the market's transactions for the ship, their totals ==
the agent's credit change, the ship's cargo == bought - sold, no intent left open.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from spacetraders.api.errors import ApiError
from spacetraders.api.trade_models import TradeResult
from spacetraders.operations.money_steps import MoneySteps, StepIntent, StepKind
from spacetraders.persistence.ledger import LedgerEntry
from spacetraders.persistence.ledger_entries import entry_for_trade
from spacetraders.persistence.models import Ledger, MoneyIntent
from tests.operations.conftest import World
from tests.operations.test_money_steps import cheapest_export

Step = tuple[str, int, str]  # (side, units, fate): fate is "ok", "lost" or "huge" (refused)
steps = st.lists(st.tuples(st.sampled_from(["buy", "sell"]), st.integers(1, 4),
                           st.sampled_from(["ok", "ok", "lost"])), min_size=1, max_size=8)


def entry_for(ctx: Any) -> Callable[[TradeResult], LedgerEntry]:
    return lambda r: entry_for_trade(r, player_id=ctx.player_id, at=ctx.clock.now(), container_id=ctx.container_id)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_the_ledger_matches_the_server_whatever_crashes(world: World, plan: list[Step]) -> None:
    good = cheapest_export(world)
    ship_symbol = world.frigate
    agent, ship, market = world.sim.agents["SCOUTER"], world.sim_ship(ship_symbol), world.sim.markets[world.hq]
    credits0, cargo0 = agent.credits, ship.cargo.get(good, 0)
    before = list(market.transactions)  # kept alive so no new fill can reuse an old one's id
    seen = {id(t) for t in before}
    with world.db.read() as session:
        rows0 = session.scalar(select(func.count()).select_from(Ledger)) or 0

    async def play() -> None:
        async with world.client() as api:
            ctx = world.context(api, {})
            await api.dock(ship_symbol)
            money = MoneySteps(ctx)
            for side, units, fate in plan:
                world.clock.advance(1)  # a ship's steps are serial: each fill is later than the last
                await money.settle_open(ship_symbol)  # what every (re)start does first
                held = ship.cargo.get(good, 0)
                if side == "sell" and held == 0:
                    continue
                units = min(units, held) if side == "sell" else units
                kind = StepKind.SELL if side == "sell" else StepKind.PURCHASE
                call = api.sell_cargo if side == "sell" else api.purchase_cargo
                intent = StepIntent(kind, ship_symbol, good=good, units=units, waypoint_symbol=world.hq)
                step = money.run(intent, lambda c=call, u=units: c(ship_symbol, good, u),  # type: ignore[misc]
                                 entry_for(ctx))
                if fate == "lost":
                    world.sim.faults.held.clear()
                    world.sim.faults.hold_next(ship_symbol, "sell" if side == "sell" else "purchase", 30)
                    task = asyncio.ensure_future(step)
                    while not world.sim.faults.held.get(ship_symbol) and not task.done():
                        await asyncio.sleep(0.005)
                    task.cancel()
                    try:
                        await task
                    except (asyncio.CancelledError, ApiError):
                        pass
                else:
                    try:
                        await step
                    except ApiError:
                        pass  # refused: the hold is full or the market said no
            await money.settle_open(ship_symbol)

    asyncio.run(play())
    fills = [t for t in market.transactions if id(t) not in seen and t["shipSymbol"] == ship_symbol]
    with world.db.read() as session:
        rows = list(session.execute(select(Ledger.kind, Ledger.units, Ledger.total).order_by(Ledger.entry_id)))[rows0:]
        still_open = session.scalar(select(func.count()).select_from(MoneyIntent).where(MoneyIntent.status == "open"))
    assert [(r.kind, r.units, -r.total if r.kind == "purchase" else r.total) for r in rows] == [
        ("purchase" if t["type"] == "PURCHASE" else "sale", t["units"], t["totalPrice"]) for t in fills]
    assert sum(r.total for r in rows) == agent.credits - credits0
    bought = sum(t["units"] for t in fills if t["type"] == "PURCHASE")
    sold = sum(t["units"] for t in fills if t["type"] == "SELL")
    assert ship.cargo.get(good, 0) - cargo0 == bought - sold
    assert still_open == 0
