"""`ContractCommand`: one ship takes procurement contracts one after another and runs them for profit.

A round: take the open contract (or negotiate one, at the HQ if the ship's waypoint has no
faction), price it from stored market data no older than `max_age` (reading the market at
the best stale or unknown source first when nothing fresh is stored), accept it only if the
expected profit clears `min_profit` and the plan fits before the deadline with its margin;
otherwise log why and end the run, leaving the contract to a person. Then trips: fly to the
best source, buy in calls of at most tradeVolume (re-reading the quote before each call; an
ask above the plan's by more than `replan_threshold` re-plans first), fly to the destination,
deliver, until nothing remains; fulfil.

Money: every accept, purchase, refuel, delivery and fulfilment goes through MoneySteps (an
intent before the call, its ledger row and our progress after it in one transaction). The
guards cap each purchase and refuel: the agent's credits never drop below `reserve`, and a
contract's spending (purchases and refuels since its round began, read from the ledger)
never exceeds `max_spend`; a cut is logged and counted (`breaches_avoided`).

Restart safety: a (re)started run first settles the intent a kill may have left open, then
trusts the server, never its own progress, for what is done: the contract's unitsFulfilled,
accepted and fulfilled flags, the ship's cargo and position, the agent's credits. Progress
only says which contract this run took (so a resumed round is not priced again) and how many
contracts it has fulfilled.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spacetraders.api.errors import ApiError
from spacetraders.api.models import Market, Ship, TradeGood
from spacetraders.api.trade_models import Contract, ContractDelivery, ContractResult
from spacetraders.domain.contract_pricing import Decision, PricingParams, ShipState, Source, Terms, evaluate
from spacetraders.domain.navigation import Point, system_of
from spacetraders.domain.routing import ModeChoice, Route, Site, Unreachable, plan_route
from spacetraders.operations.base import ContainerContext
from spacetraders.operations.contract_data import FUEL_PER_MARKET_UNIT, stored_sources
from spacetraders.operations.money_steps import MoneySteps, StepIntent, StepKind
from spacetraders.operations.navigate import DOCKED, NavigateParams, Navigation, NavigationFailed
from spacetraders.operations.registry import register
from spacetraders.operations.route_data import MARKETPLACE, fuel_sellers, ship_state, stored_asks, system_waypoints
from spacetraders.persistence.ledger import LedgerEntry, LedgerFilter, LedgerKind, list_entries
from spacetraders.persistence.markets import store_market_snapshot
from spacetraders.persistence.progress import load_progress, save_progress
from spacetraders.persistence.unit_of_work import UnitOfWork

COMMAND_TYPE = "ContractCommand"
MAX_MARKET_READS = 4  # markets read to price one contract before giving up on it
MAX_REPLANS = 3  # per contract: a price that keeps moving is then taken as it is
NO_FACTION, ONE_CONTRACT = 4700, 4511
DEFAULT_FUEL_ASK = 100  # per market unit, when no FUEL price is stored (the simulator's are ~70)
# The pricing plans CRUISE legs; BURN halves the time for twice the fuel, and a contract's
# deadline is days away while fuel is most of its cost.
FLIGHT_MODE = ModeChoice.CRUISE
SPEND_KINDS = (LedgerKind.PURCHASE, LedgerKind.REFUEL, LedgerKind.JUMP)


class RunEnded(Exception):
    """The run stops here for a reason a person should read (refused contract, guard, no market)."""


class Stopped(Exception):
    """The container was asked to stop: unwind without touching anything."""


@dataclass(frozen=True)
class ContractRunParams:
    ship_symbol: str
    run_id: str
    count: int = 1  # contracts to fulfil; -1: until stopped
    max_spend: int | None = None  # per contract: goods and fuel
    reserve: int = 0  # the agent's credits never drop below this
    min_profit: int = 0
    max_age_seconds: float = 3600.0
    replan_threshold: float = 0.10  # an ask this far above the plan's re-plans before buying
    time_scale: float = 1.0  # game seconds per real second (a time-scaled simulator's deadlines)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ContractRunParams:
        try:
            spend = params.get("max_spend")
            p = cls(
                ship_symbol=str(params["ship_symbol"]), run_id=str(params["run_id"]),
                count=int(params.get("count", 1)), max_spend=None if spend is None else int(spend),
                reserve=int(params.get("reserve", 0)), min_profit=int(params.get("min_profit", 0)),
                max_age_seconds=float(params.get("max_age_seconds", 3600)),
                replan_threshold=float(params.get("replan_threshold", 0.10)),
                time_scale=float(params.get("time_scale", 1.0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bad ContractCommand params: {exc}") from None
        if p.count == 0 or p.count < -1 or p.reserve < 0 or (p.max_spend is not None and p.max_spend < 0):
            raise ValueError("bad ContractCommand params: count -1 or >= 1, reserve and max_spend >= 0")
        if not (p.max_age_seconds > 0 and p.time_scale > 0 and p.replan_threshold >= 0):
            raise ValueError("bad ContractCommand params: max_age_seconds and time_scale > 0, replan_threshold >= 0")
        return p


@register(COMMAND_TYPE)
async def run_contracts(ctx: ContainerContext) -> None:
    await ContractRun(ctx, ContractRunParams.from_params(ctx.params)).run()


def is_open(contract: Contract, now: datetime) -> bool:
    if contract.fulfilled:
        return False
    return now < (contract.deadline if contract.accepted else contract.deadline_to_accept)


# Which markets sell fuel, from their catalogues (which never change): the route planner would
# otherwise ask every market never scouted on every flight (a restarted run in this process too).
_SELLS_FUEL: dict[str, bool] = {}


class _Flight(Navigation):
    """The navigation container's route and legs; its refuels go through the run's money steps,
    and the route is planned with the fuel sellers this process already knows."""

    def __init__(self, ctx: ContainerContext, params: NavigateParams, run: ContractRun) -> None:
        super().__init__(ctx, params)
        self.run_ = run

    async def _refuel(self) -> None:
        await self.run_.refuel(self)

    async def _plan(self) -> Route:
        ctx, ship = self.ctx, self.ship
        if system_of(self.p.destination) != ship.nav.system_symbol:
            return await super()._plan()
        waypoints = await system_waypoints(ctx.db, ctx.api, ship.nav.system_symbol, now=ctx.clock.now())
        markets = [w.symbol for w in waypoints if MARKETPLACE in w.traits]
        unknown = [m for m in markets if m not in _SELLS_FUEL]
        if unknown and ship.fuel.capacity > 0:
            _SELLS_FUEL.update(await fuel_sellers(ctx.db, ctx.api, unknown))
        sellers = [m for m in markets if _SELLS_FUEL.get(m)]
        prices = await asyncio.to_thread(stored_asks, ctx.db, sellers, "FUEL")
        sites = {w.symbol: Site(w.symbol, w.x, w.y, _SELLS_FUEL.get(w.symbol, False), prices.get(w.symbol))
                 for w in waypoints}
        try:
            return plan_route(ship_state(ship), self.p.destination, sites, choice=self.p.mode)
        except Unreachable as exc:
            raise NavigationFailed(f"cannot reach {self.p.destination}: {exc}") from None


class ContractRun:
    def __init__(self, ctx: ContainerContext, params: ContractRunParams) -> None:
        self.ctx, self.p = ctx, params
        self.steps = MoneySteps(ctx)
        self.state: dict[str, Any] = {}
        self.credits = 0
        self.ship: Ship | None = None
        self.positions: dict[str, Point] = {}
        self._stale_best: str | None = None
        self.pricing = PricingParams(max_age_seconds=params.max_age_seconds, min_profit=params.min_profit)

    # -- the loop --------------------------------------------------------------------------

    async def run(self) -> None:
        ctx, p = self.ctx, self.p
        settled = await self.steps.settle_open(p.ship_symbol)
        if settled is not None:
            ctx.log.info("Settled an open %s of a previous run: %s", settled.intent.kind,
                         "it happened" if settled.happened else "it did not happen")
        stored = await asyncio.to_thread(self._load)
        self.state = stored or {"phase": "start", "fulfilled": 0, "breaches_avoided": 0}
        self.state.pop("ended", None)
        try:
            await self._count_fulfilled()
            while p.count < 0 or self.state["fulfilled"] < p.count:
                self._check_stop()
                await self._round()
            ctx.log.info("Done: %d contract(s) fulfilled", self.state["fulfilled"])
            self.state.update(phase="finished", next_stop=None)
            await self._checkpoint()
        except RunEnded as exc:
            ctx.log.warning("Run ended: %s", exc)
            self.state.update(phase="ended", ended=str(exc), next_stop=None)
            await self._checkpoint()
        except Stopped:
            ctx.log.info("Stopping: the round resumes from the server's state on the next start")

    async def _round(self) -> None:
        api = self.ctx.api
        self.credits = (await api.get_agent()).credits
        await self._refresh_ship()
        contract = await self._open_contract() or await self._negotiate()
        line = self._line(contract)
        resumed = self.state.get("contract") == contract.id and self.state.get("phase") not in ("done", "start")
        if not contract.accepted or not resumed:
            self.state.update(phase="pricing", contract=contract.id, since=self._now().isoformat(), bought=0,
                              delivered=0, trip=0, replans=0, next_stop=None)
            await self._checkpoint()
            decision = await self._price(contract, line, for_decision=True)
            profit = decision.plan.profit if decision.plan is not None else None
            if not decision.take:
                raise RunEnded(f"contract {contract.id} left for a person: {decision.reason}"
                               + (f" (expected profit {profit:,})" if profit is not None else ""))
            assert decision.plan is not None
            cost = decision.plan.goods_cost + decision.plan.fuel_cost
            over = self._over_guards(cost, 0 if contract.accepted else contract.on_accepted)
            if over:
                self._count_breach()
                raise RunEnded(f"contract {contract.id} left for a person: its plan would pass the {over} "
                               f"(cost {cost:,}, expected profit {profit:,})")
            self.ctx.log.info("Taking contract %s: %s; planned cost %s", contract.id, decision.reason, f"{cost:,}")
            if not contract.accepted:
                contract = await self._accept(contract)
        else:
            self.ctx.log.info("Resuming contract %s: %d/%d %s delivered", contract.id, line.units_fulfilled,
                              line.units_required, line.trade_symbol)
        self.state["phase"] = "buying"
        await self._checkpoint()
        await self._trips(contract)

    async def _count_fulfilled(self) -> None:
        """A fulfilment whose progress write a kill lost still counts (the server says it happened)."""
        cid = self.state.get("contract")
        if cid is None or self.state.get("phase") == "done":
            return
        contract = await self.ctx.api.get_contract(cid)
        if contract.fulfilled:
            self.state.update(phase="done", fulfilled=self.state["fulfilled"] + 1)
            self.ctx.log.info("Contract %s was fulfilled before the restart", cid)
            await self._checkpoint()

    async def _open_contract(self) -> Contract | None:
        now = self._now()
        return next((c for c in await self.ctx.api.list_contracts() if is_open(c, now)), None)

    async def _negotiate(self) -> Contract:
        api, symbol = self.ctx.api, self.p.ship_symbol
        self.state.update(phase="negotiating", next_stop=None)
        for where in (None, (await api.get_agent()).headquarters):
            await self._go(where or self.ship_now.nav.waypoint_symbol, dock=True)
            try:
                contract = await api.negotiate_contract(symbol)
            except ApiError as exc:
                if exc.code == ONE_CONTRACT:  # a person (or a lost answer) negotiated one meanwhile
                    found = await self._open_contract()
                    if found is not None:
                        return found
                if exc.code != NO_FACTION:
                    raise
                continue
            self.ctx.log.info("Negotiated contract %s at %s", contract.id, self.ship_now.nav.waypoint_symbol)
            return contract
        raise RunEnded("no faction to negotiate with at the ship's waypoint nor at the headquarters")

    def _line(self, contract: Contract) -> ContractDelivery:
        lines = [d for d in contract.deliver if d.units_remaining > 0] or list(contract.deliver)
        if contract.type != "PROCUREMENT" or len(lines) != 1:
            raise RunEnded(f"contract {contract.id} left for a person: only one-good procurement contracts are run")
        return lines[0]

    # -- pricing ---------------------------------------------------------------------------

    async def _price(self, contract: Contract, line: ContractDelivery, *, for_decision: bool) -> Decision:
        """The decision from stored data; markets without fresh data are read on the way (the
        best stale source first, else the nearest one whose catalogue sells the good)."""
        params = self.pricing if for_decision else dataclasses.replace(self.pricing, min_profit=-(10**15))
        read: set[str] = set()
        while True:
            decision, sources = await self._evaluate(contract, line, params)
            worth_a_look = self._stale_best is not None and self._stale_best not in read
            if (decision.plan is not None and not worth_a_look) or len(read) >= MAX_MARKET_READS:
                return decision
            target = await self._market_to_read(contract, line, sources, read)
            if target is None:
                return decision
            read.add(target)
            self.ctx.log.info("Reading market %s: %s", target, f"its stale price for {line.trade_symbol} would beat the "
                              "fresh ones" if decision.plan is not None else f"no fresh price for {line.trade_symbol}")
            await self._go(target, dock=False)
            await self._read_market(target)

    async def _inputs(self, contract: Contract, line: ContractDelivery) -> tuple[Terms, ShipState, list[Source], float]:
        """What pricing needs, as the server and the stored markets say now."""
        ship = self.ship_now
        system = system_of(line.destination_symbol)
        if ship.nav.system_symbol != system:
            raise RunEnded(f"contract {contract.id} delivers in {system}, the ship is in {ship.nav.system_symbol}")
        await self._load_positions(system)
        now = self._now()
        sources, fuel_price = await asyncio.to_thread(stored_sources, self.ctx.db, system, line.trade_symbol,
                                                      self.positions, now)
        cargo = await self.ctx.api.get_cargo(self.p.ship_symbol)
        aboard = cargo.units_of(line.trade_symbol)
        terms = Terms(
            good=line.trade_symbol, destination=line.destination_symbol,
            destination_at=self.positions[line.destination_symbol], units_remaining=max(0, line.units_remaining),
            pay_on_accept=0 if contract.accepted else contract.on_accepted, pay_on_fulfil=contract.on_fulfilled,
            # the plan counts game seconds; a time-scaled server's deadlines are real ones
            seconds_to_deadline=(contract.deadline - now).total_seconds() * self.p.time_scale,
        )
        state = ShipState(waypoint=ship.nav.waypoint_symbol, at=self.positions[ship.nav.waypoint_symbol],
                          hold=cargo.capacity - (cargo.units - aboard), units_aboard=aboard,
                          fuel_capacity=ship.fuel.capacity, speed=ship.engine_speed)
        return terms, state, sources, fuel_price

    async def _evaluate(self, contract: Contract, line: ContractDelivery,
                        params: PricingParams) -> tuple[Decision, list[Source]]:
        terms, state, sources, fuel_price = await self._inputs(contract, line)
        decision = evaluate(terms, sources, state, fuel_price=fuel_price, params=params)
        self._stale_best = None
        if sources and terms.units_remaining > state.units_aboard:
            # A stale source whose old price would beat the best fresh plan is worth a look first.
            ageless = dataclasses.replace(params, max_age_seconds=float("inf"), min_profit=-(10**15))
            guess = evaluate(terms, sources, state, fuel_price=fuel_price, params=ageless).plan
            best = decision.plan
            if guess is not None and guess.source is not None and (best is None or (
                    guess.source != best.source and guess.profit > best.profit)):
                age = next(s.age_seconds for s in sources if s.waypoint == guess.source)
                if age > params.max_age_seconds:
                    self._stale_best = guess.source
        return decision, sources

    async def _market_to_read(self, contract: Contract, line: ContractDelivery, sources: list[Source],
                              read: set[str]) -> str | None:
        if self._stale_best is not None and self._stale_best not in read:
            return self._stale_best
        known = {s.waypoint for s in sources} | read
        here = self.positions[self.ship_now.nav.waypoint_symbol]
        system = system_of(line.destination_symbol)
        markets = [w for w in await system_waypoints(self.ctx.db, self.ctx.api, system, now=self._now())
                   if MARKETPLACE in w.traits and w.symbol not in known]
        for w in sorted(markets, key=lambda w: (math.dist((w.x, w.y), here), w.symbol)):
            catalogue = await self.ctx.api.get_market(system, w.symbol)  # public: no ship needed
            if line.trade_symbol in catalogue.exports + catalogue.exchange:
                return w.symbol
        return None

    # -- trips -----------------------------------------------------------------------------

    async def _trips(self, contract: Contract) -> None:
        api, symbol = self.ctx.api, self.p.ship_symbol
        while True:
            self._check_stop()
            line = self._line(contract)
            remaining = max(0, line.units_remaining)
            if remaining == 0:
                await self._fulfil(contract)
                return
            cargo = await api.get_cargo(symbol)
            aboard = cargo.units_of(line.trade_symbol)
            target = min(remaining, cargo.capacity - (cargo.units - aboard))
            if target <= 0:
                raise RunEnded(f"the hold of {symbol} is full of other cargo: no room for {line.trade_symbol}")
            if aboard < target:
                self.state["phase"] = "buying"
                await self._buy(contract, line, target - aboard)
                continue
            self.state["phase"] = "delivering"
            await self._go(line.destination_symbol, dock=True)
            contract = await self._deliver(contract, line, min(aboard, remaining))

    async def _buy(self, contract: Contract, line: ContractDelivery, want: int) -> None:
        """Buy up to `want` units at the best source; returns early to let the caller re-plan."""
        decision = await self._price(contract, line, for_decision=False)
        if decision.plan is None or decision.plan.source is None:
            raise RunEnded(f"no market to buy {line.trade_symbol} at: {decision.reason}")
        source = decision.plan.source
        await self._go(source, dock=True)
        expected_at: tuple[int, float, int] | None = None  # (ask, impact factor, units bought here since)
        done = 0
        while done < want:
            self._check_stop()
            row = await self._quote(source, line.trade_symbol)
            if expected_at is None:
                plan_source = next((s for s in await self._sources(line) if s.waypoint == source), None)
                expected_at = (plan_source.price if plan_source else row.purchase_price,
                               self.pricing.impact(row.supply), 0)
            ask0, factor, since = expected_at
            expected = ask0 * factor ** ((done - since) / max(1, row.trade_volume))
            if row.purchase_price > expected * (1 + self.p.replan_threshold) and self.state["replans"] < MAX_REPLANS:
                self.state["replans"] += 1
                self.ctx.log.info("Ask for %s at %s is %d, the plan expected %.0f: re-planning",
                                  line.trade_symbol, source, row.purchase_price, expected)
                again = await self._price(contract, line, for_decision=False)
                if again.plan is not None and again.plan.source not in (None, source):
                    self.ctx.log.info("Re-planned: buying at %s instead", again.plan.source)
                    return
                expected_at = (row.purchase_price, self.pricing.impact(row.supply), done)
            units = await self._guarded(min(want - done, row.trade_volume), row.purchase_price, line.trade_symbol)
            await self._purchase(line.trade_symbol, units, source)
            done += units

    async def _sources(self, line: ContractDelivery) -> list[Source]:
        sources, _ = await asyncio.to_thread(stored_sources, self.ctx.db, system_of(line.destination_symbol),
                                             line.trade_symbol, self.positions, self._now())
        return sources

    async def _quote(self, waypoint: str, good: str) -> TradeGood:
        market = await self._read_market(waypoint)
        row = next((g for g in market.trade_goods if g.symbol == good), None)
        if row is None:
            raise RunEnded(f"market {waypoint} does not sell {good}")
        return row

    async def _read_market(self, waypoint: str) -> Market:
        """Read the market where the ship is (prices show only with a ship present) and store it."""
        market = await self.ctx.api.get_market(system_of(waypoint), waypoint)
        if market.trade_goods:
            now = self._now()

            def write() -> None:
                with self.ctx.db.transaction() as uow:
                    store_market_snapshot(uow.session, market, player_id=self.ctx.player_id, now=now)

            await asyncio.to_thread(write)
        return market

    # -- money steps -------------------------------------------------------------------------

    def _over_guards(self, cost: int, advance: int) -> str | None:
        """Which guard a plan costing `cost` would pass (the advance is paid before any spending)."""
        if self.p.max_spend is not None and cost > self.p.max_spend:
            return f"max spend {self.p.max_spend:,}"
        if self.credits + advance - cost < self.p.reserve:
            return f"reserve {self.p.reserve:,} (credits {self.credits:,})"
        return None

    def _count_breach(self) -> None:
        self.state["breaches_avoided"] = self.state.get("breaches_avoided", 0) + 1

    async def _guarded(self, units: int, ask: int, good: str) -> int:
        """`units`, cut so that the reserve and the contract's spending cap hold; 0 ends the run."""
        allowed = units
        why = []
        if self.credits - units * ask < self.p.reserve:
            allowed = min(allowed, max(0, (self.credits - self.p.reserve) // ask))
            why.append(f"reserve {self.p.reserve:,} (credits {self.credits:,})")
        if self.p.max_spend is not None:
            spent = await self._spent()
            if spent + units * ask > self.p.max_spend:
                allowed = min(allowed, max(0, (self.p.max_spend - spent) // ask))
                why.append(f"max spend {self.p.max_spend:,} (spent {spent:,})")
        if allowed < units:
            self._count_breach()
            self.ctx.log.warning("Guard: buying %d %s at %d would pass the %s; buying %d", units, good, ask,
                                 " and the ".join(why), allowed)
            await self._checkpoint()
        if allowed <= 0:
            raise RunEnded(f"guard: no more {good} can be bought within the " + " and the ".join(why))
        return allowed

    async def _spent(self) -> int:
        since = self.state.get("since")

        def read() -> int:
            with self.ctx.db.read() as session:
                rows = list_entries(session, LedgerFilter(player_id=self.ctx.player_id, ship_symbol=self.p.ship_symbol,
                                                          since=datetime.fromisoformat(since) if since else None),
                                    limit=100_000)
                return -sum(r.total for r in rows if r.kind in SPEND_KINDS)

        return await asyncio.to_thread(read)

    async def _purchase(self, good: str, units: int, waypoint: str) -> None:
        api, symbol = self.ctx.api, self.p.ship_symbol

        def entry(r: Any) -> LedgerEntry:
            t = r.transaction
            return self._entry(LedgerKind.PURCHASE, -t.total_price, r.agent.credits, good=t.trade_symbol,
                               units=t.units, unit_price=t.price_per_unit, waypoint_symbol=t.waypoint_symbol)

        def also(uow: UnitOfWork, r: Any) -> None:
            self.state["bought"] = self.state.get("bought", 0) + r.transaction.units
            self._save(uow)

        result = await self.steps.run(StepIntent(StepKind.PURCHASE, symbol, good=good, units=units,
                                                 waypoint_symbol=waypoint),
                                      lambda: api.purchase_cargo(symbol, good, units), entry, also)
        self.credits = result.agent.credits
        self.ctx.log.info("Bought %d %s at %s for %d (%d each; credits %d)", units, good, waypoint,
                          result.transaction.total_price, result.transaction.price_per_unit, self.credits)

    async def _deliver(self, contract: Contract, line: ContractDelivery, units: int) -> Contract:
        api, symbol = self.ctx.api, self.p.ship_symbol

        def also(uow: UnitOfWork, r: Any) -> None:
            self.state["delivered"] = self.state.get("delivered", 0) + units
            self.state["trip"] = self.state.get("trip", 0) + 1
            self._save(uow)

        result = await self.steps.run(
            StepIntent(StepKind.DELIVER, symbol, good=line.trade_symbol, units=units,
                       waypoint_symbol=line.destination_symbol, reference=contract.id),
            lambda: api.deliver_contract(contract.id, symbol, line.trade_symbol, units), lambda _r: None, also)
        done = result.contract.deliver[0] if result.contract.deliver else line
        self.ctx.log.info("Delivered %d %s to %s: %d/%d", units, line.trade_symbol, line.destination_symbol,
                          done.units_fulfilled, done.units_required)
        return result.contract

    async def _accept(self, contract: Contract) -> Contract:
        api = self.ctx.api

        def also(uow: UnitOfWork, _r: Any) -> None:
            self.state["phase"] = "buying"
            self._save(uow)

        result: ContractResult = await self.steps.run(
            StepIntent(StepKind.ACCEPT, self.p.ship_symbol, reference=contract.id),
            lambda: api.accept_contract(contract.id),
            lambda r: self._entry(LedgerKind.CONTRACT_ACCEPTED, r.contract.on_accepted, r.agent.credits,
                                  reference=r.contract.id), also)
        self.credits = result.agent.credits
        self.ctx.log.info("Accepted contract %s: +%d (credits %d)", contract.id, contract.on_accepted, self.credits)
        return result.contract

    async def _fulfil(self, contract: Contract) -> None:
        api = self.ctx.api

        def also(uow: UnitOfWork, _r: Any) -> None:
            self.state.update(phase="done", fulfilled=self.state["fulfilled"] + 1, next_stop=None)
            self._save(uow)

        result: ContractResult = await self.steps.run(
            StepIntent(StepKind.FULFIL, self.p.ship_symbol, reference=contract.id),
            lambda: api.fulfill_contract(contract.id),
            lambda r: self._entry(LedgerKind.CONTRACT_FULFILLED, r.contract.on_fulfilled, r.agent.credits,
                                  reference=r.contract.id), also)
        self.credits = result.agent.credits
        self.ctx.log.info("Fulfilled contract %s: +%d (credits %d); %d fulfilled by this run", contract.id,
                          contract.on_fulfilled, self.credits, self.state["fulfilled"])

    async def refuel(self, flight: Navigation) -> None:
        """A refuel on the way (the flight asked for it), within the guards."""
        api, symbol = self.ctx.api, self.p.ship_symbol
        await flight._save(await api.dock(symbol))
        ship = flight.ship
        here = ship.nav.waypoint_symbol
        market_units = math.ceil((ship.fuel.capacity - ship.fuel.current) / FUEL_PER_MARKET_UNIT)
        ask = await self._fuel_ask(here)
        await self._guarded(market_units, ask, "FUEL")

        def entry(r: Any) -> LedgerEntry:
            units = r.units or None
            return self._entry(LedgerKind.REFUEL, -r.price, r.credits, good="FUEL", units=units,
                               unit_price=round(r.price / units) if units else None, waypoint_symbol=here)

        def also(uow: UnitOfWork, r: Any) -> None:
            flight._store(uow, fuel=r.fuel)
            self._save(uow)

        result = await self.steps.run(StepIntent(StepKind.REFUEL, symbol, good="FUEL", waypoint_symbol=here),
                                      lambda: api.refuel(symbol), entry, also)
        self.credits = result.credits
        self.ctx.log.info("Refuelled at %s for %d (credits %d)", here, result.price, self.credits)
        await flight._save(await api.orbit(symbol))

    async def _fuel_ask(self, waypoint: str) -> int:
        """The stored FUEL ask here, else the dearest stored in the system (the guard errs high)."""
        asks = await asyncio.to_thread(stored_asks, self.ctx.db, [waypoint], "FUEL")
        if waypoint in asks:
            return asks[waypoint]
        system = system_of(waypoint)
        known = [w for w in self.positions if system_of(w) == system]
        everywhere = await asyncio.to_thread(stored_asks, self.ctx.db, known, "FUEL")
        return max(everywhere.values(), default=DEFAULT_FUEL_ASK)

    # -- the ship ----------------------------------------------------------------------------

    @property
    def ship_now(self) -> Ship:
        assert self.ship is not None, "ship read before use"
        return self.ship

    async def _refresh_ship(self) -> None:
        self.ship = await self.ctx.api.get_ship(self.p.ship_symbol)

    async def _go(self, waypoint: str, *, dock: bool) -> None:
        """Fly there (the navigation's route, refuels through our money steps); dock if asked."""
        self.state["next_stop"] = waypoint
        await self._checkpoint()
        flight = _Flight(self.ctx, NavigateParams(self.p.ship_symbol, waypoint, FLIGHT_MODE), self)
        await flight.run()
        self._check_stop()
        self.ship = flight.ship
        if dock and self.ship.nav.status != DOCKED:
            nav = await self.ctx.api.dock(self.p.ship_symbol)
            await flight._save(nav)
            self.ship = flight.ship

    async def _load_positions(self, system: str) -> None:
        if not any(s.startswith(system + "-") for s in self.positions):
            for w in await system_waypoints(self.ctx.db, self.ctx.api, system, now=self._now()):
                self.positions[w.symbol] = Point(w.x, w.y)

    # -- progress ----------------------------------------------------------------------------

    def _check_stop(self) -> None:
        if self.ctx.stopping:
            raise Stopped()

    def _now(self) -> datetime:
        return self.ctx.clock.now()

    def _load(self) -> dict[str, Any] | None:
        with self.ctx.db.read() as session:
            return load_progress(session, self.ctx.player_id, self.p.run_id)

    def _save(self, uow: UnitOfWork) -> None:
        save_progress(uow, self.ctx.player_id, self.p.run_id, ship_symbol=self.p.ship_symbol,
                      command_type=COMMAND_TYPE, container_id=self.ctx.container_id, state=dict(self.state),
                      now=self._now())

    async def _checkpoint(self) -> None:
        def write() -> None:
            with self.ctx.db.transaction() as uow:
                self._save(uow)

        await asyncio.to_thread(write)

    def _entry(self, kind: LedgerKind, total: int, credits_after: int, **fields: Any) -> LedgerEntry:
        return LedgerEntry(player_id=self.ctx.player_id, at=self._now(), kind=kind, total=total,
                           credits_after=credits_after, ship_symbol=self.p.ship_symbol,
                           container_id=self.ctx.container_id, **fields)
