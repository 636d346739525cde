"""kill -9 of the real daemon while a contract run's purchase answer is in flight.

The simulator executes the ContractCommand's first purchase and holds its answer; the test
kills the daemon process (its own child) meanwhile. The next daemon recovers the container;
the restarted run settles the open purchase from the market's transactions, reads the
ship's cargo and the contract, buys only what is still missing and fulfils the contract:
the contract fulfilled once, units bought = units required, the ledger equal to the credits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from spacetraders.api.models import Market
from spacetraders.application import containers as lifecycle
from spacetraders.clock import utcnow
from spacetraders.persistence.markets import store_market_snapshot
from tests.invariants import check_invariants
from tests.simserver import sim_server
from tests.supervisor.harness import latest_of, register_agent, skip_backoff, sql, wait_until

TIME_SCALE = 5000


@pytest.fixture(scope="module")
def sim_world() -> Iterator[tuple[str, Any]]:
    with sim_server(seed=11, time_scale=TIME_SCALE, enforce_rate_limit=False) as (url, sim):
        yield url, sim


@pytest.fixture(scope="module")
def api_url(sim_world: tuple[str, Any]) -> str:
    return sim_world[0]


def test_kill_9_while_a_purchase_answer_is_in_flight_buys_and_fulfils_once(db, backend, sim_world, new_daemon):  # type: ignore[no-untyped-def]
    url, sim = sim_world
    symbol = f"CONTRACT{backend[:2]}".upper()  # one simulator for both backends: an agent each
    agent = register_agent(db, url, symbol)
    frigate = next(s for s in agent.ships if sim._ships[s].template.fuel_capacity > 0)
    system = sim._ships[frigate].location.system_symbol
    with db.transaction() as uow:  # a scout's fresh pass: the run prices where it stands
        for waypoint in sim.markets:
            if waypoint.startswith(system + "-"):
                store_market_snapshot(uow.session, Market.from_json(sim.priced_market(waypoint)),
                                      player_id=agent.player_id, now=utcnow())
    (contract,) = sim.contracts._by_agent[symbol]
    start_credits = sim.agents[symbol].credits
    control = url.removesuffix("/v2") + "/_sim/ships/" + frigate
    httpx.post(control + "/hold-next", json={"action": "purchase", "seconds": 3}, timeout=5).raise_for_status()
    with db.transaction() as uow:
        cid = lifecycle.create_container(
            uow, player_id=agent.player_id, command_type="ContractCommand",
            params={"ship_symbol": frigate, "run_id": "c" * 32, "count": 1, "time_scale": TIME_SCALE},
            id_prefix=f"contract-{frigate.lower()}", now=utcnow(),
        ).container_id

    first = new_daemon()
    first.start(db)
    wait_until(lambda: httpx.get(control + "/held", timeout=5).json()["data"]["executed"] == 1, timeout=60,
               what="the purchase executed, its answer held")
    first.kill9()
    assert sql(db, "SELECT kind, status FROM money_intents WHERE status = 'open'") == [("purchase", "open")]
    bought_before_kill = sim._ships[frigate].cargo.get(contract.trade_symbol, 0)
    assert bought_before_kill > 0
    check_invariants(db)

    new_daemon().start(db)

    def done() -> bool:
        skip_backoff(db)
        return latest_of(db, cid).status == "COMPLETED"

    wait_until(done, timeout=120, what="the contract run completed after recovery")
    assert contract.fulfilled and contract.units_fulfilled == contract.units_required
    fills = [t for m in sim.markets.values() for t in m.transactions
             if t["shipSymbol"] == frigate and t["tradeSymbol"] == contract.trade_symbol and t["type"] == "PURCHASE"]
    assert sum(t["units"] for t in fills) == contract.units_required + sim._ships[frigate].cargo.get(
        contract.trade_symbol, 0)
    rows = sql(db, "SELECT kind, units, total FROM ledger ORDER BY entry_id")
    assert [units for kind, units, _ in rows if kind == "purchase"] == [t["units"] for t in fills]
    assert [kind for kind, _, _ in rows].count("contract_fulfilled") == 1
    assert sum(total for _, _, total in rows) == sim.agents[symbol].credits - start_credits
    assert {status for (status,) in sql(db, "SELECT status FROM money_intents")} == {"done"}
    check_invariants(db)
