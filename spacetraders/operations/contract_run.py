"""`ContractCommand`: one ship takes procurement contracts one after another and runs them for profit.

A round: take the open contract (or negotiate one, at the HQ if the ship's waypoint has no
faction), price it from stored market data no older than `max_age` (reading markets on the
way first: the best stale source when nothing fresh is stored or when its old price would
beat the fresh ones, else the nearest market whose catalogue sells the good), accept it only
if the expected profit clears `min_profit`, the plan fits before the deadline with its margin
and its cost stays within the guards; otherwise log why and end the run, leaving the contract
to a person. Then trips: fly (CRUISE, the navigation's route) to the best source, buy in calls
of at most tradeVolume (re-reading the quote before each; an ask above the plan's by more
than `replan_threshold` re-plans first, which may move to another source), fly to the
destination, deliver, until nothing remains; fulfil. The money side (steps, guards,
progress) lives in `contract_money`.

Restart safety: a (re)started run first settles the money step a kill may have left open,
then trusts the server, never its own progress, for what is done: the contract's
unitsFulfilled, accepted and fulfilled flags, the ship's cargo and position, the agent's
credits. Progress only says which contract this run took (so a resumed round is not priced
again), how many it fulfilled, and what a person or the map wants to see (phase, next stop).
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
from spacetraders.api.trade_models import Contract, ContractDelivery
from spacetraders.domain.contract_pricing import (
    Decision,
    PricingParams,
    ShipState,
    Source,
    Terms,
    evaluate,
    priced_as_flown,
    stops_of,
)
from spacetraders.domain.navigation import Point, system_of
from spacetraders.domain.routing import Unreachable
from spacetraders.operations.base import ContainerContext
from spacetraders.operations.contract_data import stored_sources
from spacetraders.operations.contract_flight import FLIGHT_MODE, ContractFlight
from spacetraders.operations.contract_money import COMMAND_TYPE, ContractMoney, Progress, RunEnded
from spacetraders.operations.fuel_as_flown import refuels_as_flown
from spacetraders.operations.navigate import DOCKED, NavigateParams
from spacetraders.operations.registry import register
from spacetraders.operations.route_data import MARKETPLACE, system_waypoints
from spacetraders.persistence.markets import store_market_snapshot

MAX_MARKET_READS = 4  # markets read to price one contract before giving up on it
MAX_REPLANS = 3  # per contract: a price that keeps moving is then taken as it is
NO_FACTION, ONE_CONTRACT = 4700, 4511


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


class ContractRun:
    def __init__(self, ctx: ContainerContext, params: ContractRunParams) -> None:
        self.ctx, self.p = ctx, params
        self.progress = Progress(ctx, params.run_id, params.ship_symbol)
        self.money = ContractMoney(ctx, self.progress, reserve=params.reserve, max_spend=params.max_spend)
        self.ship: Ship | None = None
        self.positions: dict[str, Point] = {}
        self._stale_best: str | None = None
        self.pricing = PricingParams(max_age_seconds=params.max_age_seconds, min_profit=params.min_profit)

    @property
    def state(self) -> dict[str, Any]:
        return self.progress.state

    # -- the loop --------------------------------------------------------------------------

    async def run(self) -> None:
        ctx, p = self.ctx, self.p
        settled = await self.money.steps.settle_open(p.ship_symbol)
        if settled is not None:
            ctx.log.info("Settled an open %s of a previous run: %s", settled.intent.kind,
                         "it happened" if settled.happened else "it did not happen")
        await asyncio.to_thread(self.progress.load)
        self.state.pop("ended", None)
        try:
            await self._count_fulfilled()
            while p.count < 0 or self.state["fulfilled"] < p.count:
                self._check_stop()
                await self._round()
            ctx.log.info("Done: %d contract(s) fulfilled", self.state["fulfilled"])
            self.state.update(phase="finished", next_stop=None)
            await self.progress.checkpoint()
        except RunEnded as exc:
            ctx.log.warning("Run ended: %s", exc)
            self.state.update(phase="ended", ended=str(exc), next_stop=None)
            await self.progress.checkpoint()
        except Stopped:
            ctx.log.info("Stopping: the round resumes from the server's state on the next start")

    async def _round(self) -> None:
        api = self.ctx.api
        self.money.credits = (await api.get_agent()).credits
        await self._refresh_ship()
        contract = await self._open_contract() or await self._negotiate()
        line = self._line(contract)
        resumed = self.state.get("contract") == contract.id and self.state.get("phase") not in ("done", "start")
        if not contract.accepted or not resumed:
            if self.state.get("contract") != contract.id:  # a pricing a kill interrupted keeps its start
                self.state.update(contract=contract.id, since=self._now().isoformat(), bought=0, delivered=0, trip=0,
                                  replans=0)
            self.state.update(phase="pricing", next_stop=None)
            await self.progress.checkpoint()
            decision = await self._as_flown(contract, line, await self._price(contract, line, for_decision=True))
            profit = decision.plan.profit if decision.plan is not None else None
            if not decision.take:
                raise RunEnded(f"contract {contract.id} left for a person: {decision.reason}"
                               + (f" (expected profit {profit:,})" if profit is not None else ""))
            assert decision.plan is not None and profit is not None
            fuel = decision.plan.fuel_cost  # as flown: the same figure `contract evaluate` shows
            cost = decision.plan.goods_cost + fuel
            over = self.money.over_guards(cost, 0 if contract.accepted else contract.on_accepted)
            if over:
                self.progress.count_breach()
                raise RunEnded(f"contract {contract.id} left for a person: its plan would pass the {over} "
                               f"(cost {cost:,}, expected profit {profit:,})")
            self.ctx.log.info("Taking contract %s: %s; as flown: fuel %s, cost %s, profit %s", contract.id,
                              decision.reason, f"{fuel:,}", f"{cost:,}", f"{profit:,}")
            if not contract.accepted:
                contract = await self.money.accept(contract)
        else:
            self.ctx.log.info("Resuming contract %s: %d/%d %s delivered", contract.id, line.units_fulfilled,
                              line.units_required, line.trade_symbol)
        self.state["phase"] = "buying"
        await self.progress.checkpoint()
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
            await self.progress.checkpoint()

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

    async def _as_flown(self, contract: Contract, line: ContractDelivery, decision: Decision) -> Decision:
        """The decision with its plan's fuel priced as these flights will pay it (as `contract evaluate`)."""
        if decision.plan is None:
            return decision
        stops = stops_of(decision.plan, line.destination_symbol)
        try:
            fuel = await refuels_as_flown(self.ctx.db, self.ctx.api, self.ship_now, stops, now=self.ctx.clock.now())
        except Unreachable as exc:
            raise RunEnded(f"the plan's stops cannot be flown: {exc}") from None
        return priced_as_flown(decision, fuel, self._seconds_left(contract), self.pricing)

    def _seconds_left(self, contract: Contract) -> float:
        # the plan counts game seconds; a time-scaled server's deadlines are real ones
        return (contract.deadline - self._now()).total_seconds() * self.p.time_scale

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
            seconds_to_deadline=self._seconds_left(contract),
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
                await self.money.fulfil(contract)
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
            contract = await self.money.deliver(contract, line, min(aboard, remaining))

    async def _buy(self, contract: Contract, line: ContractDelivery, want: int) -> None:
        """Buy up to `want` units at the best source; returns early to let the caller re-plan."""
        decision = await self._price(contract, line, for_decision=False)
        if decision.plan is None or decision.plan.source is None:
            raise RunEnded(f"no market to buy {line.trade_symbol} at: {decision.reason}")
        source = decision.plan.source
        planned = next(s for s in await self._sources(line) if s.waypoint == source)  # what the plan priced
        self.state["route"] = [source, line.destination_symbol]  # the map draws the round's stops
        await self._go(source, dock=True)
        # the ask the plan expects: its price, lifted by the impact of what was bought here since
        ask0, factor, since = planned.price, self.pricing.impact(planned.supply), 0
        done = 0
        while done < want:
            self._check_stop()
            row = await self._quote(source, line.trade_symbol)
            expected = ask0 * factor ** ((done - since) / max(1, row.trade_volume))
            replans = self.state.get("replans", 0)
            if row.purchase_price > expected * (1 + self.p.replan_threshold) and replans < MAX_REPLANS:
                self.state["replans"] = replans + 1
                self.ctx.log.info("Ask for %s at %s is %d, the plan expected %.0f: re-planning",
                                  line.trade_symbol, source, row.purchase_price, expected)
                again = await self._price(contract, line, for_decision=False)
                if again.plan is not None and again.plan.source not in (None, source):
                    self.ctx.log.info("Re-planned: buying at %s instead", again.plan.source)
                    return
                ask0, factor, since = row.purchase_price, self.pricing.impact(row.supply), done
            units = await self.money.guarded(min(want - done, row.trade_volume), row.purchase_price, line.trade_symbol)
            await self.money.purchase(line.trade_symbol, units, source)
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
        await self.progress.checkpoint()
        flight = ContractFlight(self.ctx, NavigateParams(self.p.ship_symbol, waypoint, FLIGHT_MODE), self.money,
                                self.positions)
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

    # -- helpers -----------------------------------------------------------------------------

    def _check_stop(self) -> None:
        if self.ctx.stopping:
            raise Stopped()

    def _now(self) -> datetime:
        return self.ctx.clock.now()
