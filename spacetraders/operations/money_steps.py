"""TEMPORARY STUB of the lead's money_steps (API from BRIEF_COMMON.md): replaced by main's at merge.

No intents are recorded: `settle_open` finds nothing, `run` makes the call and writes the entry
and `also` in one transaction. Only for running contract_run's tests before the real one lands.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from spacetraders.operations.base import ContainerContext
from spacetraders.persistence.ledger import LedgerEntry, record_entry
from spacetraders.persistence.unit_of_work import UnitOfWork

T = TypeVar("T")


class StepKind(StrEnum):
    PURCHASE = "purchase"
    SELL = "sell"
    REFUEL = "refuel"
    SHIP_PURCHASE = "ship_purchase"
    DELIVER = "deliver"
    FULFIL = "fulfil"
    ACCEPT = "accept"
    JUMP = "jump"


@dataclass(frozen=True)
class StepIntent:
    kind: StepKind
    ship_symbol: str
    good: str | None = None
    units: int | None = None
    waypoint_symbol: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class Settled:
    intent: StepIntent
    happened: bool
    entry: LedgerEntry | None


class MoneySteps:
    def __init__(self, ctx: ContainerContext) -> None:
        self.ctx = ctx

    async def settle_open(self, ship_symbol: str) -> Settled | None:
        return None

    async def run(self, intent: StepIntent, call: Callable[[], Awaitable[T]],
                  entry: Callable[[T], LedgerEntry | None],
                  also: Callable[[UnitOfWork, T], None] | None = None) -> T:
        result = await call()

        def write() -> None:
            with self.ctx.db.transaction() as uow:
                row = entry(result)
                if row is not None:
                    record_entry(uow, row)
                if also is not None:
                    also(uow, result)

        await asyncio.to_thread(write)
        return result
