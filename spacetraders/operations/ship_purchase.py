"""`ShipPurchaseCommand`: fly a buyer ship to a shipyard, then buy up to N ships there.

The game sells (and prices) a ship only where one of ours is, so the buyer flies first
(operations/navigate.py's Navigation: fuel-aware, resumes from where the ship is). At the
yard, each purchase is one money step (MoneySteps.run): the intent is recorded before the
call, and the new ship, its ledger row and this run's progress are written in one
transaction after it. A restarted run settles an intent left open by a kill first, then
reads its progress (keyed on the run id the params carry) and counts any purchase of the
run the ledger has and the progress lacks (settled after a lost answer), so it never buys
more than asked nor past the budget: the budget counts what earlier containers spent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from spacetraders.api.errors import ApiError
from spacetraders.api.trade_models import ShipPurchase
from spacetraders.domain.navigation import system_of
from spacetraders.domain.ship_buying import next_refusal
from spacetraders.operations.base import ContainerContext
from spacetraders.operations.money_steps import MoneySteps, StepIntent, StepKind, refused
from spacetraders.operations.navigate import NavigateParams, Navigation
from spacetraders.operations.registry import register
from spacetraders.persistence.containers import parse_params
from spacetraders.persistence.ledger import LedgerEntry, LedgerKind
from spacetraders.persistence.ledger_entries import entry_for_ship_purchase
from spacetraders.persistence.models import Container, Ledger
from spacetraders.persistence.progress import load_progress, save_progress
from spacetraders.persistence.unit_of_work import UnitOfWork
from spacetraders.persistence.universe import store_ships

COMMAND_TYPE = "ShipPurchaseCommand"
FLYING, BUYING, DONE = "flying", "buying", "done"


class PurchaseFailed(RuntimeError):
    """The buyer is not at the yard after flying there; the restart policy takes over."""


@dataclass(frozen=True)
class PurchaseParams:
    run_id: str
    ship_symbol: str  # the buyer: flies to the yard, must be there for each purchase
    ship_type: str
    yard: str  # params["destination"]: the key NavigateCommand uses, which the map reads as the next stop
    quantity: int
    max_budget: int | None
    reserve: int

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> PurchaseParams:
        try:
            budget = params.get("max_budget")
            p = cls(str(params["run_id"]), str(params["ship_symbol"]), str(params["ship_type"]), str(params["destination"]),
                    int(params["quantity"]), None if budget is None else int(budget), int(params.get("reserve", 0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bad {COMMAND_TYPE} params: {exc}") from None
        if p.quantity < 1 or p.reserve < 0 or (p.max_budget is not None and p.max_budget < 1):
            raise ValueError(f"bad {COMMAND_TYPE} params: quantity, budget or reserve out of range")
        return p


def _run_id(config: Any) -> str | None:
    try:
        value = parse_params(config).get("run_id")
    except ValueError:
        return None
    return value if isinstance(value, str) else None


@register(COMMAND_TYPE)
async def run_ship_purchase(ctx: ContainerContext) -> None:
    await ShipPurchaseRun(ctx, PurchaseParams.from_params(ctx.params)).run()


class ShipPurchaseRun:
    def __init__(self, ctx: ContainerContext, params: PurchaseParams) -> None:
        self.ctx, self.p = ctx, params
        self.steps = MoneySteps(ctx)
        self.state: dict[str, Any] = {}

    async def run(self) -> None:
        ctx, p = self.ctx, self.p
        await self.steps.settle_open(p.ship_symbol)  # a purchase a kill left open: its ledger row
        loaded = await asyncio.to_thread(self._load)
        if loaded is None:  # a new run: saved at once, so `container inspect` and the map show it flying
            await self._save({"phase": FLYING, "ship_type": p.ship_type, "yard": p.yard, "next_stop": p.yard,
                              "bought": [], "spent": 0, "stopped": None})
        else:
            self.state = loaded
        await self._catch_up()
        if self.state["phase"] == DONE:
            ctx.log.info("This run is already done: %d %s bought", len(self.state["bought"]), p.ship_type)
            return
        if self.state["phase"] == FLYING:
            await Navigation(ctx, NavigateParams(p.ship_symbol, p.yard)).run()
            if ctx.stopping:
                return
            await self._save(self._with(phase=BUYING, next_stop=None))
        await self._buy()

    async def _buy(self) -> None:
        ctx, p, api = self.ctx, self.p, self.ctx.api
        while len(self.state["bought"]) < p.quantity and not ctx.stopping:
            yard = await api.get_shipyard(system_of(p.yard), p.yard)
            price = next((s.purchase_price for s in yard.ships if s.type == p.ship_type), None)
            if price is None:  # no prices: the buyer is not there (moved by hand?); a restart flies it back
                await self._save(self._with(phase=FLYING, next_stop=p.yard))
                raise PurchaseFailed(f"{p.ship_symbol} is not at {p.yard}: the yard shows no price")
            credits = (await api.get_agent()).credits
            refusal = next_refusal(price, credits=credits, spent=self.state["spent"], max_budget=p.max_budget,
                                   reserve=p.reserve)
            if refusal is not None:
                await self._finish(refusal)
                return
            intent = StepIntent(StepKind.SHIP_PURCHASE, p.ship_symbol, good=p.ship_type, units=1,
                                waypoint_symbol=p.yard)
            try:
                result = await self.steps.run(intent, lambda: api.purchase_ship(p.ship_type, p.yard),
                                              entry=self._entry, also=self._store)
            except ApiError as exc:
                if not refused(exc):  # MoneySteps settled it if the server could tell; the restart goes on from there
                    await self._catch_up()
                    raise
                await self._finish(f"the game refused the next purchase: {exc}")  # e.g. credits spent elsewhere
                return
            self.state = self._after(result)
            ctx.log.info("Bought %s (%s) at %s for %d credits (credits after: %d)", result.ship.symbol,
                         p.ship_type, p.yard, result.transaction.price, result.agent.credits)
        if len(self.state["bought"]) >= p.quantity:
            await self._finish(None)

    # -- progress -----------------------------------------------------------------------------

    def _with(self, **changes: Any) -> dict[str, Any]:
        return {**self.state, **changes}

    def _after(self, result: ShipPurchase) -> dict[str, Any]:
        return self._with(bought=[*self.state["bought"], result.ship.symbol],
                          spent=self.state["spent"] + result.transaction.price)

    def _entry(self, result: ShipPurchase) -> LedgerEntry:
        return entry_for_ship_purchase(result, player_id=self.ctx.player_id, at=self.ctx.clock.now(),
                                       buyer_ship=self.p.ship_symbol, container_id=self.ctx.container_id)

    def _store(self, uow: UnitOfWork, result: ShipPurchase) -> None:
        """In the money step's transaction: the new ship and the run's progress with it."""
        store_ships(uow.session, self.ctx.player_id, [result.ship], now=self.ctx.clock.now())
        self._put(uow, self._after(result))

    async def _catch_up(self) -> None:
        """Count purchases of this run that the ledger has and the progress lacks: one whose
        answer was lost (MoneySteps settled it and wrote its row, then raised) or one settled at
        this start. Our ships are stored again, as the step's own write of the new one never ran."""
        rows = await asyncio.to_thread(self._run_ledger_rows)
        missing = [(ref, -total) for ref, total in rows if ref not in self.state["bought"]]
        if not missing:
            return
        self.ctx.log.info("Counted %d purchase(s) settled after a lost answer or a restart: %s", len(missing),
                          ", ".join(ref for ref, _ in missing))
        ships = await self.ctx.api.list_ships()
        state = self._with(bought=[*self.state["bought"], *(ref for ref, _ in missing)],
                           spent=self.state["spent"] + sum(price for _, price in missing))

        def write() -> None:
            with self.ctx.db.transaction() as uow:
                store_ships(uow.session, self.ctx.player_id, ships, now=self.ctx.clock.now())
                self._put(uow, state)

        await asyncio.to_thread(write)
        self.state = state

    def _run_ledger_rows(self) -> list[tuple[str, int]]:
        """(new ship, total) of the ship purchases written by any container of this run, oldest first."""
        with self.ctx.db.read() as session:
            configs = session.execute(select(Container.container_id, Container.config).where(
                Container.player_id == self.ctx.player_id, Container.command_type == COMMAND_TYPE)).all()
            ids = [cid for cid, config in configs if _run_id(config) == self.p.run_id] or [self.ctx.container_id]
            rows = session.execute(select(Ledger.reference, Ledger.total).where(
                Ledger.player_id == self.ctx.player_id, Ledger.kind == LedgerKind.SHIP_PURCHASE.value,
                Ledger.container_id.in_(ids), Ledger.reference.is_not(None)).order_by(Ledger.entry_id)).all()
        return [(str(ref), int(total)) for ref, total in rows]

    async def _finish(self, stopped: str | None) -> None:
        await self._save(self._with(phase=DONE, stopped=stopped, next_stop=None))
        self.ctx.log.info("Done: bought %d of %d %s for %d credits%s", len(self.state["bought"]), self.p.quantity,
                          self.p.ship_type, self.state["spent"], f"; stopped: {stopped}" if stopped else "")

    def _load(self) -> dict[str, Any] | None:
        with self.ctx.db.read() as session:
            return load_progress(session, self.ctx.player_id, self.p.run_id)

    def _put(self, uow: UnitOfWork, state: dict[str, Any]) -> None:
        save_progress(uow, self.ctx.player_id, self.p.run_id, ship_symbol=self.p.ship_symbol,
                      command_type=COMMAND_TYPE, container_id=self.ctx.container_id, state=state,
                      now=self.ctx.clock.now())

    async def _save(self, state: dict[str, Any]) -> None:
        def write() -> None:
            with self.ctx.db.transaction() as uow:
                self._put(uow, state)

        await asyncio.to_thread(write)
        self.state = state
