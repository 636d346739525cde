"""TradeCommand against the simulator: a hauler with scouted markets earns, every fill has
its ledger row, a restart (even between a fill and its write) sells what it holds and never
buys twice, and the money guards hold."""

from __future__ import annotations

import asyncio
from typing import Any

from spacetraders.application.ledger import LedgerFilter, list_view
from spacetraders.operations import trade_run
from spacetraders.operations.scout_tour import run_scout_tour
from spacetraders.operations.trade_fills import TradeBook
from spacetraders.persistence.progress import load_progress
from tests.operations.conftest import World

RUN_ID = "0123456789abcdef0123456789abcdef"


def hauler(world: World) -> str:
    """A light hauler docked at the HQ (the simulator's own constructor: no purchase to book)."""
    agent = world.sim.agents["SCOUTER"]
    ship = world.sim._new_ship(agent, "SHIP_LIGHT_HAULER", world.sim.universe.waypoints[world.hq], world.sim.now())
    return str(ship.symbol)


def scout(world: World) -> None:
    """One pass of the probe over every market of the system: the stored quotes the run uses."""
    markets = [w.symbol for w in world.marketplaces()]
    world.run(run_scout_tour, {"ship_symbol": world.probe, "system": world.system, "markets": markets,
                               "iterations": 1, "min_interval": 0})


def params(ship: str, **extra: Any) -> dict[str, Any]:
    return {"ship_symbol": ship, "run_id": RUN_ID, "systems": [world_system[0]], "max_spend": 10**9,
            "reserve": 0, "min_margin_pct": 5.0, "max_age_s": 10**6, "trips": 2} | extra


world_system: list[str] = []


def ledger(world: World) -> list[dict[str, Any]]:
    rows = list_view(world.db, LedgerFilter(player_id=world.player_id), limit=1000)["entries"]
    return list(reversed(rows))


def sim_fills(world: World, ship: str) -> list[tuple[str, str, str, int, int]]:
    out = []
    for market in world.sim.markets.values():
        for t in market.transactions:
            if t["shipSymbol"] == ship:
                out.append((t["timestamp"], t["waypointSymbol"], t["tradeSymbol"], t["type"], t["units"],
                            t["pricePerUnit"]))
    return [f[1:] for f in sorted(out)]


def ledger_fills(rows: list[dict[str, Any]]) -> list[tuple[str, str, str, int, int]]:
    kinds = {"purchase": "PURCHASE", "sale": "SELL", "refuel": "PURCHASE"}  # the market records refuels too
    return [(r["waypoint_symbol"], r["good"], kinds[r["kind"]], r["units"], r["unit_price"])
            for r in rows if r["kind"] in kinds]


def goods(fills: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The trades of goods (refuels left out)."""
    return [f for f in fills if f[1] != "FUEL"]


def progress(world: World) -> dict[str, Any]:
    with world.db.read() as session:
        state = load_progress(session, world.player_id, RUN_ID)
    assert state is not None
    return state


def setup(world: World) -> str:
    world_system[:] = [world.system]
    ship = hauler(world)
    scout(world)
    return ship


def test_a_hauler_on_scouted_prices_earns_and_books_every_fill(world: World) -> None:
    ship = setup(world)
    agent = world.sim.agents["SCOUTER"]
    start = agent.credits
    contexts: list[Any] = []
    world.logs.on("Waiting", lambda: contexts[-1].stop_event.set())  # never wait out a test
    world.run(trade_run.run_trade, params(ship), ctx_hook=contexts.append)
    assert agent.credits > start
    rows = ledger(world)
    fills = ledger_fills(rows)
    assert fills and sorted(fills) == sorted(sim_fills(world, ship))
    assert rows[-1]["credits_after"] == agent.credits
    assert sum(r["total"] for r in rows) == agent.credits - start
    state = progress(world)
    assert state["trip"] == 2 and state["breaches"] == 0 and state["net"] > 0
    assert not world.sim_ship(ship).cargo  # every trip ends sold out


def test_a_restart_after_a_buy_sells_what_it_holds_and_never_buys_twice(world: World) -> None:
    ship = setup(world)
    contexts: list[Any] = []
    world.logs.on("Bought", lambda: contexts[-1].stop_event.set())
    world.run(trade_run.run_trade, params(ship), ctx_hook=contexts.append)
    held = dict(world.sim_ship(ship).cargo)
    assert held, "stopped after the first purchase: the hold carries it"
    stopped = progress(world)
    assert stopped["cargo"] == held
    # The map draws the interrupted trip: from where it started through its stops.
    assert stopped["next_stop"] in stopped["route"] and len(stopped["route"]) >= 2
    before = goods(ledger_fills(ledger(world)))
    world.run(trade_run.run_trade, params(ship, trips=2), restart_count=1)
    fills = ledger_fills(ledger(world))
    after = goods(fills)[len(before):]
    good = next(iter(held))
    assert after[0][1] == good and after[0][2] == "SELL", "the restart sells what it holds first"
    assert sum(f[3] for f in after if f[1] == good and f[2] == "SELL") >= held[good]
    assert sorted(fills) == sorted(sim_fills(world, ship))
    assert progress(world)["breaches"] == 0


class Killed(BaseException):
    """A kill -9 between the server's answer and our write (not an Exception: nothing catches it)."""


def test_a_kill_between_a_fill_and_its_write_is_settled_not_repeated(world: World) -> None:
    ship = setup(world)

    def kill_after_first_purchase(ctx: Any) -> None:
        real = ctx.api.purchase_cargo

        async def purchase(*args: Any, **kwargs: Any) -> Any:
            await real(*args, **kwargs)
            raise Killed()

        ctx.api.purchase_cargo = purchase

    try:
        world.run(trade_run.run_trade, params(ship), ctx_hook=kill_after_first_purchase)
    except Killed:
        pass
    held = dict(world.sim_ship(ship).cargo)
    assert held and not goods(ledger_fills(ledger(world))), "bought, never written"
    world.run(trade_run.run_trade, params(ship, trips=2), restart_count=1)
    fills = ledger_fills(ledger(world))
    assert sorted(fills) == sorted(sim_fills(world, ship)), "the settled fill is booked once, nothing repeated"
    assert [f[2] for f in goods(fills)[:2]] == ["PURCHASE", "SELL"]
    assert progress(world)["breaches"] == 0


def test_the_reserve_and_max_spend_are_never_crossed(world: World) -> None:
    ship = setup(world)
    credits = world.sim.agents["SCOUTER"].credits
    reserve, max_spend = credits - 20_000, 6_000
    contexts: list[Any] = []
    world.logs.on("Waiting", lambda: contexts[-1].stop_event.set())  # nothing left that fits: done
    world.run(trade_run.run_trade, params(ship, reserve=reserve, max_spend=max_spend, trips=3),
              ctx_hook=contexts.append)
    rows = ledger(world)
    assert rows, "it traded within the guards"
    book = TradeBook()
    for r in rows:
        assert r["credits_after"] >= reserve
        if r["kind"] in ("purchase", "sale"):
            book.apply("buy" if r["kind"] == "purchase" else "sell", r["good"], r["units"], abs(r["total"]))
            assert book.in_flight <= max_spend
    assert progress(world)["breaches"] == 0


def test_a_refused_fill_ends_the_trip_and_the_run_goes_on(world: World) -> None:
    ship = setup(world)
    # the call after the first purchase's log line is the next tranche's purchase: refused for funds
    world.logs.on("Bought", lambda: world.sim.fail_next(ship, 1, status=400, code=4600, message="injected"))
    contexts: list[Any] = []
    world.logs.on("Waiting", lambda: contexts[-1].stop_event.set())
    world.run(trade_run.run_trade, params(ship), ctx_hook=contexts.append)
    assert world.logs.matching("The game refused a trade")
    assert sorted(ledger_fills(ledger(world))) == sorted(sim_fills(world, ship))
    state = progress(world)
    assert state["trip"] == 2 and state["breaches"] == 0 and not world.sim_ship(ship).cargo


def test_cargo_no_market_takes_stays_aboard_without_stalling_the_run(world: World) -> None:
    ship = setup(world)
    traded = {g for m in world.sim.markets.values() if m.waypoint_symbol.startswith(world.system) for g in m.rows}
    stray = next(g for g in ("QUANTUM_STABILIZERS", "LASER_RIFLES", "MILITARY_EQUIPMENT", "URANITE") if g not in traded)
    world.sim_ship(ship).cargo[stray] = 5  # aboard, and no market of the system takes it
    contexts: list[Any] = []
    world.logs.on("Waiting", lambda: contexts[-1].stop_event.set())
    world.run(trade_run.run_trade, params(ship, trips=1), ctx_hook=contexts.append)
    assert len(world.logs.matching("No known market buys")) == 1  # tried once, not in a loop
    assert progress(world)["trip"] == 1 and world.sim_ship(ship).cargo == {stray: 5}


def test_params_are_checked() -> None:
    import pytest

    with pytest.raises(ValueError):
        trade_run.TradeParams.from_params({"ship_symbol": "A-1"})
    with pytest.raises(ValueError):
        trade_run.TradeParams.from_params({"ship_symbol": "A-1", "run_id": "x", "systems": [], "max_spend": 1})
    asyncio.run(asyncio.sleep(0))
