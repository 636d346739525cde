"""kill -9 between a money step's request and the write of its outcome: the real daemon.

The simulator executes the navigation's refuel and holds its answer; the test kills the daemon
process (its own child) meanwhile. The next daemon recovers the container, and the restarted
navigation reconciles the open intent from the market's transactions before flying on: one
ledger row for that refuel, no second refuel there, the ledger summing to the credits spent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from spacetraders.application import containers as lifecycle
from spacetraders.clock import utcnow
from spacetraders.domain.navigation import distance
from tests.invariants import check_invariants
from tests.simserver import sim_server
from tests.supervisor.harness import latest_of, register_agent, skip_backoff, sql, wait_until


@pytest.fixture(scope="module")
def sim_world() -> Iterator[tuple[str, Any]]:
    with sim_server(seed=11, time_scale=2000, enforce_rate_limit=False) as (url, sim):
        yield url, sim


@pytest.fixture(scope="module")
def api_url(sim_world: tuple[str, Any]) -> str:
    return sim_world[0]


def test_kill_9_while_a_refuel_answer_is_in_flight_never_pays_twice(db, backend, sim_world, new_daemon):  # type: ignore[no-untyped-def]
    url, sim = sim_world
    symbol = f"KILLNINE{backend[:2]}".upper()  # one simulator for both backends: an agent each
    agent = register_agent(db, url, symbol)
    frigate = next(s for s in agent.ships if sim._ships[s].template.fuel_capacity > 0)
    ship = sim._ships[frigate]
    hq = ship.location
    destination = max((w for w in sim.universe.waypoints.values() if w.system_symbol == hq.system_symbol),
                       key=lambda w: (distance((hq.x, hq.y), (w.x, w.y)), w.symbol)).symbol
    ship.fuel = 1  # docked at the HQ's market: the route refuels before the first leg
    start_credits = sim.agents[symbol].credits
    control = url.removesuffix("/v2") + "/_sim/ships/" + frigate
    httpx.post(control + "/hold-next", json={"action": "refuel", "seconds": 8}, timeout=5).raise_for_status()
    with db.transaction() as uow:
        cid = lifecycle.create_container(
            uow, player_id=agent.player_id, command_type="NavigateCommand",
            params={"ship_symbol": frigate, "destination": destination, "mode": "auto"},
            id_prefix=f"navigate-{frigate.lower()}", now=utcnow(),
        ).container_id

    first = new_daemon()
    first.start(db)
    wait_until(lambda: httpx.get(control + "/held", timeout=5).json()["data"]["executed"] == 1,
               what="the refuel executed, its answer held")
    first.kill9()
    assert sql(db, "SELECT kind, status FROM money_intents")[:] == [("refuel", "open")]
    assert sql(db, "SELECT count(*) FROM ledger")[0][0] == 0
    check_invariants(db)

    new_daemon().start(db)

    def done() -> bool:
        skip_backoff(db)
        return latest_of(db, cid).status == "COMPLETED"

    wait_until(done, timeout=60, what=f"navigation to {destination} completed after recovery")
    assert ship.location.symbol == destination
    fills = [t for m in sim.markets.values() for t in m.transactions
             if t["shipSymbol"] == frigate and t["tradeSymbol"] == "FUEL"]
    rows = sql(db, "SELECT kind, waypoint_symbol, total FROM ledger ORDER BY entry_id")
    assert len(rows) == len(fills) and [w for _, w, _ in rows].count(hq.symbol) == 1
    assert sum(total for _, _, total in rows) == sim.agents[symbol].credits - start_credits
    assert {status for (status,) in sql(db, "SELECT status FROM money_intents")} == {"done"}
    check_invariants(db)
