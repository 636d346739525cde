"""The game rules: agents, ships, navigation, markets, shipyards. No HTTP here.

Every operation is O(1) in the number of ships (dict look-ups plus a per-agent,
per-waypoint presence index), so a fleet of thousands costs nothing per request.

Time: all reported timestamps are real (clock) time; game durations are divided by
`time_scale`, so a 700 game-second hop at time_scale 100 arrives 7 clock seconds later
and a client sleeping until `route.arrival` needs no knowledge of the scale.
`game_now()` (start + elapsed x time_scale) drives market price drift.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta
from typing import Any

from spacetraders.clock import Clock, SystemClock
from spacetraders.domain.navigation import FlightMode, distance, fuel_cost, travel_time
from spacetraders.sim import catalogue
from spacetraders.sim.agents import Agent, make_token, token_reset_date
from spacetraders.sim.config import FaultConfig, SimConfig
from spacetraders.sim.contracts import ContractBoard
from spacetraders.sim.errors import SimError, not_found, validation_error
from spacetraders.sim.faults import FaultInjector, ScriptedFailure
from spacetraders.sim.generator import generate_universe
from spacetraders.sim.markets import Market
from spacetraders.sim.ratelimit import RateLimiter
from spacetraders.sim.ship_templates import TEMPLATES
from spacetraders.sim.ships import DOCKED, IN_ORBIT, IN_TRANSIT, Ship
from spacetraders.sim.shipyards import MODIFICATIONS_FEE, Shipyards
from spacetraders.sim.spec_enums import WAYPOINT_TRAITS, WAYPOINT_TYPES
from spacetraders.sim.timefmt import iso
from spacetraders.sim.universe import System, Universe, Waypoint
from spacetraders.sim.universe_file import load_universe
from spacetraders.sim.world import WorldState

MAX_PAGE_LIMIT = 20
FUEL_PER_MARKET_UNIT = 100
SHIPYARD_MODIFICATIONS_FEE = MODIFICATIONS_FEE


class Simulator:
    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.clock: Clock = self.config.clock or SystemClock()
        self.universe: Universe = (
            load_universe(self.config.universe_file, self.config.seed)
            if self.config.universe_file
            else generate_universe(self.config.seed, self.config.systems)
        )
        self.started_at = self.clock.now()
        self._started_mono = self.clock.monotonic()
        self.reset_date = self.started_at.date().isoformat()
        self.markets: dict[str, Market] = {
            w.symbol: Market.build(self.config.seed, w.symbol, w.market, self.started_at)
            for w in self.universe.waypoints.values()
            if w.market is not None
        }
        self.shipyards = Shipyards(self.config.seed)
        self.contracts = ContractBoard(self)
        self.agents: dict[str, Agent] = {}
        self._agents_by_token: dict[str, Agent] = {}
        self._ships: dict[str, Ship] = {}
        self._present: dict[tuple[str, str], set[Ship]] = {}  # (agent, waypoint) -> ships there or heading there
        self.limiter = RateLimiter()
        self.faults = FaultInjector(self.config.faults, self.config.seed)
        self.world = WorldState(self.universe, self.config.seed)  # gates, construction, surveys

    # -- time and test hooks ------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def game_now(self) -> datetime:
        elapsed = self.clock.monotonic() - self._started_mono
        return self.started_at + timedelta(seconds=elapsed * self.config.time_scale)

    def set_faults(self, faults: FaultConfig) -> None:
        self.config.faults = faults
        self.faults.config = faults

    def fail_next(
        self, ship_symbol: str, count: int = 1, status: int = 500, code: int | None = None, message: str | None = None
    ) -> None:
        """The ship's next `count` calls to /my/ships/{ship}... answer with this error."""
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        failure = ScriptedFailure(status, code if code is not None else status, message or "Injected failure.")
        self.faults.fail_next(ship_symbol, count, failure)

    # -- auth and registration ----------------------------------------------------------

    def agent_for(self, authorization: str | None) -> Agent:
        token = _bearer(authorization)
        if token is None:
            raise SimError(401, 4103, "Missing bearer token. Send Authorization: Bearer <agent token>.")
        agent = self._agents_by_token.get(token)
        if agent is not None:
            return agent
        claimed = token_reset_date(token)
        if claimed is not None and claimed != self.reset_date:
            raise SimError(
                401, 401, "Token reset_date does not match the server. Server resets happen on a weekly basis.",
                {"expected": self.reset_date, "actual": claimed},
            )
        raise SimError(401, 4104, "Token is invalid or belongs to no agent.")

    def optional_agent(self, authorization: str | None) -> Agent | None:
        token = _bearer(authorization)
        return self._agents_by_token.get(token) if token else None

    def register(self, authorization: str | None, body: Any) -> dict[str, Any]:
        account_token = _bearer(authorization)
        if account_token is None:
            raise SimError(401, 4103, "Registering needs an account token: Authorization: Bearer <account token>.")
        if not isinstance(body, dict):
            raise validation_error("body", "expected a JSON object with symbol and faction")
        symbol, faction = body.get("symbol"), body.get("faction")
        if not isinstance(symbol, str) or not 3 <= len(symbol) <= 14:
            raise validation_error("symbol", "must be a string of 3 to 14 characters")
        if not all(c.isascii() and (c.isalnum() or c == "_") for c in symbol):
            # no '-': ship symbols are <AGENT>-<hex> and must split unambiguously
            raise validation_error("symbol", "may contain only letters, digits and '_'")
        if not isinstance(faction, str) or faction.upper() not in catalogue.FACTIONS:
            raise validation_error("faction", f"must be one of {', '.join(catalogue.FACTIONS)}")
        if "email" in body and not isinstance(body["email"], str):
            raise validation_error("email", "must be a string")
        symbol, faction = symbol.upper(), faction.upper()
        digest = hashlib.sha256(account_token.encode()).hexdigest()
        existing = self.agents.get(symbol)
        if existing is not None:
            if existing.account_token_digest == digest:
                raise SimError(409, 4109, f"Agent {symbol} already exists.", {"agentSymbol": symbol})
            raise SimError(409, 4111, f"Agent symbol {symbol} is taken by another account.", {"agentSymbol": symbol})
        now = self.now()
        agent = Agent(
            symbol=symbol,
            faction=faction,
            headquarters=self.universe.headquarters,
            account_id=f"sim{digest[:22]}",
            account_token_digest=digest,
            token=make_token(symbol, self.reset_date, int(now.timestamp())),
        )
        self.agents[symbol] = agent
        self._agents_by_token[agent.token] = agent
        hq = self.universe.waypoints[agent.headquarters]
        ships = [self._new_ship(agent, "SHIP_COMMAND_FRIGATE", hq, now)]
        ships += [self._new_ship(agent, "SHIP_PROBE", hq, now) for _ in range(self.config.probes_per_agent)]
        return {
            "token": agent.token,
            "agent": agent.api(),
            "faction": catalogue.faction(faction, hq.symbol),
            "contract": self.contracts.starting(agent),
            "ships": [s.api() for s in ships],
        }

    def _new_ship(self, agent: Agent, ship_type: str, at: Waypoint, now: datetime) -> Ship:
        template = TEMPLATES[ship_type]
        ship = Ship(
            symbol=agent.new_ship_symbol(), agent_symbol=agent.symbol, faction=agent.faction, template=template,
            location=at, origin=at, departure=now, arrival=now, status=DOCKED, fuel=template.fuel_capacity,
        )
        agent.ships[ship.symbol] = ship
        self._ships[ship.symbol] = ship
        self._present.setdefault((agent.symbol, at.symbol), set()).add(ship)
        return ship

    # -- ships --------------------------------------------------------------------------

    def ship(self, agent: Agent, symbol: str) -> Ship:
        ship = agent.ships.get(symbol.upper())
        if ship is None:
            raise not_found("Ship", symbol)
        ship.settle(self.now())
        return ship

    def list_ships(self, agent: Agent, page: int, limit: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
        ships = list(agent.ships.values())  # one agent's fleet, never the whole universe
        start = (page - 1) * limit
        now = self.now()
        chunk = ships[start : start + limit]
        for s in chunk:
            s.settle(now)
        return [s.api() for s in chunk], {"total": len(ships), "page": page, "limit": limit}

    def relocate(self, ship: Ship, destination: Waypoint) -> None:
        """Move a ship (jump, warp) keeping the presence index right; the caller sets nav."""
        self._present[(ship.agent_symbol, ship.location.symbol)].discard(ship)
        self._present.setdefault((ship.agent_symbol, destination.symbol), set()).add(ship)
        ship.origin, ship.location = ship.location, destination

    def remove_ship(self, agent: Agent, ship: Ship) -> None:
        """Forget a scrapped ship."""
        self._present[(agent.symbol, ship.location.symbol)].discard(ship)
        del agent.ships[ship.symbol]
        del self._ships[ship.symbol]

    def ships_in_system(self, system_symbol: str) -> list[Ship]:
        """Every agent's ships in (or flying within) a system, for scans: a full pass, scans are rare."""
        prefix = system_symbol + "-"
        return [s for (_, wp), ships in self._present.items() if wp.startswith(prefix) for s in ships]

    def _not_in_transit(self, ship: Ship) -> None:
        now = self.now()
        if ship.in_transit(now):
            secs = ship.seconds_to_arrival(now)
            raise SimError(
                400, 4214, f"Ship is currently in-transit from {ship.origin.symbol} to {ship.location.symbol} "
                f"and arrives in {secs} seconds.",
                {
                    "departureSymbol": ship.origin.symbol,
                    "destinationSymbol": ship.location.symbol,
                    "arrival": iso(ship.arrival),
                    "departureTime": iso(ship.departure),
                    "secondsToArrival": secs,
                },
            )

    def orbit(self, agent: Agent, symbol: str) -> dict[str, Any]:
        ship = self.ship(agent, symbol)
        self._not_in_transit(ship)
        ship.status = IN_ORBIT
        return {"nav": ship.nav_api()}

    def dock(self, agent: Agent, symbol: str) -> dict[str, Any]:
        ship = self.ship(agent, symbol)
        self._not_in_transit(ship)
        ship.status = DOCKED
        return {"nav": ship.nav_api()}

    def navigate(self, agent: Agent, symbol: str, body: Any) -> dict[str, Any]:
        target = body.get("waypointSymbol") if isinstance(body, dict) else None
        if not isinstance(target, str) or not target:
            raise validation_error("waypointSymbol", "required: the destination waypoint symbol")
        ship = self.ship(agent, symbol)
        self._not_in_transit(ship)
        if ship.status != IN_ORBIT:
            raise SimError(400, 4236, "Ship action requires ship to be in orbit. Orbit the ship first.",
                           {"shipSymbol": ship.symbol, "navStatus": ship.status})
        target = target.upper()
        here = ship.location
        destination = self.universe.waypoints.get(target)
        if destination is None or destination.system_symbol != here.system_symbol:
            if target.rpartition("-")[0] != here.system_symbol:
                raise SimError(400, 4202, f"Navigation to {target} is outside the ship's system {here.system_symbol}. "
                               "Jump or warp instead.", {"shipSymbol": ship.symbol, "destinationSymbol": target})
            raise not_found("Waypoint", target)
        if destination is here:
            raise SimError(400, 4204, f"Ship is already at {target}.", {"shipSymbol": ship.symbol, "destinationSymbol": target})
        mode = FlightMode(ship.flight_mode)
        dist = distance(here.point, destination.point)
        needed = fuel_cost(dist, mode, ship.template.fuel_capacity)
        if needed > ship.fuel:
            raise SimError(400, 4203, f"Navigate request failed. Ship requires {needed} more fuel for navigation.",
                           {"shipSymbol": ship.symbol, "fuelRequired": needed, "fuelAvailable": ship.fuel})
        now = self.now()
        seconds = travel_time(dist, ship.template.speed, mode) / self.config.time_scale
        self._present[(agent.symbol, here.symbol)].discard(ship)
        self._present.setdefault((agent.symbol, destination.symbol), set()).add(ship)
        ship.origin, ship.location = here, destination
        ship.departure, ship.arrival = now, now + timedelta(seconds=seconds)
        ship.status = IN_TRANSIT
        ship.fuel -= needed
        ship.fuel_consumed = (needed, now)
        return {"nav": ship.nav_api(), "fuel": ship.fuel_api(), "events": []}

    def set_flight_mode(self, agent: Agent, symbol: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise validation_error("body", "expected a JSON object")
        mode = body.get("flightMode")  # optional in the spec: absent changes nothing
        if mode is not None and (not isinstance(mode, str) or mode not in FlightMode.__members__):
            raise validation_error("flightMode", f"must be one of {', '.join(FlightMode.__members__)}")
        ship = self.ship(agent, symbol)
        if mode is not None:
            ship.flight_mode = mode  # applies to the next trip; the current one keeps its arrival
        return {"nav": ship.nav_api(), "fuel": ship.fuel_api(), "events": []}

    def refuel(self, agent: Agent, symbol: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):  # an absent body arrives as {}; JSON null or a list is invalid
            raise validation_error("body", "expected a JSON object")
        units, from_cargo = body.get("units"), body.get("fromCargo", False)
        if units is not None and (isinstance(units, bool) or not isinstance(units, int) or units < 1):
            raise validation_error("units", "must be an integer >= 1")
        if not isinstance(from_cargo, bool):
            raise validation_error("fromCargo", "must be a boolean")
        ship = self.ship(agent, symbol)
        self._not_in_transit(ship)
        if ship.status != DOCKED:
            raise SimError(400, 4244, "Ship action requires ship to be docked. Dock the ship first.",
                           {"shipSymbol": ship.symbol, "navStatus": ship.status})
        market = self.markets.get(ship.location.symbol)
        if market is None or not market.spec.sells_fuel:
            raise SimError(400, 4226, f"Waypoint {ship.location.symbol} does not sell fuel.",
                           {"waypointSymbol": ship.location.symbol})
        space = ship.template.fuel_capacity - ship.fuel
        added = min(space, units if units is not None else space)
        market_units = math.ceil(added / FUEL_PER_MARKET_UNIT)
        price = market.purchase_price("FUEL", self.game_now()) or 0
        total = 0 if from_cargo else market_units * price
        if from_cargo and ship.cargo.get("FUEL", 0) < market_units:
            raise SimError(400, 4218, "Ship does not carry enough FUEL in its cargo.",
                           {"shipSymbol": ship.symbol, "unitsRequired": market_units, "unitsAvailable": ship.cargo.get("FUEL", 0)})
        if total > agent.credits:
            raise SimError(400, 4600, f"Agent has insufficient funds: {total} credits needed, {agent.credits} available.",
                           {"creditsAvailable": agent.credits, "totalPrice": total})
        now = self.now()
        agent.credits -= total
        if from_cargo and market_units:
            ship.cargo["FUEL"] -= market_units
        ship.fuel += added
        transaction = {
            "waypointSymbol": ship.location.symbol, "shipSymbol": ship.symbol, "tradeSymbol": "FUEL",
            "type": "PURCHASE", "units": market_units, "pricePerUnit": price, "totalPrice": total,
            "timestamp": iso(now),
        }
        if total:
            market.trade("FUEL", market_units, True, self.game_now())  # refuels move the FUEL price too
        market.record(transaction)
        result = {"agent": agent.api(), "fuel": ship.fuel_api(), "transaction": transaction}
        if from_cargo:
            result["cargo"] = ship.cargo_api()
        return result

    # -- systems, waypoints, markets, shipyards ----------------------------------------

    def system(self, symbol: str) -> System:
        system = self.universe.systems.get(symbol.upper())
        if system is None:
            raise not_found("System", symbol)
        return system

    def waypoint(self, system_symbol: str, waypoint_symbol: str) -> Waypoint:
        system = self.system(system_symbol)
        wp = self.universe.waypoints.get(waypoint_symbol.upper())
        if wp is None or wp.system_symbol != system.symbol:
            raise not_found("Waypoint", waypoint_symbol)
        return wp

    def list_systems(self, page: int, limit: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
        systems = list(self.universe.systems.values())
        start = (page - 1) * limit
        return [s.api for s in systems[start : start + limit]], {"total": len(systems), "page": page, "limit": limit}

    def list_waypoints(
        self, system_symbol: str, page: int, limit: int, type_: str | None = None, traits: list[str] | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        if type_ is not None and type_ not in WAYPOINT_TYPES:
            raise validation_error("type", "must be one of the WaypointType values")
        unknown = [t for t in traits or () if t not in WAYPOINT_TRAITS]
        if unknown:
            raise validation_error("traits", f"unknown WaypointTraitSymbol: {', '.join(unknown)}")
        waypoints = self.system(system_symbol).waypoints
        if type_:
            waypoints = [w for w in waypoints if w.type == type_]
        if traits:
            wanted = set(traits)
            waypoints = [w for w in waypoints if wanted <= w.trait_symbols]
        start = (page - 1) * limit
        return [w.api for w in waypoints[start : start + limit]], {"total": len(waypoints), "page": page, "limit": limit}

    def _has_ship_at(self, agent: Agent | None, waypoint: Waypoint) -> bool:
        if agent is None:
            return False
        now = self.now()
        return any(not s.in_transit(now) for s in self._present.get((agent.symbol, waypoint.symbol), ()))

    def market(self, agent: Agent | None, system_symbol: str, waypoint_symbol: str) -> dict[str, Any]:
        wp = self.waypoint(system_symbol, waypoint_symbol)
        market = self.markets.get(wp.symbol)
        if market is None:
            raise SimError(404, 4603, f"Market not found at {wp.symbol}.", {"waypointSymbol": wp.symbol})
        body = market.catalogue()
        if self._has_ship_at(agent, wp):
            body["tradeGoods"] = market.trade_goods(self.game_now())
            body["transactions"] = list(market.transactions)
        return body

    def priced_market(self, waypoint_symbol: str, game_time: datetime | None = None) -> dict[str, Any]:
        """The market as a ship present there reads it (now, or at `game_time`), without a ship:
        for benches and tests that stand in for a scout's pass."""
        market = self.markets[waypoint_symbol]
        return {**market.catalogue(), "tradeGoods": market.trade_goods(game_time or self.game_now())}

    def shipyard(self, agent: Agent | None, system_symbol: str, waypoint_symbol: str) -> dict[str, Any]:
        return self.shipyards.listing(self, agent, self.waypoint(system_symbol, waypoint_symbol))

    # -- server status ------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        richest = sorted(self.agents.values(), key=lambda a: -a.credits)[:10]
        return {
            "status": "SpaceTraders simulator is online",
            "version": "v2.3.0-sim",
            "resetDate": self.reset_date,
            "description": "A local, in-memory simulation of the SpaceTraders v2 API.",
            "stats": {
                "accounts": len({a.account_token_digest for a in self.agents.values()}),
                "agents": len(self.agents),
                "ships": len(self._ships),
                "systems": len(self.universe.systems),
                "waypoints": self.universe.waypoint_count,
            },
            "leaderboards": {
                "mostCredits": [{"agentSymbol": a.symbol, "credits": a.credits} for a in richest],
                "mostSubmittedCharts": [],
            },
            "serverResets": {"next": iso(self.started_at + timedelta(days=7)), "frequency": "weekly"},
            "announcements": [],
            "links": [],
        }


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def parse_page(page: str | None, limit: str | None) -> tuple[int, int]:
    """page >= 1 (default 1), limit 1..20 (default 10), as the real server enforces."""
    try:
        page_n = int(page) if page is not None else 1
    except ValueError:
        raise validation_error("page", "must be an integer >= 1") from None
    try:
        limit_n = int(limit) if limit is not None else 10
    except ValueError:
        raise validation_error("limit", f"must be an integer between 1 and {MAX_PAGE_LIMIT}") from None
    if page_n < 1:
        raise validation_error("page", "must be an integer >= 1")
    if not 1 <= limit_n <= MAX_PAGE_LIMIT:
        raise validation_error("limit", f"must be an integer between 1 and {MAX_PAGE_LIMIT}")
    return page_n, limit_n
