"""Cargo and market trades: purchase, sell, cargo, jettison, transfer (ECONOMY.md §12.2).

Checks run in the order the real server reports them: ship (404), in transit (4214),
docked (4244), market here (4603), good traded here (4601/4602), units <= tradeVolume
(4604), credits (4600), then the hold. A failed check changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spacetraders.sim.errors import SimError, validation_error
from spacetraders.sim.markets import Market
from spacetraders.sim.ships import DOCKED, Ship
from spacetraders.sim.timefmt import iso

if TYPE_CHECKING:
    from spacetraders.sim.agents import Agent
    from spacetraders.sim.simulator import Simulator


def parse_units(body: Any, symbol_key: str = "symbol") -> tuple[str, int]:
    """(trade symbol, units >= 1) from a request body, or 422."""
    body = body if isinstance(body, dict) else {}
    symbol, units = body.get(symbol_key), body.get("units")
    if not isinstance(symbol, str) or not symbol:
        raise validation_error(symbol_key, "required: a trade symbol")
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise validation_error("units", "required: an integer >= 1")
    return symbol.upper(), units


def cargo_units(ship: Ship) -> int:
    return sum(ship.cargo.values())


def require_docked(ship: Ship) -> None:
    if ship.status != DOCKED:
        raise SimError(400, 4244, "Ship action requires ship to be docked. Dock the ship first.",
                       {"shipSymbol": ship.symbol, "navStatus": ship.status})


def require_aboard(ship: Ship, symbol: str, units: int) -> None:
    aboard = ship.cargo.get(symbol, 0)
    if aboard == 0:
        raise SimError(400, 4218, f"Ship {ship.symbol} carries no {symbol}.",
                       {"shipSymbol": ship.symbol, "tradeSymbol": symbol})
    if units > aboard:
        raise SimError(400, 4219, f"Ship {ship.symbol} carries {aboard} units of {symbol}, not {units}.",
                       {"shipSymbol": ship.symbol, "tradeSymbol": symbol, "cargoUnits": aboard, "unitsToRemove": units})


def remove_cargo(ship: Ship, symbol: str, units: int) -> None:
    left = ship.cargo[symbol] - units
    if left:
        ship.cargo[symbol] = left
    else:
        del ship.cargo[symbol]


def _market_here(sim: Simulator, ship: Ship) -> Market:
    market = sim.markets.get(ship.location.symbol)
    if market is None:
        raise SimError(400, 4603, f"No marketplace at {ship.location.symbol}.", {"waypointSymbol": ship.location.symbol})
    return market


def _docked_ship(sim: Simulator, agent: Agent, ship_symbol: str) -> Ship:
    ship = sim.ship(agent, ship_symbol)
    sim._not_in_transit(ship)
    require_docked(ship)
    return ship


def _trade(sim: Simulator, agent: Agent, ship_symbol: str, body: Any, buying: bool) -> dict[str, Any]:
    symbol, units = parse_units(body)
    ship = _docked_ship(sim, agent, ship_symbol)
    market = _market_here(sim, ship)
    here, now = ship.location.symbol, sim.game_now()
    quoted, row = market.quote(symbol, now), market.row(symbol)
    if quoted is None or row is None:
        code, verb = (4601, "sell") if buying else (4602, "buy")
        raise SimError(400, code, f"Market {here} does not {verb} {symbol}.", {"waypointSymbol": here, "tradeSymbol": symbol})
    if units > row.trade_volume:
        raise SimError(400, 4604, f"Market {here} trades at most {row.trade_volume} units of {symbol} per transaction.",
                       {"waypointSymbol": here, "tradeSymbol": symbol, "units": units, "tradeVolume": row.trade_volume})
    ask, bid = quoted
    if buying:
        if units * ask > agent.credits:
            raise SimError(400, 4600, f"Agent has insufficient funds: {units * ask} credits needed, {agent.credits} "
                           "available.", {"agentCredits": agent.credits, "totalPrice": units * ask,
                                          "tradeSymbol": symbol, "units": units, "purchasePrice": ask})
        free = ship.cargo_capacity - cargo_units(ship)
        if units > free:
            raise SimError(400, 4217, f"Ship {ship.symbol} has room for {free} more units, not {units}.",
                           {"shipSymbol": ship.symbol, "cargoCapacity": ship.cargo_capacity,
                            "cargoUnits": cargo_units(ship), "unitsToAdd": units})
    else:
        require_aboard(ship, symbol, units)
    price = market.trade(symbol, units, buying, now)
    total = units * price
    if buying:
        agent.credits -= total
        ship.cargo[symbol] = ship.cargo.get(symbol, 0) + units
    else:
        agent.credits += total
        remove_cargo(ship, symbol, units)
    transaction = {
        "waypointSymbol": here, "shipSymbol": ship.symbol, "tradeSymbol": symbol,
        "type": "PURCHASE" if buying else "SELL", "units": units, "pricePerUnit": price, "totalPrice": total,
        "timestamp": iso(sim.now()),
    }
    market.record(transaction)
    return {"agent": agent.api(), "cargo": ship.cargo_api(), "transaction": transaction}


def purchase(sim: Simulator, agent: Agent, ship_symbol: str, body: Any) -> dict[str, Any]:
    return _trade(sim, agent, ship_symbol, body, buying=True)


def sell(sim: Simulator, agent: Agent, ship_symbol: str, body: Any) -> dict[str, Any]:
    return _trade(sim, agent, ship_symbol, body, buying=False)


def cargo(sim: Simulator, agent: Agent, ship_symbol: str) -> dict[str, Any]:
    return sim.ship(agent, ship_symbol).cargo_api()


def jettison(sim: Simulator, agent: Agent, ship_symbol: str, body: Any) -> dict[str, Any]:
    """Throw cargo away: anywhere, in any nav state (no market needed)."""
    symbol, units = parse_units(body)
    ship = sim.ship(agent, ship_symbol)
    require_aboard(ship, symbol, units)
    remove_cargo(ship, symbol, units)
    return {"cargo": ship.cargo_api()}


def transfer(sim: Simulator, agent: Agent, ship_symbol: str, body: Any) -> dict[str, Any]:
    """Move cargo to another of the agent's ships at the same waypoint in the same nav status."""
    symbol, units = parse_units(body, "tradeSymbol")
    target_symbol = body.get("shipSymbol") if isinstance(body, dict) else None
    if not isinstance(target_symbol, str) or not target_symbol:
        raise validation_error("shipSymbol", "required: the receiving ship's symbol")
    ship = sim.ship(agent, ship_symbol)
    sim._not_in_transit(ship)
    target_symbol = target_symbol.upper()
    if target_symbol == ship.symbol:
        raise SimError(400, 4233, "A ship cannot transfer cargo to itself.", {"shipSymbol": ship.symbol})
    target = agent.ships.get(target_symbol)
    if target is None:
        if target_symbol in sim._ships:
            raise SimError(400, 4232, f"Ship {target_symbol} belongs to another agent.", {"shipSymbol": target_symbol})
        raise SimError(404, 4231, f"Ship {target_symbol} not found.", {"shipSymbol": target_symbol})
    target.settle(sim.now())
    if target.location is not ship.location or target.status != ship.status:
        raise SimError(400, 4234, f"Ships {ship.symbol} and {target.symbol} must be at the same waypoint and in the "
                       "same nav status to transfer cargo.",
                       {"fromShip": ship.symbol, "toShip": target.symbol, "fromWaypoint": ship.location.symbol,
                        "toWaypoint": target.location.symbol, "fromStatus": ship.status, "toStatus": target.status})
    require_aboard(ship, symbol, units)
    free = target.cargo_capacity - cargo_units(target)
    if units > free:
        raise SimError(400, 4228, f"Ship {target.symbol} has room for {free} more units, not {units}.",
                       {"shipSymbol": target.symbol, "cargoCapacity": target.cargo_capacity,
                        "cargoUnits": cargo_units(target), "unitsToAdd": units})
    remove_cargo(ship, symbol, units)
    target.cargo[symbol] = target.cargo.get(symbol, 0) + units
    return {"cargo": ship.cargo_api()}
