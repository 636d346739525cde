"""One ledger entry per money-moving API result: trade, refuel, ship purchase, contract payment, jump.

Shared by the one-off commands (application) and the operations that run in containers, which
sit below application: every ledger row of a kind is built the same way, whoever made the step.
"""

from __future__ import annotations

from datetime import datetime

from spacetraders.api.models import RefuelResult
from spacetraders.api.trade_models import ContractResult, ShipPurchase, TradeResult
from spacetraders.persistence.ledger import LedgerEntry, LedgerKind


def entry_for_trade(
    result: TradeResult, *, player_id: int, at: datetime, container_id: str | None = None
) -> LedgerEntry:
    """A purchase (spend) or a sale (income) of cargo."""
    t = result.transaction
    sale = t.type.upper() == "SELL"
    return LedgerEntry(
        player_id=player_id, at=at, kind=LedgerKind.SALE if sale else LedgerKind.PURCHASE,
        total=t.total_price if sale else -t.total_price, credits_after=result.agent.credits,
        ship_symbol=t.ship_symbol, container_id=container_id, good=t.trade_symbol, units=t.units,
        unit_price=t.price_per_unit, waypoint_symbol=t.waypoint_symbol,
    )


def entry_for_refuel(
    result: RefuelResult, *, player_id: int, ship_symbol: str, at: datetime,
    container_id: str | None = None, waypoint_symbol: str | None = None,
) -> LedgerEntry:
    """Fuel bought at a market (`units` are market units: 1 = 100 ship fuel)."""
    units = result.units or None
    return LedgerEntry(
        player_id=player_id, at=at, kind=LedgerKind.REFUEL, total=-result.price, credits_after=result.credits,
        ship_symbol=ship_symbol, container_id=container_id, good="FUEL", units=units,
        unit_price=round(result.price / units) if units else None, waypoint_symbol=waypoint_symbol,
    )


def entry_for_ship_purchase(
    result: ShipPurchase, *, player_id: int, at: datetime, buyer_ship: str | None = None,
    container_id: str | None = None,
) -> LedgerEntry:
    """A ship bought at a yard; `good` is its type, `reference` the new ship's symbol."""
    t = result.transaction
    return LedgerEntry(
        player_id=player_id, at=at, kind=LedgerKind.SHIP_PURCHASE, total=-t.price,
        credits_after=result.agent.credits, ship_symbol=buyer_ship, container_id=container_id,
        good=t.ship_type, units=1, unit_price=t.price, waypoint_symbol=t.waypoint_symbol,
        reference=result.ship.symbol,
    )


def entry_for_contract(
    result: ContractResult, *, player_id: int, at: datetime, fulfilled: bool,
    ship_symbol: str | None = None, container_id: str | None = None,
) -> LedgerEntry:
    """The advance paid on accepting a contract, or the payment on fulfilling it."""
    c = result.contract
    return LedgerEntry(
        player_id=player_id, at=at,
        kind=LedgerKind.CONTRACT_FULFILLED if fulfilled else LedgerKind.CONTRACT_ACCEPTED,
        total=c.on_fulfilled if fulfilled else c.on_accepted, credits_after=result.agent.credits,
        ship_symbol=ship_symbol, container_id=container_id, reference=c.id,
    )


def entry_for_jump(
    *, player_id: int, at: datetime, ship_symbol: str, fee: int, credits_after: int,
    destination: str | None = None, container_id: str | None = None,
) -> LedgerEntry:
    """The antimatter fee of a jump (the API's jump response carries fee and agent)."""
    return LedgerEntry(
        player_id=player_id, at=at, kind=LedgerKind.JUMP, total=-fee, credits_after=credits_after,
        ship_symbol=ship_symbol, container_id=container_id, good="ANTIMATTER", waypoint_symbol=destination,
    )
