"""The NavigateCommand operation run directly against the simulator (fake game time)."""

from __future__ import annotations

from typing import Any

import pytest

from spacetraders.domain.navigation import distance
from spacetraders.operations import registry
from spacetraders.operations.navigate import COMMAND_TYPE, NavigateParams, NavigationFailed, run_navigate
from spacetraders.persistence.models import ShipRow
from tests.operations.conftest import World


def params(ship: str, destination: str, mode: str = "auto") -> dict[str, Any]:
    return {"ship_symbol": ship, "destination": destination, "mode": mode}


def farthest_waypoint(world: World, system: str, origin: Any) -> str:
    waypoints = [w for w in world.sim.universe.waypoints.values() if w.system_symbol == system]
    return max(waypoints, key=lambda w: (distance((origin.x, origin.y), (w.x, w.y)), w.symbol)).symbol


def other_system_target(world: World) -> tuple[str, str]:
    """(a finished gate connected to the HQ's, a waypoint of that gate's system far from it)."""
    universe = world.sim.universe
    home_gate = next(g for g in universe.gates if g.startswith(world.system + "-"))
    gate = next(g for g in universe.gates[home_gate] if not universe.waypoints[g].is_under_construction)
    return gate, farthest_waypoint(world, universe.waypoints[gate].system_symbol, universe.waypoints[gate])


def ship_row(world: World, symbol: str) -> ShipRow:
    with world.db.read() as session:
        row = session.get(ShipRow, (world.player_id, symbol))
        assert row is not None
        session.expunge(row)
        return row


def test_registered_for_the_daemon_and_params_checked() -> None:
    assert registry.get(COMMAND_TYPE) is run_navigate
    with pytest.raises(ValueError, match="bad NavigateCommand params"):
        NavigateParams.from_params({"ship_symbol": "A-1", "destination": "X1-A-B", "mode": "warp"})


def test_frigate_flies_to_the_farthest_waypoint_of_its_system_and_arrives(world: World) -> None:
    hq = world.sim.universe.waypoints[world.hq]
    target = farthest_waypoint(world, world.system, hq)
    world.run(run_navigate, params(world.frigate, target))
    ship = world.sim_ship(world.frigate)
    assert ship.location.symbol == target
    assert world.logs.matching("Arrived")
    row = ship_row(world, world.frigate)
    assert row.waypoint_symbol == target  # the ships table follows the flight


def test_probe_needs_no_fuel(world: World) -> None:
    hq = world.sim.universe.waypoints[world.hq]
    target = farthest_waypoint(world, world.system, hq)
    world.run(run_navigate, params(world.probe, target))
    assert world.sim_ship(world.probe).location.symbol == target
    assert not world.logs.matching("Refuelled")


def test_crosses_systems_through_the_gate_paying_the_fee(world: World) -> None:
    gate, target = other_system_target(world)
    credits_before = world.sim.agents["SCOUTER"].credits
    world.run(run_navigate, params(world.frigate, target))
    assert world.sim_ship(world.frigate).location.symbol == target
    jumped = world.logs.matching("Jumped")
    assert len(jumped) == 1 and gate in jumped[0]
    assert world.sim.agents["SCOUTER"].credits < credits_before  # the fee (and any refuel) was paid


def test_a_restarted_navigation_resumes_from_where_the_ship_is(world: World) -> None:
    gate, target = other_system_target(world)

    def stop_after_the_jump(ctx: Any) -> None:
        world.logs.on("Jumped", ctx.stop_event.set)

    world.run(run_navigate, params(world.frigate, target), ctx_hook=stop_after_the_jump)
    assert world.sim_ship(world.frigate).location.symbol == gate  # stopped on the far side
    first_routes = len(world.logs.matching("Route"))

    world.run(run_navigate, params(world.frigate, target), restart_count=1)
    resumed = world.logs.matching("Route")[first_routes:]
    assert resumed and resumed[0].startswith(f"Route {gate} -> {target}")  # not from the HQ
    assert len(world.logs.matching("Jumped")) == 1  # the jump is never made twice
    assert world.sim_ship(world.frigate).location.symbol == target


def test_resumes_a_flight_in_progress_at_its_destination(world: World) -> None:
    hq = world.sim.universe.waypoints[world.hq]
    target = farthest_waypoint(world, world.system, hq)

    def stop_once_flying(ctx: Any) -> None:
        world.logs.on("In transit", ctx.stop_event.set)

    world.run(run_navigate, params(world.frigate, target), ctx_hook=stop_once_flying)
    assert world.sim_ship(world.frigate).status == "IN_TRANSIT"
    world.run(run_navigate, params(world.frigate, target), restart_count=1)
    assert world.sim_ship(world.frigate).location.symbol == target


def test_unreachable_fails_the_container(world: World) -> None:
    # stranded: an empty tank at a waypoint without a market, so not even DRIFT (1 fuel) works
    ship = world.sim_ship(world.frigate)
    nowhere = next(w for w in world.sim.universe.waypoints.values()
                   if w.system_symbol == world.system and not w.market)
    world.sim.relocate(ship, nowhere)
    ship.status, ship.fuel = "IN_ORBIT", 0
    target = farthest_waypoint(world, world.system, nowhere)
    with pytest.raises(NavigationFailed, match="cannot reach"):
        world.run(run_navigate, params(world.frigate, target))
