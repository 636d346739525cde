"""Typed, immutable views of the API's JSON (NOTES.md §3).

Each model is parsed by its `from_json` classmethod. Only the fields the fleet uses are
typed; `raw` keeps the full payload (excluded from repr and equality) so callers can
store, e.g., a whole market response without another request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Json = dict[str, Any]


def parse_time(value: str | None) -> datetime | None:
    """ISO-8601 UTC timestamps as the server sends them (`2025-04-09T17:25:34.980Z`)."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _symbols(items: list[Json] | None, key: str = "symbol") -> tuple[str, ...]:
    return tuple(item[key] for item in items or ())


def raw_field() -> Any:
    """A model's untouched JSON, kept for callers that need a field the model does not name."""
    return field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Agent:
    symbol: str
    headquarters: str
    credits: int
    starting_faction: str
    ship_count: int
    account_id: str | None = None
    raw: Json = raw_field()

    @classmethod
    def from_json(cls, data: Json) -> Agent:
        return cls(
            symbol=data["symbol"],
            headquarters=data["headquarters"],
            credits=int(data["credits"]),
            starting_faction=data["startingFaction"],
            ship_count=int(data.get("shipCount", 0)),
            account_id=data.get("accountId"),
            raw=data,
        )


@dataclass(frozen=True)
class Fuel:
    current: int
    capacity: int

    @classmethod
    def from_json(cls, data: Json) -> Fuel:
        return cls(current=int(data["current"]), capacity=int(data["capacity"]))


@dataclass(frozen=True)
class Route:
    origin_symbol: str
    destination_symbol: str
    departure_time: datetime | None
    arrival: datetime | None

    @classmethod
    def from_json(cls, data: Json) -> Route:
        return cls(
            origin_symbol=data["origin"]["symbol"],
            destination_symbol=data["destination"]["symbol"],
            departure_time=parse_time(data.get("departureTime")),
            arrival=parse_time(data.get("arrival")),
        )


@dataclass(frozen=True)
class ShipNav:
    system_symbol: str
    waypoint_symbol: str
    status: str  # IN_TRANSIT | IN_ORBIT | DOCKED
    flight_mode: str
    route: Route

    @classmethod
    def from_json(cls, data: Json) -> ShipNav:
        return cls(
            system_symbol=data["systemSymbol"],
            waypoint_symbol=data["waypointSymbol"],
            status=data["status"],
            flight_mode=data.get("flightMode", "CRUISE"),
            route=Route.from_json(data["route"]),
        )


@dataclass(frozen=True)
class Ship:
    symbol: str
    role: str
    frame: str
    engine_speed: int
    fuel: Fuel
    nav: ShipNav
    cargo_capacity: int
    cargo_units: int
    raw: Json = raw_field()

    @classmethod
    def from_json(cls, data: Json) -> Ship:
        return cls(
            symbol=data["symbol"],
            role=data["registration"]["role"],
            frame=data["frame"]["symbol"],
            engine_speed=int(data["engine"]["speed"]),
            fuel=Fuel.from_json(data["fuel"]),
            nav=ShipNav.from_json(data["nav"]),
            cargo_capacity=int(data["cargo"]["capacity"]),
            cargo_units=int(data["cargo"]["units"]),
            raw=data,
        )


@dataclass(frozen=True)
class Waypoint:
    symbol: str
    system_symbol: str
    type: str
    x: int
    y: int
    traits: tuple[str, ...]
    orbits: str | None = None
    orbitals: tuple[str, ...] = ()
    raw: Json = raw_field()

    @property
    def has_marketplace(self) -> bool:
        return "MARKETPLACE" in self.traits

    @property
    def has_shipyard(self) -> bool:
        return "SHIPYARD" in self.traits

    @classmethod
    def from_json(cls, data: Json) -> Waypoint:
        return cls(
            symbol=data["symbol"],
            system_symbol=data["systemSymbol"],
            type=data["type"],
            x=int(data["x"]),
            y=int(data["y"]),
            traits=_symbols(data.get("traits")),
            orbits=data.get("orbits"),
            orbitals=_symbols(data.get("orbitals")),
            raw=data,
        )


@dataclass(frozen=True)
class TradeGood:
    symbol: str
    type: str  # EXPORT | IMPORT | EXCHANGE
    trade_volume: int
    supply: str
    activity: str | None
    purchase_price: int
    sell_price: int

    @classmethod
    def from_json(cls, data: Json) -> TradeGood:
        return cls(
            symbol=data["symbol"],
            type=data["type"],
            trade_volume=int(data["tradeVolume"]),
            supply=data["supply"],
            activity=data.get("activity"),
            purchase_price=int(data["purchasePrice"]),
            sell_price=int(data["sellPrice"]),
        )


@dataclass(frozen=True)
class Market:
    symbol: str
    exports: tuple[str, ...]
    imports: tuple[str, ...]
    exchange: tuple[str, ...]
    trade_goods: tuple[TradeGood, ...] = ()  # empty unless one of our ships is present
    raw: Json = raw_field()

    @property
    def goods(self) -> frozenset[str]:
        """Every good this market lists, priced or not."""
        return frozenset(self.exports + self.imports + self.exchange)

    @classmethod
    def from_json(cls, data: Json) -> Market:
        return cls(
            symbol=data["symbol"],
            exports=_symbols(data.get("exports")),
            imports=_symbols(data.get("imports")),
            exchange=_symbols(data.get("exchange")),
            trade_goods=tuple(TradeGood.from_json(g) for g in data.get("tradeGoods") or ()),
            raw=data,
        )


@dataclass(frozen=True)
class ShipyardListing:
    type: str
    name: str
    supply: str
    purchase_price: int

    @classmethod
    def from_json(cls, data: Json) -> ShipyardListing:
        return cls(
            type=data["type"],
            name=str(data.get("name") or data["type"]),
            supply=data.get("supply", ""),
            purchase_price=int(data.get("purchasePrice", 0)),
        )


@dataclass(frozen=True)
class Shipyard:
    symbol: str
    ship_types: tuple[str, ...]
    ships: tuple[ShipyardListing, ...] = ()  # empty unless one of our ships is present
    modifications_fee: int = 0
    raw: Json = raw_field()

    @classmethod
    def from_json(cls, data: Json) -> Shipyard:
        return cls(
            symbol=data["symbol"],
            ship_types=_symbols(data.get("shipTypes"), key="type"),
            ships=tuple(ShipyardListing.from_json(s) for s in data.get("ships") or ()),
            modifications_fee=int(data.get("modificationsFee", 0)),
            raw=data,
        )


@dataclass(frozen=True)
class System:
    symbol: str
    sector_symbol: str
    type: str
    x: int
    y: int
    waypoint_count: int
    raw: Json = raw_field()

    @classmethod
    def from_json(cls, data: Json) -> System:
        return cls(
            symbol=data["symbol"],
            sector_symbol=data["sectorSymbol"],
            type=data["type"],
            x=int(data["x"]),
            y=int(data["y"]),
            waypoint_count=len(data.get("waypoints") or ()),
            raw=data,
        )


@dataclass(frozen=True)
class RegisterResult:
    token: str = field(repr=False)  # the new agent token: a secret
    agent: Agent
    ships: tuple[Ship, ...]

    @classmethod
    def from_json(cls, data: Json) -> RegisterResult:
        return cls(
            token=data["token"],
            agent=Agent.from_json(data["agent"]),
            ships=tuple(Ship.from_json(s) for s in data.get("ships") or ()),
        )


@dataclass(frozen=True)
class NavigateResult:
    nav: ShipNav
    fuel: Fuel

    @classmethod
    def from_json(cls, data: Json) -> NavigateResult:
        return cls(nav=ShipNav.from_json(data["nav"]), fuel=Fuel.from_json(data["fuel"]))


@dataclass(frozen=True)
class RefuelResult:
    fuel: Fuel
    credits: int  # agent credits after paying
    units: int  # market units bought (1 market unit = 100 ship fuel units)
    price: int  # total price paid
    timestamp: datetime | None = None  # the server's time of the fill

    @classmethod
    def from_json(cls, data: Json) -> RefuelResult:
        transaction = data.get("transaction") or {}
        return cls(
            fuel=Fuel.from_json(data["fuel"]),
            credits=int(data["agent"]["credits"]),
            units=int(transaction.get("units", 0)),
            price=int(transaction.get("totalPrice", 0)),
            timestamp=parse_time(transaction.get("timestamp")),
        )


@dataclass(frozen=True)
class ServerStatus:
    status: str
    version: str
    reset_date: str
    next_reset: datetime | None
    raw: Json = raw_field()

    @classmethod
    def from_json(cls, data: Json) -> ServerStatus:
        return cls(
            status=data.get("status", ""),
            version=data.get("version", ""),
            reset_date=data["resetDate"],
            next_reset=parse_time((data.get("serverResets") or {}).get("next")),
            raw=data,
        )
