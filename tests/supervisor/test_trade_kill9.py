"""kill -9 of the daemon in the middle of a trade run: the recovered run settles what the
kill left open, sells what the hold carries, and the ledger ends equal to the simulator's
own transactions (nothing lost, nothing twice). Real daemon processes, both databases."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from spacetraders.api import SpaceTradersClient
from spacetraders.api.models import Market
from spacetraders.application.ledger import LedgerFilter, list_view
from spacetraders.application.trading import TradeRequest, start_trade
from spacetraders.clock import utcnow
from spacetraders.persistence.database import Database
from spacetraders.persistence.markets import store_market_snapshot
from spacetraders.persistence.models import Player
from tests.invariants import check_invariants
from tests.supervisor.harness import (
    Agent,
    DaemonProcess,
    latest_of,
    logs_of,
    register_agent,
    skip_backoff,
    successor,
    wait_until,
)

pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
from tests.simserver import sim_server  # noqa: E402


@pytest.fixture(scope="module")
def game() -> Iterator[tuple[str, Any]]:
    with sim_server(seed=5, time_scale=300, enforce_rate_limit=False, probes_per_agent=1) as (url, sim):
        yield url, sim


@pytest.fixture
def api_url(game: tuple[str, Any]) -> str:
    return game[0]


def _scouted(db: Database, sim: Any, system: str, player_id: int) -> None:
    """Every market of the system as a scout would have stored it just now."""
    now = utcnow()
    with db.transaction() as uow:
        for symbol in sim.markets:
            if symbol.startswith(system + "-"):
                store_market_snapshot(uow.session, Market.from_json(sim.priced_market(symbol)), player_id=player_id,
                                      now=now)


def _fills(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    kinds = {"purchase": "PURCHASE", "sale": "SELL", "refuel": "PURCHASE"}  # the market records refuels too
    return sorted((r["waypoint_symbol"], r["good"], kinds[r["kind"]], r["units"], r["unit_price"])
                  for r in rows if r["kind"] in kinds)


def _sim_fills(sim: Any, ship: str) -> list[tuple[Any, ...]]:
    return sorted((t["waypointSymbol"], t["tradeSymbol"], t["type"], t["units"], t["pricePerUnit"])
                  for m in list(sim.markets.values()) for t in list(m.transactions) if t["shipSymbol"] == ship)


def test_kill_9_mid_trip_sells_the_hold_and_books_every_fill_once(db, db_url, game, tmp_path):  # type: ignore[no-untyped-def]
    url, sim = game
    agent: Agent = register_agent(db, url, f"KILL{int(time.time() * 1000) % 10**8}")
    sim_agent = sim.agents[agent.symbol]
    hq = sim.universe.waypoints[sim_agent.headquarters]
    hauler = sim._new_ship(sim_agent, "SHIP_LIGHT_HAULER", hq, sim.now()).symbol
    _scouted(db, sim, hq.system_symbol, agent.player_id)

    with db.read() as session:
        token = session.get(Player, agent.player_id).token

    async def start() -> str:
        async with SpaceTradersClient(url, token) as api:
            outcome = await start_trade(db, api, TradeRequest.parse(ship=hauler, max_age="2h"),
                                        player_id=agent.player_id, now=utcnow())
        return outcome.container_id

    container_id = asyncio.run(start())
    daemons = [DaemonProcess(db_url, url, tmp_path / f"daemon-{i}") for i in range(2)]
    try:
        daemons[0].start(db)
        wait_until(lambda: sim._ships[hauler].cargo, timeout=30, what="the first purchase")
        daemons[0].kill9()  # mid-trip: the hold carries what it bought, maybe a fill is unwritten
        held = dict(sim._ships[hauler].cargo)
        assert held
        daemons[1].start(db)
        wait_until(lambda: successor(db, container_id), timeout=30, what="recovery of the trade run")
        skip_backoff(db)
        good = next(iter(held))
        wait_until(lambda: any(t[1] == good and t[2] == "SELL" for t in _sim_fills(sim, hauler)), timeout=60,
                   what=f"the restarted run selling its {good}")
        daemons[1].signal(signal.SIGTERM)
        assert daemons[1].wait() == 0
    finally:
        for d in daemons:
            d.close()
    rows = list_view(db, LedgerFilter(player_id=agent.player_id), limit=1000)["entries"]
    assert _fills(rows) == _sim_fills(sim, hauler), "every fill booked once: none lost to the kill, none repeated"
    newest = latest_of(db, container_id)
    lines = logs_of(db, newest.container_id)
    assert any("Selling what the hold carries" in line for line in lines), lines[-20:]
    bought_after = [line for line in lines if line.startswith("Bought")]
    first_sale = next(i for i, line in enumerate(lines) if line.startswith("Sold"))
    assert not bought_after or lines.index(bought_after[0]) > first_sale, "sold what it held before buying again"
    check_invariants(db)
