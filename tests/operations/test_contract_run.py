"""The ContractCommand operation run directly against the simulator (fake game time)."""

from __future__ import annotations

from typing import Any

import pytest

from spacetraders.operations import registry
from spacetraders.operations.contract_run import COMMAND_TYPE, ContractRunParams, run_contracts
from spacetraders.persistence.ledger import LedgerFilter, list_entries
from tests.operations.conftest import World

TIME_SCALE = 500  # the world fixture's simulator


def params(ship: str, **extra: Any) -> dict[str, Any]:
    return {"ship_symbol": ship, "run_id": "0" * 32, "count": 1, "time_scale": TIME_SCALE} | extra


def sim_contracts(world: World) -> list[Any]:
    return list(world.sim.contracts._by_agent.get("SCOUTER", []))


def ledger(world: World) -> list[tuple[str, int]]:
    """(kind, total) of every ledger row, oldest first."""
    with world.db.read() as session:
        rows = list_entries(session, LedgerFilter(player_id=world.player_id), limit=10_000)
        return [(r.kind, r.total) for r in reversed(rows)]


def test_registered_and_params_checked() -> None:
    assert registry.get(COMMAND_TYPE) is run_contracts
    with pytest.raises(ValueError, match="bad ContractCommand params"):
        ContractRunParams.from_params({"ship_symbol": "A-1", "run_id": "x", "count": 0})
    with pytest.raises(ValueError, match="bad ContractCommand params"):
        ContractRunParams.from_params({"ship_symbol": "A-1"})


def test_the_starting_contract_is_taken_bought_delivered_and_fulfilled(world: World) -> None:
    agent = world.sim.agents["SCOUTER"]
    before = agent.credits
    world.run(run_contracts, params(world.frigate))
    contracts = sim_contracts(world)
    assert contracts[0].fulfilled
    rows = ledger(world)
    assert sum(total for _, total in rows) == agent.credits - before
