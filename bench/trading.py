"""How much of what perfect knowledge would earn does `trade run` earn? Ours vs an oracle vs a baseline.

The simulator runs in-process (httpx.ASGITransport) on a *virtual* clock (time jumps to the
next wake-up once every worker sleeps; time_scale 1, so game time = clock time), seeded, with
a fresh SQLite database per run. One agent: 3 probes scouting and one light hauler trading for
`--hours` game-hours. The API budget is the real one (2/s + burst, one limiter for the whole
account; scouts at SCOUTING priority), so API calls cost game time as they do live.

Scouting: the real `ScoutTourCommand` operation, on the tours `scout markets` plans for the 3
probes (every marketplace of the home system, re-read as fast as the loop allows).

Three traders, each on an identical seed and world:
- ours: `TradeCommand` as shipped (stored quotes the scouts keep fresh, trade_planning.best_plan
  with its deliberately pessimistic impact model);
- oracle: the same hauler and the same run, planning every trip on the TRUE current prices read
  from the simulator's state (age 0) with the simulator's own impact factors (exchange 1.01 /
  0.975, no rounding slack); no scouts are needed (nor run);
- baseline: the best single lane by spread (best bid - best ask of one good) from the same
  scouted data, full hold (budget permitting), no impact model, no travel cost: buy while the
  ask stays below the stored bid, sell everything.

Profit = credits at the end - credits at the start + cost of cargo still aboard (at cost).

    python bench/trading.py [--seed 5] [--hours 4]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from spacetraders.api import RateLimiter, RetryPolicy, SpaceTradersClient
from spacetraders.api.models import Market
from spacetraders.application.scouting import ScoutRequest, scout_markets
from spacetraders.clock import VirtualClock
from spacetraders.domain.trade_planning import (
    ImpactModel,
    MarketQuote,
    TradeAction,
    TradePlan,
    TradeStop,
)
from spacetraders.operations.base import ContainerContext
from spacetraders.operations.scout_tour import run_scout_tour
from spacetraders.operations.trade_quotes import ScoutedPlanner
from spacetraders.operations.trade_run import TradeParams, TradeRun
from spacetraders.persistence.database import Database
from spacetraders.persistence.markets import store_market_snapshot
from spacetraders.persistence.migrations import upgrade
from spacetraders.persistence.models import Player
from spacetraders.sim.app import create_app
from spacetraders.sim.config import SimConfig

BASE = "http://sim/v2"
SIM_IMPACT = ImpactModel(exchange_buy=1.01, exchange_sell=0.975, rounding_slack=0.0)


class Counting(httpx.AsyncBaseTransport):
    """Counts the requests one client makes."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.calls = inner, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return await self.inner.handle_async_request(request)


class OraclePlanner(ScoutedPlanner):
    """The simulator's true prices now, and its own impact factors."""

    def __init__(self, sim: Any) -> None:
        super().__init__(SIM_IMPACT)
        self.sim = sim

    async def quotes(self, run: TradeRun) -> list[MarketQuote]:
        game_now, now = self.sim.game_now(), run.ctx.clock.now()
        quotes = []
        for symbol, market in self.sim.markets.items():
            if "-".join(symbol.split("-")[:2]) not in run.p.systems:
                continue
            for g in market.trade_goods(game_now):
                quotes.append(MarketQuote(symbol, g["symbol"], g["purchasePrice"], g["sellPrice"], g["tradeVolume"],
                                          g["supply"], g.get("activity"), now, g["type"]))
        return quotes


class BaselinePlanner(ScoutedPlanner):
    """The widest spread in the scouted data, a full hold, no impact model, no travel cost."""

    async def plan(self, run: TradeRun, budget: int) -> TradePlan | None:
        now, max_age = run.ctx.clock.now(), timedelta(seconds=run.p.max_age_s)
        fresh = [q for q in await self.quotes(run) if now - q.observed_at <= max_age and q.waypoint in run.coords]
        best: tuple[int, MarketQuote, MarketQuote] | None = None
        for source in fresh:
            if not source.purchase_price:
                continue
            for sink in fresh:
                if sink.good != source.good or sink.waypoint == source.waypoint or sink.sell_price is None:
                    continue
                spread = sink.sell_price - source.purchase_price
                if spread * 100 >= run.p.min_margin_pct * source.purchase_price and (best is None or spread > best[0]):
                    best = (spread, source, sink)
        if best is None:
            return None
        spread, source, sink = best
        assert source.purchase_price is not None and sink.sell_price is not None
        units = min(run.ship.cargo_capacity - sum(run.book.cargo.values()), budget // source.purchase_price)
        if units < 1:
            return None
        buy = TradeAction(source.waypoint, source.good, "buy", units, source.purchase_price, sink.sell_price - 1)
        sell = TradeAction(sink.waypoint, sink.good, "sell", units, sink.sell_price, 0)
        age = max((now - q.observed_at).total_seconds() for q in (source, sink))
        return TradePlan(stops=(TradeStop(source.waypoint, (buy,)), TradeStop(sink.waypoint, (sell,))),
                         expected_profit=spread * units, seconds=0.0, fuel_cost=0, profit_per_hour=0.0,
                         data_age_s=age)


def _know_every_market(db: Database, sim: Any, player_id: int, clock: VirtualClock) -> None:
    """Store every market as the simulator holds it now (what the oracle knows at every instant)."""
    game_now = sim.game_now()  # one instant for the whole pass
    with db.transaction() as uow:
        for waypoint in sim.markets:
            store_market_snapshot(uow.session, Market.from_json(sim.priced_market(waypoint, game_now)),
                                  player_id=player_id, now=clock.now())


@dataclass
class Figures:
    trader: str
    profit: int
    hours: float
    trader_calls: int
    scout_calls: int
    trips: int
    fills: int
    breaches: int
    stranded: int
    wall_s: float

    @property
    def per_hour(self) -> float:
        return self.profit / self.hours


def run_one(trader: str, seed: int, hours: float) -> Figures:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(db)
        try:
            figures = asyncio.run(_run(trader, seed, hours, db))
        finally:
            db.dispose()
    figures.wall_s = time.perf_counter() - started
    return figures


async def _run(trader: str, seed: int, hours: float, db: Database) -> Figures:
    clock = VirtualClock()
    app = create_app(SimConfig(seed=seed, time_scale=1.0, enforce_rate_limit=False, clock=clock))
    sim = app.state.sim
    inner = httpx.ASGITransport(app=app)
    async with SpaceTradersClient(BASE, transport=inner, clock=clock, limiter=RateLimiter(clock)) as anonymous:
        registered = await anonymous.register("BENCHER", "COSMIC", "account-token")
    agent = sim.agents["BENCHER"]
    hq = sim.universe.waypoints[agent.headquarters]
    hauler = sim._new_ship(agent, "SHIP_LIGHT_HAULER", hq, sim.now()).symbol
    probes = [s.symbol for s in registered.ships if s.fuel.capacity == 0]
    with db.transaction() as uow:
        player = uow.players.add(Player(agent_symbol="BENCHER", token=registered.token, faction="COSMIC",
                                        headquarters=agent.headquarters, created_at=clock.now()))
        player_id = player.player_id
    limiter = RateLimiter(clock)  # one account, one budget
    scout_t, trade_t = Counting(inner), Counting(inner)

    def client(transport: httpx.AsyncBaseTransport) -> SpaceTradersClient:
        return SpaceTradersClient(BASE, registered.token, transport=transport, clock=clock, limiter=limiter,
                                  retry=RetryPolicy(max_attempts=5))

    log = logging.getLogger(f"bench.trading.{trader}")
    contexts: list[ContainerContext] = []
    start_credits = agent.credits
    async with client(scout_t) as scout_api, client(trade_t) as trade_api:
        def context(name: str, api: SpaceTradersClient, params: dict[str, Any]) -> ContainerContext:
            ctx = ContainerContext(container_id=f"{name}-bench", player_id=player_id, params=params, restart_count=0,
                                   api=api, log=log, clock=clock, db=db)
            contexts.append(ctx)
            return ctx

        workers: list[Any] = []
        if trader == "oracle":
            _know_every_market(db, sim, player_id, clock)  # no catalogue calls when routing: it knows
        else:
            tours = await scout_markets(db, scout_api, ScoutRequest.parse(ships=probes, system=hq.system_symbol,
                                                                          dry_run=True),
                                        player_id=player_id, now=clock.now())
            for tour in tours.tours:
                if tour.markets:
                    workers.append(run_scout_tour(context(f"scout-{tour.ship_symbol}", scout_api, {
                        "ship_symbol": tour.ship_symbol, "system": hq.system_symbol, "markets": list(tour.markets),
                        "min_interval": 0, "start_delay": tour.start_delay})))
        planner = {"ours": ScoutedPlanner(), "oracle": OraclePlanner(sim), "baseline": BaselinePlanner()}[trader]
        params = TradeParams(ship_symbol=hauler, run_id=f"bench-{trader}", systems=(hq.system_symbol,),
                             max_spend=10**9, reserve=0, min_margin_pct=5.0, max_age_s=3600.0)
        run = TradeRun(context("trade", trade_api, {}), params, planner)
        workers.append(run.run())

        async def stop_after() -> None:
            await clock.sleep(hours * 3600)
            for ctx in contexts:
                ctx.stop_event.set()

        await clock.run(*workers, stop_after())
    held_cost = run.book.in_flight
    profit = agent.credits - start_credits + held_cost
    stranded = sum(1 for s in agent.ships.values() if s.template.fuel_capacity > 0 and s.fuel == 0)
    return Figures(trader, profit, hours, trade_t.calls, scout_t.calls, run.book.trip, run.book.fills,
                   run.book.breaches, stranded, 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--hours", type=float, default=4.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"seed {args.seed}, {args.hours:g} game-hours, 1 light hauler; scouts: 3 probes on ScoutTourCommand "
          f"(the tours `scout markets` plans), none for the oracle")
    results = {name: run_one(name, args.seed, args.hours) for name in ("ours", "oracle", "baseline")}
    print(f"{'trader':<9} {'profit':>10} {'profit/h':>10} {'trips':>6} {'fills':>6} {'calls':>6} "
          f"{'calls/credit':>12} {'scout calls':>11} {'breaches':>8} {'stranded':>8} {'wall s':>7}")
    for f in results.values():
        per_credit = f"{f.trader_calls / f.profit:.4f}" if f.profit > 0 else "-"
        print(f"{f.trader:<9} {f.profit:>10,} {f.per_hour:>10,.0f} {f.trips:>6} {f.fills:>6} {f.trader_calls:>6} "
              f"{per_credit:>12} {f.scout_calls:>11} {f.breaches:>8} {f.stranded:>8} {f.wall_s:>7.1f}")
    ours, oracle, baseline = (results[k].per_hour for k in ("ours", "oracle", "baseline"))
    print(f"ours / oracle   = {_ratio(ours, oracle)} (target >= 0.8)")
    print(f"ours / baseline = {_ratio(ours, baseline)} (target >= 1.3)")


def _ratio(a: float, b: float) -> str:
    if b <= 0:
        return "n/a (denominator earned nothing)" if a > 0 else "n/a"
    return f"{a / b:.2f}" if math.isfinite(a / b) else "n/a"


if __name__ == "__main__":
    main()
