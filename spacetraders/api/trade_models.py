"""Typed views of the trade, contract and ship-purchase answers (ECONOMY.md §12-§14).

Same conventions as `models.py`: frozen dataclasses built by `from_json`, only the fields
the fleet uses typed, the full payload kept in `raw` (out of repr and equality).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spacetraders.api.models import Agent, Ship, parse_time, raw_field

Json = dict[str, Any]


def _time(value: str | None) -> datetime:
    parsed = parse_time(value)
    if parsed is None:
        raise ValueError("expected a timestamp")
    return parsed


@dataclass(frozen=True)
class CargoItem:
    symbol: str
    units: int

    @classmethod
    def from_json(cls, data: Json) -> CargoItem:
        return cls(symbol=data["symbol"], units=int(data["units"]))


@dataclass(frozen=True)
class Cargo:
    capacity: int
    units: int
    inventory: tuple[CargoItem, ...] = ()

    @property
    def free(self) -> int:
        return self.capacity - self.units

    def units_of(self, symbol: str) -> int:
        return sum(i.units for i in self.inventory if i.symbol == symbol)

    @classmethod
    def from_json(cls, data: Json) -> Cargo:
        return cls(
            capacity=int(data["capacity"]),
            units=int(data["units"]),
            inventory=tuple(CargoItem.from_json(i) for i in data.get("inventory") or ()),
        )


@dataclass(frozen=True)
class MarketTransaction:
    waypoint_symbol: str
    ship_symbol: str
    trade_symbol: str
    type: str  # PURCHASE | SELL
    units: int
    price_per_unit: int
    total_price: int
    timestamp: datetime

    @classmethod
    def from_json(cls, data: Json) -> MarketTransaction:
        return cls(
            waypoint_symbol=data["waypointSymbol"],
            ship_symbol=data["shipSymbol"],
            trade_symbol=data["tradeSymbol"],
            type=data["type"],
            units=int(data["units"]),
            price_per_unit=int(data["pricePerUnit"]),
            total_price=int(data["totalPrice"]),
            timestamp=_time(data["timestamp"]),
        )


@dataclass(frozen=True)
class TradeResult:
    """What a purchase or a sale returns: the agent's new credits, the hold, the fill."""

    agent: Agent
    cargo: Cargo
    transaction: MarketTransaction

    @classmethod
    def from_json(cls, data: Json) -> TradeResult:
        return cls(
            agent=Agent.from_json(data["agent"]),
            cargo=Cargo.from_json(data["cargo"]),
            transaction=MarketTransaction.from_json(data["transaction"]),
        )


@dataclass(frozen=True)
class ContractDelivery:
    trade_symbol: str
    destination_symbol: str
    units_required: int
    units_fulfilled: int

    @property
    def units_remaining(self) -> int:
        return self.units_required - self.units_fulfilled

    @classmethod
    def from_json(cls, data: Json) -> ContractDelivery:
        return cls(
            trade_symbol=data["tradeSymbol"],
            destination_symbol=data["destinationSymbol"],
            units_required=int(data["unitsRequired"]),
            units_fulfilled=int(data["unitsFulfilled"]),
        )


@dataclass(frozen=True)
class Contract:
    id: str
    faction_symbol: str
    type: str  # PROCUREMENT | TRANSPORT | SHUTTLE
    accepted: bool
    fulfilled: bool
    on_accepted: int
    on_fulfilled: int
    deadline: datetime  # deliveries and fulfilment must happen before this
    deadline_to_accept: datetime
    deliver: tuple[ContractDelivery, ...] = ()
    raw: Json = raw_field()

    @property
    def is_complete(self) -> bool:
        """Every line delivered (fulfil can be called)."""
        return all(d.units_remaining <= 0 for d in self.deliver)

    @classmethod
    def from_json(cls, data: Json) -> Contract:
        terms = data["terms"]
        return cls(
            id=data["id"],
            faction_symbol=data["factionSymbol"],
            type=data["type"],
            accepted=bool(data["accepted"]),
            fulfilled=bool(data["fulfilled"]),
            on_accepted=int(terms["payment"]["onAccepted"]),
            on_fulfilled=int(terms["payment"]["onFulfilled"]),
            deadline=_time(terms["deadline"]),
            # `expiration` is the deprecated name older servers send
            deadline_to_accept=_time(data.get("deadlineToAccept") or data["expiration"]),
            deliver=tuple(ContractDelivery.from_json(d) for d in terms.get("deliver") or ()),
            raw=data,
        )


@dataclass(frozen=True)
class ContractResult:
    """What accept and fulfil return: the paid agent and the contract."""

    agent: Agent
    contract: Contract

    @classmethod
    def from_json(cls, data: Json) -> ContractResult:
        return cls(agent=Agent.from_json(data["agent"]), contract=Contract.from_json(data["contract"]))


@dataclass(frozen=True)
class DeliverResult:
    contract: Contract
    cargo: Cargo

    @classmethod
    def from_json(cls, data: Json) -> DeliverResult:
        return cls(contract=Contract.from_json(data["contract"]), cargo=Cargo.from_json(data["cargo"]))


@dataclass(frozen=True)
class ShipyardTransaction:
    waypoint_symbol: str
    ship_type: str
    price: int
    agent_symbol: str
    timestamp: datetime

    @classmethod
    def from_json(cls, data: Json) -> ShipyardTransaction:
        return cls(
            waypoint_symbol=data["waypointSymbol"],
            ship_type=data.get("shipType") or data["shipSymbol"],  # shipSymbol: the deprecated name
            price=int(data["price"]),
            agent_symbol=data["agentSymbol"],
            timestamp=_time(data["timestamp"]),
        )


@dataclass(frozen=True)
class ShipPurchase:
    agent: Agent
    ship: Ship
    transaction: ShipyardTransaction

    @classmethod
    def from_json(cls, data: Json) -> ShipPurchase:
        return cls(
            agent=Agent.from_json(data["agent"]),
            ship=Ship.from_json(data["ship"]),
            transaction=ShipyardTransaction.from_json(data["transaction"]),
        )
