"""Contracts by hand: list, show, accept, negotiate, deliver, fulfil, and price one.

The game's refusals come back as one plain sentence each (`ContractError`); a ship that a
live container drives is refused for the actions that need a ship (one driver per ship).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from spacetraders.api.client import SpaceTradersClient
from spacetraders.api.errors import ApiError
from spacetraders.api.trade_models import Cargo, Contract, ContractDelivery
from spacetraders.application.ledger import LedgerEntry, entry_for_contract, record_entry
from spacetraders.application.ship_actions import driving_container
from spacetraders.application.universe import system_waypoints
from spacetraders.domain.contract_pricing import (
    Decision,
    PricingParams,
    ShipState,
    Terms,
    evaluate,
    priced_as_flown,
    stops_of,
)
from spacetraders.domain.durations import parse_duration
from spacetraders.domain.navigation import Point, system_of
from spacetraders.domain.routing import Unreachable
from spacetraders.errors import ConfigError, SpacetradersError
from spacetraders.operations.contract_data import stored_sources
from spacetraders.operations.fuel_as_flown import refuels_as_flown
from spacetraders.persistence.database import Database


class ContractError(SpacetradersError):
    """A contract action the game (or we, before asking it) refused; one plain sentence."""


class ShipDrivenError(SpacetradersError):
    """The ship is driven by a live container: a one-off action would fight it."""


# The game's contract error codes (ECONOMY.md §13.2, NOTES.md §9) as plain sentences.
_SENTENCES: dict[int, str] = {
    4500: "contract {contract} is not yours",
    4501: "contract {contract} is already accepted",
    4502: "contract {contract} still needs deliveries before it can be fulfilled",
    4503: "contract {contract} is past its deadline",
    4504: "contract {contract} is already fulfilled",
    4505: "contract {contract} is not accepted yet: accept it first",
    4506: "contract {contract} is not yours",
    4508: "contract {contract} does not require that good",
    4509: "contract {contract} needs no more of that good (or fewer units than sent)",
    4510: "ship {ship} is not at the contract's delivery waypoint",
    4511: "one contract at a time: contract {current} is still open (fulfil it or let it expire)",
    4700: "no faction is present at the ship's waypoint to negotiate with",
    4244: "ship {ship} is not docked: dock it first",
    4214: "ship {ship} is in transit: wait until it arrives",
    4218: "ship {ship} does not carry that good",
    4219: "ship {ship} does not carry that many units",
}


@contextmanager
def game_errors(contract: str = "?", ship: str = "?") -> Iterator[None]:
    """Turn the game's refusals into one plain sentence each."""
    try:
        yield
    except ApiError as exc:
        if exc.code in _SENTENCES:
            current = exc.data.get("contractId") or "?"
            raise ContractError(_SENTENCES[exc.code].format(contract=contract, ship=ship, current=current)) from exc
        if exc.status == 404:
            what = f"contract {contract}" if contract != "?" else f"ship {ship}"
            raise ContractError(f"no such {what}") from exc
        raise


def ensure_ship_free(db: Database, player_id: int, ship: str) -> None:
    """Refuse a one-off action on a ship that a live container drives (one driver per ship)."""
    driver = driving_container(db, player_id, ship)
    if driver is not None:
        cid = driver.container_id
        raise ShipDrivenError(f"ship {ship} is driven by container {cid}: stop it first (`spacetraders container stop {cid}`)")


# -- views ------------------------------------------------------------------------------


def status_of(contract: Contract, now: datetime) -> str:
    if contract.fulfilled:
        return "fulfilled"
    if contract.accepted:
        return "accepted" if now < contract.deadline else "expired"
    return "offered" if now < contract.deadline_to_accept else "expired"


def is_open(contract: Contract, now: datetime) -> bool:
    return status_of(contract, now) in ("offered", "accepted")


def contract_view(contract: Contract, now: datetime) -> dict[str, Any]:
    status = status_of(contract, now)
    # The clock that matters: deliveries once accepted, acceptance while offered.
    due = contract.deadline if contract.accepted else contract.deadline_to_accept
    return {
        "id": contract.id,
        "faction": contract.faction_symbol,
        "type": contract.type,
        "status": status,
        "accepted": contract.accepted,
        "fulfilled": contract.fulfilled,
        "deadline": contract.deadline,
        "deadline_to_accept": contract.deadline_to_accept,
        "seconds_left": None if status in ("fulfilled", "expired") else round((due - now).total_seconds()),
        "payment": {"on_accepted": contract.on_accepted, "on_fulfilled": contract.on_fulfilled},
        "deliver": [
            {
                "good": d.trade_symbol,
                "destination": d.destination_symbol,
                "units_required": d.units_required,
                "units_fulfilled": d.units_fulfilled,
                "units_remaining": max(0, d.units_remaining),
            }
            for d in contract.deliver
        ],
    }


# -- actions ----------------------------------------------------------------------------


async def list_contracts(api: SpaceTradersClient, *, now: datetime, include_closed: bool = False) -> list[Contract]:
    with game_errors():
        contracts = await api.list_contracts()
    return [c for c in contracts if include_closed or is_open(c, now)]


async def get_contract(api: SpaceTradersClient, contract_id: str) -> Contract:
    with game_errors(contract=contract_id):
        return await api.get_contract(parse_contract_id(contract_id))


async def accept(
    db: Database, api: SpaceTradersClient, player_id: int, contract_id: str, *, now: datetime
) -> tuple[Contract, int]:
    """Accept the offer; returns the contract and the agent's credits after the payment
    (recorded as a `contract_accepted` ledger entry)."""
    with game_errors(contract=contract_id):
        result = await api.accept_contract(parse_contract_id(contract_id))
    await asyncio.to_thread(_record, db, entry_for_contract(result, player_id=player_id, at=now, fulfilled=False))
    return result.contract, result.agent.credits


def _record(db: Database, entry: LedgerEntry) -> None:
    with db.transaction() as uow:
        record_entry(uow, entry)


async def fulfil(
    db: Database, api: SpaceTradersClient, player_id: int, contract_id: str, *, now: datetime
) -> tuple[Contract, int]:
    """Fulfil the contract; the payment is recorded as a `contract_fulfilled` ledger entry."""
    contract_id = parse_contract_id(contract_id)
    try:
        with game_errors(contract=contract_id):
            result = await api.fulfill_contract(contract_id)
    except ContractError as exc:
        if not (isinstance(exc.__cause__, ApiError) and exc.__cause__.code == 4502):
            raise
        contract = await get_contract(api, contract_id)  # say what is missing
        missing = [d for d in contract.deliver if d.units_remaining > 0]
        raise ContractError(f"contract {contract.id} still needs " + ", ".join(
            f"{d.units_remaining} {d.trade_symbol}" for d in missing)) from exc
    await asyncio.to_thread(_record, db, entry_for_contract(result, player_id=player_id, at=now, fulfilled=True))
    return result.contract, result.agent.credits


async def negotiate(db: Database, api: SpaceTradersClient, player_id: int, ship: str) -> Contract:
    ensure_ship_free(db, player_id, ship)
    with game_errors(ship=ship):
        return await api.negotiate_contract(ship)


async def deliver(
    db: Database,
    api: SpaceTradersClient,
    player_id: int,
    contract_id: str,
    ship: str,
    *,
    good: str | None = None,
    units: int | None = None,
) -> tuple[Contract, Cargo, str, int]:
    """Deliver `units` of `good` (default: the first unfinished line, what the ship holds of it
    up to what remains). Returns the contract, the hold after, the good and the units."""
    ensure_ship_free(db, player_id, ship)
    contract = await get_contract(api, contract_id)
    line = _line(contract, good)
    with game_errors(ship=ship):
        cargo = await api.get_cargo(ship)
    aboard = cargo.units_of(line.trade_symbol)
    remaining = line.units_remaining
    if units is None:
        if aboard == 0:
            raise ContractError(f"ship {ship} carries no {line.trade_symbol} to deliver")
        units = min(aboard, remaining)
    elif units > remaining:
        raise ContractError(f"contract {contract.id} needs only {remaining} more {line.trade_symbol}")
    with game_errors(contract=contract.id, ship=ship):
        result = await api.deliver_contract(contract.id, ship, line.trade_symbol, units)
    return result.contract, result.cargo, line.trade_symbol, units


def _line(contract: Contract, good: str | None) -> ContractDelivery:
    if contract.fulfilled:
        raise ContractError(f"contract {contract.id} is already fulfilled")
    if not contract.accepted:
        raise ContractError(f"contract {contract.id} is not accepted yet: accept it first")
    if good is not None:
        symbol = good.strip().upper()
        for d in contract.deliver:
            if d.trade_symbol == symbol:
                if d.units_remaining <= 0:
                    raise ContractError(f"contract {contract.id} already has all the {symbol} it needs: fulfil it")
                return d
        goods = ", ".join(d.trade_symbol for d in contract.deliver) or "nothing"
        raise ContractError(f"contract {contract.id} does not require {symbol} (it needs {goods})")
    for d in contract.deliver:
        if d.units_remaining > 0:
            return d
    raise ContractError(f"contract {contract.id} has every unit delivered: fulfil it")


def parse_contract_id(raw: str) -> str:
    value = raw.strip()
    if not value or len(value) > 64 or not value.isalnum():
        raise ConfigError(f"malformed contract id {raw!r} (expected letters and digits, e.g. clm0n4k2...)")
    return value


# -- pricing (no buying) ----------------------------------------------------------------


async def price_contract(
    db: Database,
    api: SpaceTradersClient,
    contract_id: str,
    ship_symbol: str,
    *,
    now: datetime,
    params: PricingParams,
) -> tuple[Contract, Decision, dict[str, Any]]:
    """Price the contract for the ship from the stored market data; nothing is bought.

    Returns the contract, the decision and the inputs used (for display)."""
    contract = await get_contract(api, contract_id)
    status = status_of(contract, now)
    if status in ("fulfilled", "expired"):
        return contract, Decision(False, f"the contract is {status}", None), {}
    if not contract.deliver:
        return contract, Decision(False, f"a {contract.type} contract with nothing to deliver is not priced", None), {}
    lines = [d for d in contract.deliver if d.units_remaining > 0]
    if len(lines) > 1:
        return contract, Decision(False, "contracts with several goods are not priced yet", None), {}
    with game_errors(ship=ship_symbol):
        ship = await api.get_ship(ship_symbol)
        cargo = await api.get_cargo(ship_symbol)
    line = lines[0] if lines else contract.deliver[0]
    system = system_of(line.destination_symbol)
    positions = {w.symbol: Point(w.x, w.y) for w in (await system_waypoints(db, api, system, now=now)).waypoints}
    if ship.nav.system_symbol != system:
        return contract, Decision(False, f"the ship is in {ship.nav.system_symbol}, the contract delivers in {system}",
                                  None), {}
    sources, fuel_price = stored_sources(db, system, line.trade_symbol, positions, now)
    aboard = cargo.units_of(line.trade_symbol)
    terms = Terms(
        good=line.trade_symbol,
        destination=line.destination_symbol,
        destination_at=positions[line.destination_symbol],
        units_remaining=max(0, line.units_remaining),
        pay_on_accept=0 if contract.accepted else contract.on_accepted,
        pay_on_fulfil=contract.on_fulfilled,
        seconds_to_deadline=(contract.deadline - now).total_seconds(),
    )
    state = ShipState(
        waypoint=ship.nav.waypoint_symbol,
        at=positions[ship.nav.waypoint_symbol],
        hold=cargo.capacity - (cargo.units - aboard),
        units_aboard=aboard,
        fuel_capacity=ship.fuel.capacity,
        speed=ship.engine_speed,
    )
    decision = evaluate(terms, sources, state, fuel_price=fuel_price, params=params)
    if decision.plan is not None:  # the fuel as the run will fly it (the same figure `contract run` checks)
        try:
            fuel = await refuels_as_flown(db, api, ship, stops_of(decision.plan, terms.destination), now=now)
        except Unreachable as exc:
            return contract, Decision(False, f"the plan's stops cannot be flown: {exc}", decision.plan), {}
        decision = priced_as_flown(decision, fuel, terms.seconds_to_deadline, params)
    inputs = {
        "terms": asdict(terms),
        "ship": asdict(state),
        "fuel_price_per_unit": fuel_price,
        "sources": [asdict(s) for s in sources],
    }
    return contract, decision, inputs


def decision_view(decision: Decision) -> dict[str, Any]:
    plan = decision.plan
    return {
        "take": decision.take,
        "reason": decision.reason,
        "plan": None if plan is None else asdict(plan),
        "skipped": list(decision.skipped),
    }


def max_age(text: str) -> timedelta:
    """`90s`, `45m`, `1h`, `2d` (or bare seconds) as a duration from 1 s to 30 days."""
    try:
        return parse_duration(text, option="--max-age")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None

