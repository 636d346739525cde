"""`contract run` against an oracle: N contracts in the simulator, profit per contract.

For each seed, two identical worlds (in-process simulator on a fake clock, one new agent,
a throw-away SQLite database) each run `ContractCommand --count N` with the agent's command
ship from its starting contract on:

- **ours**: the real operation; market data as a scout left it `--data-age` minutes before
  the start (every market of the system read once): prices have drifted since, and later
  contracts find it stale (older than the run's 1 h max age) and read markets on the way;
- **oracle**: the same operation and ship, but before every pricing the database is filled
  with the true current prices read from the simulator's state directly (no flight, no API
  call, never stale); it buys with the same price-impact model.

Profit per contract is realised (the ledger, which tests hold equal to the server's credits):
everything the ship earned and spent from the end of the previous contract to this one's
fulfilment, scouting flights included. Printed per contract and in total, with the ratio
(target >= 0.9), deadlines missed (accepted, not fulfilled; target 0), guard breaches (a
ledger row below the reserve or a contract spending more than max-spend; target 0), guard
cuts the run made (breaches avoided), API calls per contract, and what our refuels cost.

    python bench/contracts.py [--seeds 1 2 3 4 5] [--count 3] [--reserve 20000] [--max-spend 150000] [--data-age 45]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from spacetraders.api import RateLimiter, RetryPolicy, SpaceTradersClient  # noqa: E402
from spacetraders.api.models import Market  # noqa: E402
from spacetraders.api.trade_models import Contract, ContractDelivery  # noqa: E402
from spacetraders.clock import FakeClock  # noqa: E402
from spacetraders.domain.contract_pricing import ShipState, Source, Terms  # noqa: E402
from spacetraders.operations.base import ContainerContext  # noqa: E402
from spacetraders.operations.contract_run import ContractRun, ContractRunParams  # noqa: E402
from spacetraders.persistence.database import Database  # noqa: E402
from spacetraders.persistence.ledger import LedgerFilter, list_entries  # noqa: E402
from spacetraders.persistence.markets import store_market_snapshot  # noqa: E402
from spacetraders.persistence.migrations import upgrade  # noqa: E402
from spacetraders.persistence.models import Player  # noqa: E402
from spacetraders.persistence.progress import load_progress  # noqa: E402
from spacetraders.sim.app import create_app  # noqa: E402
from spacetraders.sim.config import SimConfig  # noqa: E402

BASE_URL = "http://sim/v2"
RUN_ID = "b" * 32


class Counting(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, clock: FakeClock) -> None:
        self.inner, self.clock, self.calls = inner, clock, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.clock.advance(0.01)  # requests take time on a real server
        return await self.inner.handle_async_request(request)


@dataclass
class World:
    seed: int
    db: Database
    clock: FakeClock
    sim: Any
    transport: Counting
    token: str
    player_id: int
    ship: str
    system: str
    fulfilled: list[str] = field(default_factory=list)

    def scout_everything(self) -> None:
        """Every market of the system stored as read right now, from the simulator's state."""
        with self.db.transaction() as uow:
            for waypoint in self.sim.markets:
                if waypoint.startswith(self.system + "-"):
                    store_market_snapshot(uow.session, Market.from_json(self.sim.priced_market(waypoint)),
                                          player_id=self.player_id, now=self.clock.now())


def make_world(seed: int, directory: Path, tag: str) -> World:
    clock = FakeClock()
    app = create_app(SimConfig(seed=seed, time_scale=1, enforce_rate_limit=False, clock=clock))
    inner = httpx.ASGITransport(app=app)
    db = Database(f"sqlite:///{directory / f'{tag}-{seed}.db'}")
    upgrade(db)

    async def register() -> Any:
        async with SpaceTradersClient(BASE_URL, transport=inner, clock=clock, limiter=RateLimiter(clock)) as anonymous:
            return await anonymous.register("BENCHER", "COSMIC", "account-token")

    registered = asyncio.run(register())
    with db.transaction() as uow:
        player = Player(agent_symbol="BENCHER", token=registered.token, created_at=clock.now())
        uow.session.add(player)
        uow.session.flush()
        player_id = player.player_id
    ship = next(s for s in registered.ships if s.fuel.capacity > 0)
    return World(seed, db, clock, app.state.sim, Counting(inner, clock), registered.token, player_id, ship.symbol,
                 ship.nav.system_symbol)


class OracleRun(ContractRun):
    """Prices from the simulator's true state before every decision: never stale, never scouted."""

    world: World

    async def _inputs(self, contract: Contract, line: ContractDelivery) -> tuple[Terms, ShipState, list[Source], float]:
        await asyncio.to_thread(self.world.scout_everything)
        return await super()._inputs(contract, line)


def run_world(world: World, *, oracle: bool, count: int, reserve: int, max_spend: int) -> list[str]:
    logger = logging.getLogger(f"bench.contracts.{id(world)}")
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    params = ContractRunParams(world.ship, RUN_ID, count=count, reserve=reserve, max_spend=max_spend)

    async def go() -> None:
        async with SpaceTradersClient(BASE_URL, world.token, transport=world.transport, clock=world.clock,
                                      limiter=RateLimiter(world.clock),
                                      retry=RetryPolicy(max_attempts=3, rng=random.Random(1))) as api:
            ctx = ContainerContext(container_id=f"bench-{'oracle' if oracle else 'ours'}", player_id=world.player_id,
                                   params={}, restart_count=0, api=api, log=logger, clock=world.clock, db=world.db)
            run = OracleRun(ctx, params) if oracle else ContractRun(ctx, params)
            if oracle:
                assert isinstance(run, OracleRun)
                run.world = world
            await run.run()

    asyncio.run(go())
    return lines


@dataclass(frozen=True)
class ContractFigures:
    contract: str
    good: str
    units: int
    profit: int
    spent: int
    fuel: int  # of `spent`: refuels


def per_contract(world: World) -> tuple[list[ContractFigures], int]:
    """Realised figures per fulfilled contract (ledger windows ending at each fulfilment), and
    the lowest credits any ledger row shows."""
    with world.db.read() as session:
        rows = sorted(list_entries(session, LedgerFilter(player_id=world.player_id), limit=100_000),
                      key=lambda r: r.entry_id)
        entries = [(r.kind, r.total, r.reference, r.credits_after) for r in rows]
    by_id = {c.id: c for c in world.sim.contracts._by_agent.get("BENCHER", [])}
    figures, profit, spent, fuel = [], 0, 0, 0
    for kind, total, reference, _ in entries:
        profit += total
        spent += -total if total < 0 else 0
        fuel += -total if kind == "refuel" else 0
        if kind == "contract_fulfilled" and reference is not None:
            c = by_id[reference]
            figures.append(ContractFigures(reference, c.trade_symbol, c.units_required, profit, spent, fuel))
            profit, spent, fuel = 0, 0, 0
    return figures, min((e[3] for e in entries), default=0)


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":  # set iteration somewhere breaks ties: pin it so seeds repeat
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--count", type=int, default=3, help="contracts per seed")
    parser.add_argument("--reserve", type=int, default=20_000)
    parser.add_argument("--max-spend", type=int, default=150_000)
    parser.add_argument("--verbose", action="store_true", help="print each run's log")
    parser.add_argument("--data-age", type=float, default=45, help="minutes between the scout's pass and the start")
    args = parser.parse_args()
    console = Console(width=150)
    table = Table(title=f"contract run vs oracle ({len(args.seeds)} seed(s) x {args.count} contract(s))")
    for column in ("seed", "#", "good x units (ours / oracle)", "our profit", "oracle profit", "ratio", "our spend", "our fuel"):
        table.add_column(column, justify="left" if column.startswith("good") else "right")
    totals = {"ours": 0, "fuel": 0, "oracle": 0, "missed": 0, "breaches": 0, "cuts": 0, "calls": 0, "contracts": 0}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            results = {}
            for tag in ("ours", "oracle"):
                world = make_world(seed, Path(tmp), tag)
                if tag == "ours":
                    world.scout_everything()  # a scout's pass; it ages, and goes stale as the run goes on
                world.clock.advance(args.data_age * 60)  # both worlds start this long after that pass
                lines = run_world(world, oracle=tag == "oracle", count=args.count, reserve=args.reserve,
                                  max_spend=args.max_spend)
                if args.verbose:
                    console.print(f"--- seed {seed} {tag}", *lines, sep="\n", highlight=False, soft_wrap=True)
                figures, lowest = per_contract(world)
                contracts = world.sim.contracts._by_agent.get("BENCHER", [])
                missed = sum(1 for c in contracts if c.accepted and not c.fulfilled)
                breaches = int(lowest < args.reserve) + sum(1 for f in figures if f.spent > args.max_spend)
                with world.db.read() as session:
                    state = load_progress(session, world.player_id, RUN_ID) or {}
                results[tag] = (figures, missed, breaches, int(state.get("breaches_avoided", 0)),
                                world.transport.calls, state.get("ended"))
            ours, oracle = results["ours"], results["oracle"]
            for i in range(max(len(ours[0]), len(oracle[0]))):
                a = ours[0][i] if i < len(ours[0]) else None
                b = oracle[0][i] if i < len(oracle[0]) else None
                goods = " / ".join(f"{f.good} x {f.units}" if f else "-" for f in (a, b))
                ratio = f"{a.profit / b.profit:.2f}" if a and b and b.profit > 0 else "-"
                table.add_row(str(seed), str(i + 1), goods, f"{a.profit:,}" if a else "-", f"{b.profit:,}" if b else "-",
                              ratio, f"{a.spent:,}" if a else "-", f"{a.fuel:,}" if a else "-")
            totals["ours"] += sum(f.profit for f in ours[0])
            totals["fuel"] += sum(f.fuel for f in ours[0])
            totals["oracle"] += sum(f.profit for f in oracle[0])
            totals["missed"] += ours[1]
            totals["breaches"] += ours[2]
            totals["cuts"] += ours[3]
            totals["calls"] += ours[4]
            totals["contracts"] += len(ours[0])
            for tag, (_, _, _, _, _, ended) in results.items():
                if ended:
                    console.print(f"seed {seed} {tag}: run ended early: {ended}")
    console.print(table)
    overall = totals["ours"] / totals["oracle"] if totals["oracle"] > 0 else float("nan")
    console.print(f"total profit: ours {totals['ours']:,}, oracle {totals['oracle']:,}, ratio {overall:.3f} "
                  f"(target >= 0.9); our fuel (refuels) {totals['fuel']:,}")
    console.print(f"contracts fulfilled: {totals['contracts']}; deadlines missed: {totals['missed']} (target 0); "
                  f"guard breaches: {totals['breaches']} (target 0); guard cuts (breaches avoided): {totals['cuts']}")
    per = totals["calls"] / totals["contracts"] if totals["contracts"] else float("nan")
    console.print(f"API calls per contract (ours): {per:.0f}; wall time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
