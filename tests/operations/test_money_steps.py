"""Money steps never repeat and never go unrecorded when the answer is lost.

The simulator executes the call and holds its answer back (`hold_next`); the test cancels the
step meanwhile, as a kill between the request and the write would. The next start's
`settle_open` asks the server what happened and writes the ledger row the crash lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from spacetraders.api.errors import ApiError
from spacetraders.api.trade_models import TradeResult
from spacetraders.application.ledger import LedgerFilter, list_view
from spacetraders.operations.base import ContainerContext
from spacetraders.operations.money_steps import MoneySteps, StepIntent, StepKind
from spacetraders.operations.navigate import run_navigate
from spacetraders.persistence.ledger import LedgerEntry
from spacetraders.persistence.ledger_entries import entry_for_trade
from spacetraders.persistence.models import MoneyIntent
from tests.operations.conftest import World
from tests.operations.test_navigate import farthest_waypoint, params


def ledger(world: World) -> list[dict[str, Any]]:
    return list(reversed(list_view(world.db, LedgerFilter(player_id=world.player_id), limit=500)["entries"]))


def intents(world: World) -> list[tuple[str, str]]:
    with world.db.read() as session:
        return [(r.kind, r.status) for r in session.scalars(select(MoneyIntent).order_by(MoneyIntent.intent_id))]


def cheapest_export(world: World) -> str:
    market = world.sim.markets[world.hq]
    rows = [r for r in market.rows.values() if r.type in ("EXPORT", "EXCHANGE")]
    return min(rows, key=lambda r: r.symbol).symbol


def purchase_entry(ctx: ContainerContext) -> Callable[[TradeResult], LedgerEntry]:
    return lambda r: entry_for_trade(r, player_id=ctx.player_id, at=ctx.clock.now(), container_id=ctx.container_id)


def in_context(world: World, body: Callable[[ContainerContext, MoneySteps], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        async with world.client() as api:
            ctx = world.context(api, {})
            await api.dock(world.frigate)
            return await body(ctx, MoneySteps(ctx))
    return asyncio.run(go())


async def lose_answer(world: World, step: Awaitable[Any], ship: str) -> None:
    """Run `step` until the server has executed its held call, then cancel it (the crash)."""
    task = asyncio.ensure_future(step)
    while world.sim.faults.held.get(ship, 0) == 0:
        assert not task.done(), task.exception() if task.done() else None
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_a_purchase_whose_answer_was_lost_is_recorded_once_on_the_next_start(world: World) -> None:
    agent = world.sim.agents["SCOUTER"]
    start = agent.credits
    good = cheapest_export(world)
    intent = StepIntent(StepKind.PURCHASE, world.frigate, good=good, units=2, waypoint_symbol=world.hq)

    async def body(ctx: ContainerContext, money: MoneySteps) -> Any:
        world.sim.faults.hold_next(world.frigate, "purchase", 30)
        await lose_answer(world, money.run(intent, lambda: ctx.api.purchase_cargo(world.frigate, good, 2),
                                           purchase_entry(ctx)), world.frigate)
        assert intents(world) == [("purchase", "open")] and ledger(world) == []
        settled = await money.settle_open(world.frigate)
        again = await money.settle_open(world.frigate)
        return settled, again

    settled, again = in_context(world, body)
    assert settled.happened and again is None
    rows = ledger(world)
    assert [(r["kind"], r["good"], r["units"]) for r in rows] == [("purchase", good, 2)]
    assert rows[0]["total"] == agent.credits - start and rows[0]["credits_after"] == agent.credits
    assert intents(world) == [("purchase", "done")]
    assert world.sim_ship(world.frigate).cargo.get(good) == 2


def test_an_identical_second_tranche_is_told_apart_from_the_first(world: World) -> None:
    """Two same-size buys of one good: the lost second is found, the first is not counted twice;
    a lost third that the game refused is settled as not done."""
    agent = world.sim.agents["SCOUTER"]
    start = agent.credits
    good = cheapest_export(world)
    intent = StepIntent(StepKind.PURCHASE, world.frigate, good=good, units=1, waypoint_symbol=world.hq)

    async def body(ctx: ContainerContext, money: MoneySteps) -> Any:
        buy = lambda: ctx.api.purchase_cargo(world.frigate, good, 1)  # noqa: E731
        await money.run(intent, buy, purchase_entry(ctx))
        world.clock.advance(1)  # a ship's steps are serial: each fill is later than the last
        world.sim.faults.hold_next(world.frigate, "purchase", 30)
        await lose_answer(world, money.run(intent, buy, purchase_entry(ctx)), world.frigate)
        second = await money.settle_open(world.frigate)
        world.clock.advance(1)
        # A third buy the game refuses (more than the hold takes), its refusal lost too.
        world.sim.faults.held.clear()
        world.sim.faults.hold_next(world.frigate, "purchase", 30)
        huge = StepIntent(StepKind.PURCHASE, world.frigate, good=good, units=10_000, waypoint_symbol=world.hq)
        await lose_answer(world, money.run(huge, lambda: ctx.api.purchase_cargo(world.frigate, good, 10_000),
                                           purchase_entry(ctx)), world.frigate)
        third = await money.settle_open(world.frigate)
        return second, third

    second, third = in_context(world, body)
    assert second.happened and not third.happened and third.entry is None
    rows = ledger(world)
    assert [(r["kind"], r["units"]) for r in rows] == [("purchase", 1), ("purchase", 1)]
    assert sum(r["total"] for r in rows) == agent.credits - start
    assert intents(world) == [("purchase", "done"), ("purchase", "done"), ("purchase", "not_done")]


def test_a_refused_step_closes_its_intent_and_writes_no_ledger_row(world: World) -> None:
    good = cheapest_export(world)
    intent = StepIntent(StepKind.PURCHASE, world.frigate, good=good, units=10_000, waypoint_symbol=world.hq)

    async def body(ctx: ContainerContext, money: MoneySteps) -> None:
        with pytest.raises(ApiError):
            await money.run(intent, lambda: ctx.api.purchase_cargo(world.frigate, good, 10_000), purchase_entry(ctx))

    in_context(world, body)
    assert ledger(world) == [] and intents(world) == [("purchase", "not_done")]


def test_a_lost_contract_accept_is_paid_into_the_ledger_once(world: World) -> None:
    """The state a kill leaves: the intent committed, the server accepted, nothing else written."""
    agent = world.sim.agents["SCOUTER"]
    start = agent.credits

    async def body(ctx: ContainerContext, money: MoneySteps) -> Any:
        contract = (await ctx.api.list_contracts())[0]
        intent = StepIntent(StepKind.ACCEPT, world.frigate, reference=contract.id)
        await asyncio.to_thread(money._open, intent, {})
        await ctx.api.accept_contract(contract.id)  # ...and the process dies before writing
        return await money.settle_open(world.frigate), contract

    settled, contract = in_context(world, body)
    rows = ledger(world)
    assert settled.happened and [(r["kind"], r["reference"]) for r in rows] == [("contract_accepted", contract.id)]
    assert rows[0]["total"] == contract.on_accepted == agent.credits - start
    assert intents(world) == [("accept", "done")]


def test_one_open_intent_per_ship_is_the_schema_s_rule(world: World) -> None:
    insert = text(
        "INSERT INTO money_intents (player_id, ship_symbol, kind, status, created_at) "
        "VALUES (:p, :s, 'purchase', :status, CURRENT_TIMESTAMP)"
    )
    with world.db.transaction() as uow:
        uow.session.execute(insert, {"p": world.player_id, "s": world.frigate, "status": "open"})
        uow.session.execute(insert, {"p": world.player_id, "s": world.frigate, "status": "done"})
        uow.session.execute(insert, {"p": world.player_id, "s": world.probe, "status": "open"})
    with pytest.raises(IntegrityError), world.db.transaction() as uow:
        uow.session.execute(insert, {"p": world.player_id, "s": world.frigate, "status": "open"})


def test_a_navigation_killed_while_refuelling_resumes_without_paying_twice(world: World) -> None:
    """The refuel is executed, its answer lost, the container killed; the restarted navigation
    records that refuel from the market's transactions and flies on without refuelling again."""
    agent = world.sim.agents["SCOUTER"]
    start = agent.credits
    ship = world.sim_ship(world.frigate)
    ship.fuel = 1  # at the HQ's market: the route must refuel before leaving
    destination = farthest_waypoint(world, world.system, world.sim.universe.waypoints[world.hq])
    world.sim.faults.hold_next(world.frigate, "refuel", 30)

    async def crash() -> None:
        async with world.client() as api:
            ctx = world.context(api, params(world.frigate, destination))
            await lose_answer(world, run_navigate(ctx), world.frigate)

    asyncio.run(crash())
    assert intents(world) == [("refuel", "open")]
    world.run(run_navigate, params(world.frigate, destination))
    assert ship.location.symbol == destination
    rows = ledger(world)
    refuels = [r for r in rows if r["kind"] == "refuel"]
    sim_refuels = [t for market in world.sim.markets.values() for t in market.transactions
                   if t["shipSymbol"] == world.frigate and t["tradeSymbol"] == "FUEL"]
    at_hq = [r for r in refuels if r["waypoint_symbol"] == world.hq]
    assert len(refuels) == len(sim_refuels) and len(at_hq) == 1  # the lost one, recorded once, not bought again
    assert sum(r["total"] for r in rows) == agent.credits - start
    assert all(status == "done" for _, status in intents(world))
