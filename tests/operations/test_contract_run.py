"""The ContractCommand operation run directly against the simulator (fake game time)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from spacetraders.api.models import Market
from spacetraders.application.contracts import price_contract
from spacetraders.domain.contract_pricing import PricingParams
from spacetraders.domain.navigation import FlightMode
from spacetraders.domain.refuel_plan import flown_bill
from spacetraders.domain.routing import Leg, Route
from spacetraders.operations import registry
from spacetraders.operations.contract_money import RunEnded
from spacetraders.operations.contract_run import COMMAND_TYPE, ContractRun, ContractRunParams, run_contracts
from spacetraders.persistence.ledger import LedgerEntry, LedgerFilter, LedgerKind, list_entries, record_entry
from spacetraders.persistence.markets import store_market_snapshot
from spacetraders.persistence.progress import load_progress
from tests.operations.conftest import World

TIME_SCALE = 500  # the world fixture's simulator


def params(ship: str, **extra: Any) -> dict[str, Any]:
    return {"ship_symbol": ship, "run_id": "0" * 32, "count": 1, "time_scale": TIME_SCALE} | extra


def sim_contracts(world: World) -> list[Any]:
    return list(world.sim.contracts._by_agent.get("SCOUTER", []))


def ledger_fills(world: World, good: str) -> list[tuple[int, int]]:
    """(units, unit price) of the ledger's purchases of `good`, sorted."""
    with world.db.read() as session:
        rows = list_entries(session, LedgerFilter(player_id=world.player_id), limit=10_000)
        kind = "refuel" if good == "FUEL" else "purchase"
        return sorted((r.units or 0, r.unit_price or 0) for r in rows if r.kind == kind and r.good == good)


def sim_fills(world: World, symbol: str, good: str) -> list[tuple[int, int]]:
    return sorted((t["units"], t["pricePerUnit"]) for m in world.sim.markets.values() for t in m.transactions
                  if t["shipSymbol"] == symbol and t["tradeSymbol"] == good and t["type"] == "PURCHASE")


def ledger(world: World) -> list[tuple[str, int]]:
    """(kind, total) of every ledger row, oldest first."""
    with world.db.read() as session:
        rows = list_entries(session, LedgerFilter(player_id=world.player_id), limit=10_000)
        return [(r.kind, r.total) for r in reversed(rows)]


def test_registered_and_params_checked() -> None:
    assert registry.get(COMMAND_TYPE) is run_contracts
    with pytest.raises(ValueError, match="bad ContractCommand params"):
        ContractRunParams.from_params({"ship_symbol": "A-1", "run_id": "x", "count": 0})
    with pytest.raises(ValueError, match="bad ContractCommand params"):
        ContractRunParams.from_params({"ship_symbol": "A-1"})


def test_the_starting_contract_is_taken_bought_delivered_and_fulfilled(world: World) -> None:
    agent = world.sim.agents["SCOUTER"]
    before = agent.credits
    world.run(run_contracts, params(world.frigate))
    contracts = sim_contracts(world)
    assert contracts[0].fulfilled
    rows = ledger(world)
    assert sum(total for _, total in rows) == agent.credits - before


class Killed(BaseException):
    """A kill -9 between the server's answer and our write: nothing of ours catches it."""


MONEY_CALLS = ("/purchase", "/refuel", "/deliver", "/fulfill", "/accept")


class Killer(httpx.AsyncBaseTransport):
    """Forwards to the simulator and, once armed, dies (a kill -9 of the caller) either

    - `after`: right after the next request that changed the game (credits, a ship's place,
      state, mode, fuel or cargo, a contract) was executed, before the caller sees the answer
      (a repeated no-op such as docking a docked ship passes, so every restart gets one real
      step further and every real step is killed once); or
    - `before`: right before the next money call (its intent is already committed) that was
      not killed before in this very game state, so the call is never made.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, world: World, when: str) -> None:
        self.inner, self.world, self.when = inner, world, when
        self.armed, self.kills = False, 0
        self.spared: set[Any] = set()

    def fingerprint(self) -> Any:
        agent = self.world.sim.agents["SCOUTER"]
        ships = tuple((s.symbol, s.location.symbol, s.status, s.flight_mode, s.fuel, tuple(sorted(s.cargo.items())))
                      for s in agent.ships.values())
        contracts = tuple((c.id, c.accepted, c.fulfilled, c.units_fulfilled) for c in sim_contracts(self.world))
        return agent.credits, ships, contracts

    def kill(self, request: httpx.Request, moment: str) -> None:
        self.armed = False
        self.kills += 1
        raise Killed(f"killed {moment} {request.method} {request.url.path}")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # Real time passes between two requests: two fills never share a server timestamp (money
        # steps count fills after the last recorded one's time).
        self.world.clock.advance(0.01)
        before = self.fingerprint() if request.method in ("POST", "PATCH") else None
        if self.armed and self.when == "before" and request.url.path.endswith(MONEY_CALLS):
            key = (before, request.url.path, request.content)
            if key not in self.spared:
                self.spared.add(key)
                self.kill(request, "before")
        response = await self.inner.handle_async_request(request)
        if self.armed and self.when == "after" and before is not None and self.fingerprint() != before:
            await response.aread()
            self.kill(request, "after")
        return response


def sim_purchases(world: World, symbol: str, good: str) -> int:
    return sum(t["units"] for m in world.sim.markets.values() for t in m.transactions
               if t["shipSymbol"] == symbol and t["tradeSymbol"] == good and t["type"] == "PURCHASE")


@pytest.mark.parametrize("when", ["after", "before"])
def test_killed_at_every_step_it_resumes_without_buying_or_delivering_twice(world: World, when: str) -> None:
    # Stored markets: a restarted run's new API client would otherwise read every unscouted
    # catalogue again (the fuel sellers are cached per client), and the rate limiter's waits add
    # up over the restarts until the starting offer expires.
    scout_everything(world)
    agent = world.sim.agents["SCOUTER"]
    before = agent.credits
    killer = Killer(world.transport, world, when)
    world.transport = killer
    for restart in range(500):
        killer.armed = True
        try:
            world.run(run_contracts, params(world.frigate), restart_count=restart)
        except Killed:
            continue
        break
    assert world.logs.lines[-1] == "Done: 1 contract(s) fulfilled"
    assert killer.kills >= 20  # after: every change of the game; before: every money call
    (contract,) = sim_contracts(world)
    assert contract.fulfilled and contract.units_fulfilled == contract.units_required
    ship = world.sim_ship(world.frigate)
    bought = sim_purchases(world, world.frigate, contract.trade_symbol)
    assert bought == contract.units_required + ship.cargo.get(contract.trade_symbol, 0)
    rows = ledger(world)
    kinds = [kind for kind, _ in rows]
    assert kinds.count("contract_accepted") == 1 and kinds.count("contract_fulfilled") == 1
    assert sum(total for _, total in rows) == agent.credits - before  # every credit change, once
    assert ledger_fills(world, contract.trade_symbol) == sim_fills(world, world.frigate, contract.trade_symbol)
    assert ledger_fills(world, "FUEL") == sim_fills(world, world.frigate, "FUEL")


def scout_everything(world: World) -> None:
    """Store every market of the system as a scout would have read it just now."""
    with world.db.transaction() as uow:
        for waypoint in world.sim.markets:
            if waypoint.startswith(world.system + "-"):
                store_market_snapshot(uow.session, Market.from_json(world.sim.priced_market(waypoint)),
                                      player_id=world.player_id, now=world.clock.now())


def progress(world: World) -> dict[str, Any]:
    with world.db.read() as session:
        state = load_progress(session, world.player_id, "0" * 32)
    assert state is not None
    return state


@pytest.mark.parametrize("limits, why", [
    ({"min_profit": 10**9}, "is below the minimum"),
    ({"max_spend": 100}, "would pass the max spend 100"),
    ({"reserve": 10**9}, "would pass the reserve"),
])
def test_a_contract_it_will_not_take_is_left_for_a_person(world: World, limits: dict[str, int], why: str) -> None:
    scout_everything(world)  # priced where it stands: no flight, no fuel
    before = world.sim.agents["SCOUTER"].credits
    world.run(run_contracts, params(world.frigate, **limits))
    (contract,) = sim_contracts(world)
    assert not contract.accepted  # left as offered
    ended = world.logs.lines[-1]
    assert ended.startswith(f"Run ended: contract {contract.id} left for a person") and why in ended
    assert "expected profit" in ended
    assert world.sim.agents["SCOUTER"].credits == before and ledger(world) == []
    state = progress(world)
    assert state["phase"] == "ended" and why in state["ended"]
    assert state["breaches_avoided"] == (0 if "min_profit" in limits else 1)


def test_the_guards_cut_a_purchase_to_the_reserve_and_the_spending_cap(world: World) -> None:
    async def go() -> None:
        async with world.client() as api:
            run = ContractRun(world.context(api, {}), ContractRunParams(
                world.frigate, "0" * 32, reserve=1000, max_spend=5000))
            run.progress.state = {"phase": "buying", "fulfilled": 0, "since": world.clock.now().isoformat()}
            money = run.money
            money.credits = 3000
            assert await money.guarded(100, 30, "GOLD_ORE") == 66  # (3000 - 1000) // 30
            money.credits = 100_000
            with world.db.transaction() as uow:
                record_entry(uow, LedgerEntry(player_id=world.player_id, at=world.clock.now(), kind=LedgerKind.PURCHASE,
                                              total=-4000, credits_after=96_000, ship_symbol=world.frigate))
            assert await money.guarded(100, 30, "GOLD_ORE") == 33  # (5000 - 4000) // 30
            assert await money.guarded(10, 30, "GOLD_ORE") == 10  # within both: untouched
            with pytest.raises(RunEnded, match="guard: no more GOLD_ORE"):
                await money.guarded(100, 1001, "GOLD_ORE")
            assert run.state["breaches_avoided"] == 3

    asyncio.run(go())


def test_an_ask_that_moved_against_the_plan_re_plans_before_buying(world: World) -> None:
    scout_everything(world)
    (contract,) = sim_contracts(world)
    good = contract.trade_symbol

    def raise_the_ask() -> None:  # after the decision, before the ship gets there: +65 % at the source
        source = next(line for line in world.logs.lines if line.startswith("Taking")).split("buy at ")[1].split(",")[0]
        market = world.sim.markets[source]
        market.rows = market.rows | {good: market.rows[good]._replace(displacement=0.5)}
        market._view = None

    world.logs.on("Taking contract", raise_the_ask)
    world.run(run_contracts, params(world.frigate))
    replanned = [line for line in world.logs.lines if "re-planning" in line]
    assert replanned and "the plan expected" in replanned[0]
    assert contract.fulfilled and world.logs.lines[-1] == "Done: 1 contract(s) fulfilled"
    assert sim_fills(world, world.frigate, good) == ledger_fills(world, good)


def test_the_decision_stands_on_the_fuel_as_flown(world: World) -> None:
    scout_everything(world)
    world.run(run_contracts, params(world.frigate, min_profit=10**9))
    ended = world.logs.lines[-1]
    assert "with the flights' refuels" in ended, ended
    as_flown = int(ended.split("expected profit ")[1].split(" ")[0].replace(",", ""))
    # one credit more than the profit as flown is refused, exactly it is taken
    world.run(run_contracts, params(world.frigate, min_profit=as_flown + 1))
    assert f"below the minimum {as_flown + 1:,}" in world.logs.lines[-1], world.logs.lines[-1]
    (contract,) = sim_contracts(world)
    assert not contract.accepted
    world.run(run_contracts, params(world.frigate, min_profit=as_flown))
    taking = next(line for line in world.logs.lines if line.startswith("Taking"))
    assert taking.endswith(f"profit {as_flown:,}") and f"expected profit {as_flown:,}" in taking, taking
    assert contract.fulfilled


def test_the_bill_as_flown_buys_each_stretch_in_whole_market_units() -> None:
    legs = (Leg("navigate", "A", "B", FlightMode.CRUISE, 60, fuel=150, refuel=120),
            Leg("navigate", "B", "C", FlightMode.CRUISE, 60, fuel=100),
            Leg("navigate", "C", "D", FlightMode.CRUISE, 60, fuel=250, refuel=180))
    credits, tank = flown_bill(Route("A", "D", legs), tank=30, capacity=400, asks={"A": 70}, default_ask=100)
    # A: 250 to C (+ 13 margin) - 30 aboard -> 3 units at 70, 330; C: 80 left, 263 needed -> 2 units at 100
    assert credits == 3 * 70 + 2 * 100 and tank == 280 - 250


def test_a_stop_unwinds_between_steps_and_the_next_start_resumes(world: World) -> None:
    before = world.sim.agents["SCOUTER"].credits

    def stop_after_the_first_purchase(ctx: Any) -> None:
        world.logs.on("Bought", ctx.stop_event.set)

    world.run(run_contracts, params(world.frigate), ctx_hook=stop_after_the_first_purchase)
    assert world.logs.lines[-1].startswith("Stopping")
    (contract,) = sim_contracts(world)
    assert contract.accepted and not contract.fulfilled
    assert progress(world)["phase"] in ("buying", "delivering")
    world.run(run_contracts, params(world.frigate), restart_count=1)
    assert contract.fulfilled and world.logs.lines[-1] == "Done: 1 contract(s) fulfilled"
    assert any(line.startswith(f"Resuming contract {contract.id}") for line in world.logs.lines)
    assert sum(total for _, total in ledger(world)) == world.sim.agents["SCOUTER"].credits - before
    assert sim_fills(world, world.frigate, contract.trade_symbol) == ledger_fills(world, contract.trade_symbol)


def test_evaluate_prices_the_fuel_as_the_run_flies_it(world: World) -> None:
    """`contract evaluate` (application) and `contract run` use one as-flown estimate."""
    scout_everything(world)
    (contract,) = sim_contracts(world)

    async def evaluate() -> Any:
        async with world.client() as api:
            return await price_contract(world.db, api, contract.id, world.frigate, now=world.clock.now(),
                                        params=PricingParams(min_profit=10**9))

    # (evaluate reads the time-scaled simulator's deadline as game time: it refuses for time)
    _, decision, _ = asyncio.run(evaluate())
    assert decision.plan is not None and decision.plan.fuel_cost > 0
    world.run(run_contracts, params(world.frigate, min_profit=10**9))
    ended = world.logs.lines[-1]
    assert f"with the flights' refuels ({decision.plan.fuel_cost:,})" in ended, ended
    assert f"(expected profit {decision.plan.profit:,})" in ended
