"""Navigation writes a ledger row per refuel and per jump, with its container id, in the
transaction that stores the ship's nav; the rows sum to the agent's credit change."""

from __future__ import annotations

from spacetraders.application.ledger import LedgerFilter, list_view
from spacetraders.operations.navigate import run_navigate
from tests.operations.conftest import World
from tests.operations.test_navigate import other_system_target, params


def test_navigation_records_its_refuels_and_jumps_with_the_container(world: World) -> None:
    gate, target = other_system_target(world)
    agent = world.sim.agents["SCOUTER"]
    start = agent.credits
    world.sim_ship(world.frigate).fuel = 1  # at the HQ's market: the route must refuel before leaving
    world.run(run_navigate, params(world.frigate, target))
    assert world.sim_ship(world.frigate).location.symbol == target
    rows = list(reversed(list_view(world.db, LedgerFilter(player_id=world.player_id), limit=100)["entries"]))
    kinds = [r["kind"] for r in rows]
    assert kinds.count("jump") == 1 and kinds.count("refuel") == len(world.logs.matching("Refuelled")) >= 1
    jump = next(r for r in rows if r["kind"] == "jump")
    assert jump["total"] < 0 and jump["good"] == "ANTIMATTER" and jump["waypoint_symbol"] == gate
    for r in rows:
        assert r["container_id"] == "scout-tour-test-0badc0de" and r["ship_symbol"] == world.frigate
        assert r["total"] < 0
    assert rows[-1]["credits_after"] == agent.credits
    assert sum(r["total"] for r in rows) == agent.credits - start
