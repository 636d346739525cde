"""The ShipPurchaseCommand operation run directly against the simulator (fake game time):
it flies the buyer to a remote yard, buys within the budget and the reserve, and a
restarted run (mid-flight or mid-buying) never buys more than asked."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from spacetraders.api.errors import ApiUnavailableError
from spacetraders.domain.navigation import distance
from spacetraders.operations import registry
from spacetraders.operations.ship_purchase import COMMAND_TYPE, PurchaseParams, run_ship_purchase
from spacetraders.persistence.ledger import LedgerFilter, list_entries
from spacetraders.persistence.models import ShipRow
from tests.operations.conftest import World

PROBE = "SHIP_PROBE"


def remote_yard(world: World) -> str:
    """The yard selling probes farthest from the HQ (the ships start at the HQ)."""
    hq = world.sim.universe.waypoints[world.hq]
    yards = [w for w in world.sim.universe.waypoints.values()
             if w.system_symbol == world.system and w.shipyard and PROBE in w.shipyard and w.symbol != world.hq]
    assert yards, "the test system needs a second yard selling probes"
    return max(yards, key=lambda w: (distance((hq.x, hq.y), (w.x, w.y)), w.symbol)).symbol


def params(world: World, yard: str, *, quantity: int = 2, max_budget: int | None = None, reserve: int = 0,
           run_id: str | None = None) -> dict[str, Any]:
    return {"run_id": run_id or uuid.uuid4().hex, "ship_symbol": world.frigate, "ship_type": PROBE, "destination": yard,
            "quantity": quantity, "max_budget": max_budget, "reserve": reserve}


def credits(world: World) -> int:
    return int(world.sim.agents["SCOUTER"].credits)


def ledger(world: World) -> list[Any]:
    with world.db.read() as session:
        rows = list(reversed(list_entries(session, LedgerFilter(player_id=world.player_id), limit=100)))
        for r in rows:
            session.expunge(r)
        return rows


def ship_rows(world: World) -> set[str]:
    with world.db.read() as session:
        return set(session.scalars(select(ShipRow.ship_symbol).where(ShipRow.player_id == world.player_id)))


def new_ships(world: World, before: set[str]) -> list[Any]:
    return [s for sym, s in world.sim._ships.items() if sym not in before]


def test_registered_for_the_daemon_and_params_checked() -> None:
    assert registry.get(COMMAND_TYPE) is run_ship_purchase
    assert "spacetraders.operations.ship_purchase" in registry.MODULES
    with pytest.raises(ValueError, match="bad ShipPurchaseCommand params"):
        PurchaseParams.from_params({"run_id": "r", "ship_symbol": "A-1", "ship_type": PROBE, "destination": "X1-A-B",
                                    "quantity": 0})
    with pytest.raises(ValueError, match="bad ShipPurchaseCommand params"):
        PurchaseParams.from_params({"ship_symbol": "A-1"})


def test_flies_to_the_remote_yard_and_buys_recording_each_ship(world: World) -> None:
    yard, start, before = remote_yard(world), credits(world), set(world.sim._ships)
    world.run(run_ship_purchase, params(world, yard, quantity=2))
    assert world.sim_ship(world.frigate).location.symbol == yard
    bought = new_ships(world, before)
    assert len(bought) == 2 and all(s.location.symbol == yard and s.template.type == PROBE for s in bought)
    rows = [r for r in ledger(world) if r.kind == "ship_purchase"]
    assert sorted(r.reference for r in rows) == sorted(s.symbol for s in bought)
    assert all(r.container_id == "scout-tour-test-0badc0de" and r.ship_symbol == world.frigate
               and r.waypoint_symbol == yard and r.good == PROBE for r in rows)
    assert rows[0].total > rows[1].total  # the second one cost more (negative totals)
    assert sum(r.total for r in ledger(world)) == credits(world) - start  # refuels too, if any
    assert {s.symbol for s in bought} <= ship_rows(world)
    assert world.logs.matching("Done: bought 2 of 2")


def test_budget_and_reserve_stop_it_early(world: World) -> None:
    yard, before = remote_yard(world), set(world.sim._ships)
    base = world.sim.shipyards.price(yard, PROBE, world.sim.game_now())
    world.run(run_ship_purchase, params(world, yard, quantity=5, max_budget=base * 2 + base // 2))
    assert len(new_ships(world, before)) == 2
    assert world.logs.matching("Done: bought 2 of 5") and "--max-budget" in world.logs.matching("Done")[-1]

    before = set(world.sim._ships)
    reserve = credits(world) - int(base * 1.2)  # room for one more (the price has risen ~5 %), not two
    world.run(run_ship_purchase, params(world, yard, quantity=5, reserve=reserve))
    assert len(new_ships(world, before)) == 1 and credits(world) >= reserve
    assert "reserve" in world.logs.matching("Done")[-1]


def test_a_run_that_cannot_afford_one_ends_without_buying(world: World) -> None:
    yard, before = remote_yard(world), set(world.sim._ships)
    world.sim.agents["SCOUTER"].credits = 5_000
    world.run(run_ship_purchase, params(world, yard))
    assert new_ships(world, before) == [] and not [r for r in ledger(world) if r.kind == "ship_purchase"]
    assert "insufficient credits" in world.logs.matching("Done: bought 0 of 2")[0]


def test_restarted_mid_flight_resumes_and_buys_once(world: World) -> None:
    yard, before = remote_yard(world), set(world.sim._ships)
    p = params(world, yard)

    def stop_once_flying(ctx: Any) -> None:
        world.logs.on("In transit", ctx.stop_event.set)

    world.run(run_ship_purchase, p, ctx_hook=stop_once_flying)
    assert world.sim_ship(world.frigate).status == "IN_TRANSIT" and new_ships(world, before) == []
    world.run(run_ship_purchase, p, restart_count=1)
    assert len(new_ships(world, before)) == 2 and world.sim_ship(world.frigate).location.symbol == yard
    assert len([r for r in ledger(world) if r.kind == "ship_purchase"]) == 2


def test_restarted_between_purchases_buys_only_the_rest(world: World) -> None:
    yard, before = remote_yard(world), set(world.sim._ships)
    p = params(world, yard, quantity=3)

    def stop_after_the_first(ctx: Any) -> None:
        world.logs.on("Bought", ctx.stop_event.set)

    world.run(run_ship_purchase, p, ctx_hook=stop_after_the_first)
    assert len(new_ships(world, before)) == 1
    world.run(run_ship_purchase, p, restart_count=1)
    assert len(new_ships(world, before)) == 3
    world.run(run_ship_purchase, p, restart_count=2)  # a done run buys nothing more
    assert len(new_ships(world, before)) == 3
    assert len([r for r in ledger(world) if r.kind == "ship_purchase"]) == 3


def test_a_crash_between_the_purchase_and_its_write_never_buys_twice(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The write after the first purchase fails (as a kill there would leave it): the intent
    stays open; the next run settles it against the server, counts that ship and buys only
    the rest, and the ledger has one row per ship bought."""
    from spacetraders.operations import ship_purchase

    yard, before = remote_yard(world), set(world.sim._ships)
    p = params(world, yard, quantity=2)
    real = ship_purchase.store_ships
    calls = {"n": 0}

    def crash_once(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("killed between the call and the write")
        real(*args, **kwargs)

    monkeypatch.setattr(ship_purchase, "store_ships", crash_once)
    with pytest.raises(RuntimeError, match="killed between"):
        world.run(run_ship_purchase, p)
    assert len(new_ships(world, before)) == 1  # the game sold it; we wrote nothing
    assert [r for r in ledger(world) if r.kind == "ship_purchase"] == []
    world.run(run_ship_purchase, p, restart_count=1)
    bought = new_ships(world, before)
    assert len(bought) == 2
    rows = [r for r in ledger(world) if r.kind == "ship_purchase"]
    assert sorted(r.reference for r in rows) == sorted(s.symbol for s in bought)
    assert {s.symbol for s in bought} <= ship_rows(world)


class LoseFirstPurchaseAnswer(httpx.AsyncBaseTransport):
    """The game executes the first POST /my/ships, then the connection drops before its answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.armed = inner, True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.armed and request.method == "POST" and request.url.path.endswith("/my/ships"):
            self.armed = False
            await response.aread()
            raise httpx.ReadError("connection dropped after sending", request=request)
        return response


def test_a_lost_answer_is_counted_from_its_settled_row_and_never_bought_again(world: World) -> None:
    yard, before = remote_yard(world), set(world.sim._ships)
    p = params(world, yard, quantity=2)
    world.transport = LoseFirstPurchaseAnswer(world.transport)
    with pytest.raises(ApiUnavailableError):  # the container fails; its restart continues the run
        world.run(run_ship_purchase, p)
    first = new_ships(world, before)
    assert len(first) == 1  # executed by the game, answer lost
    rows = [r for r in ledger(world) if r.kind == "ship_purchase"]
    assert [r.reference for r in rows] == [first[0].symbol]  # settled at once from the fleet
    assert first[0].symbol in ship_rows(world) and world.logs.matching("Counted 1 purchase(s)")
    world.run(run_ship_purchase, p, restart_count=1)
    assert len(new_ships(world, before)) == 2  # only the rest was bought
    assert len([r for r in ledger(world) if r.kind == "ship_purchase"]) == 2
