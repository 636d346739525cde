"""Typed views of the travel operations' JSON: jump gates, jump, warp, cooldown, chart,
construction (ECONOMY.md §15; conventions as in models.py: frozen, `raw` kept aside)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spacetraders.api.models import Agent, Fuel, ShipNav, Waypoint, parse_time, raw_field

Json = dict[str, Any]


@dataclass(frozen=True)
class JumpGate:
    symbol: str
    connections: tuple[str, ...]  # gate waypoints in other systems

    @classmethod
    def from_json(cls, data: Json) -> JumpGate:
        return cls(symbol=data["symbol"], connections=tuple(data.get("connections") or ()))


@dataclass(frozen=True)
class Cooldown:
    ship_symbol: str
    total_seconds: int
    remaining_seconds: int
    expiration: datetime | None

    @classmethod
    def from_json(cls, data: Json) -> Cooldown:
        return cls(
            ship_symbol=data["shipSymbol"],
            total_seconds=int(data["totalSeconds"]),
            remaining_seconds=int(data["remainingSeconds"]),
            expiration=parse_time(data.get("expiration")),
        )


@dataclass(frozen=True)
class JumpResult:
    nav: ShipNav  # in orbit at the destination gate
    cooldown: Cooldown
    agent: Agent  # credits after the fee
    fee: int  # the ANTIMATTER bought for the jump
    raw: Json = raw_field()

    @classmethod
    def from_json(cls, data: Json) -> JumpResult:
        return cls(
            nav=ShipNav.from_json(data["nav"]),
            cooldown=Cooldown.from_json(data["cooldown"]),
            agent=Agent.from_json(data["agent"]),
            fee=int((data.get("transaction") or {}).get("totalPrice", 0)),
            raw=data,
        )


@dataclass(frozen=True)
class WarpResult:
    nav: ShipNav  # in transit to the other system
    fuel: Fuel

    @classmethod
    def from_json(cls, data: Json) -> WarpResult:
        return cls(nav=ShipNav.from_json(data["nav"]), fuel=Fuel.from_json(data["fuel"]))


@dataclass(frozen=True)
class ChartResult:
    waypoint: Waypoint  # with its real traits now
    submitted_by: str
    submitted_on: datetime | None
    agent: Agent

    @classmethod
    def from_json(cls, data: Json) -> ChartResult:
        chart = data.get("chart") or {}
        return cls(
            waypoint=Waypoint.from_json(data["waypoint"]),
            submitted_by=chart.get("submittedBy", ""),
            submitted_on=parse_time(chart.get("submittedOn")),
            agent=Agent.from_json(data["agent"]),
        )


@dataclass(frozen=True)
class ConstructionMaterial:
    trade_symbol: str
    required: int
    fulfilled: int

    @property
    def missing(self) -> int:
        return max(0, self.required - self.fulfilled)


@dataclass(frozen=True)
class Construction:
    symbol: str
    materials: tuple[ConstructionMaterial, ...]
    is_complete: bool

    @classmethod
    def from_json(cls, data: Json) -> Construction:
        return cls(
            symbol=data["symbol"],
            materials=tuple(
                ConstructionMaterial(m["tradeSymbol"], int(m["required"]), int(m["fulfilled"]))
                for m in data.get("materials") or ()
            ),
            is_complete=bool(data["isComplete"]),
        )


@dataclass(frozen=True)
class SupplyResult:
    construction: Construction
    cargo_units: int  # what the ship still carries

    @classmethod
    def from_json(cls, data: Json) -> SupplyResult:
        return cls(construction=Construction.from_json(data["construction"]), cargo_units=int(data["cargo"]["units"]))
