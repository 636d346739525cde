"""The ScoutTourCommand operation run directly against the simulator (fake game time)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from spacetraders.domain.navigation import FlightMode, distance, fastest_mode
from spacetraders.operations import registry
from spacetraders.operations.scout_tour import (
    COMMAND_TYPE,
    STATIONARY_REST_S,
    TourFailed,
    TourParams,
    run_scout_tour,
)
from spacetraders.persistence.markets import store_market_snapshot
from spacetraders.persistence.models import MarketPriceHistory, MarketRefreshRequest, MarketRow, ShipRow
from spacetraders.persistence.refresh_requests import pending_requests, request_refresh
from tests.operations.conftest import World


def tour_params(world: World, ship: str, markets: list[str], **extra) -> dict:  # type: ignore[no-untyped-def]
    return {"ship_symbol": ship, "system": world.system, "markets": markets, "iterations": 1,
            "min_interval": 300, "start_delay": 0, **extra}


def far_markets(world: World, n: int) -> list[str]:
    """n marketplaces not at the HQ's coordinates, in symbol order."""
    hq = world.sim.universe.waypoints[world.hq]
    return [w.symbol for w in world.marketplaces() if (w.x, w.y) != (hq.x, hq.y)][:n]


def visited(world: World) -> list[str]:
    return [line.rsplit(": ", 1)[1] for line in world.logs.matching("Visiting market")]


def stored_markets(world: World) -> dict[str, int]:
    with world.db.read() as session:
        rows = session.execute(
            select(MarketPriceHistory.waypoint_symbol, func.count()).group_by(MarketPriceHistory.waypoint_symbol)
        )
        return {symbol: count for symbol, count in rows}


def test_registered_for_the_daemon():
    assert registry.get(COMMAND_TYPE) is run_scout_tour


def test_params_are_validated():
    with pytest.raises(ValueError, match="no markets"):
        TourParams.from_params({"ship_symbol": "A-1", "system": "X1-A", "markets": []})
    with pytest.raises(ValueError, match="iterations"):
        TourParams.from_params({"ship_symbol": "A-1", "system": "X1-A", "markets": ["X1-A-B"], "iterations": 0})


def test_visits_markets_in_order_from_the_nearest_and_stores_snapshots(world: World):
    markets = far_markets(world, 4)
    waypoints = world.sim.universe.waypoints
    hq = waypoints[world.hq]
    nearest = min(markets, key=lambda m: (distance((hq.x, hq.y), (waypoints[m].x, waypoints[m].y)), markets.index(m)))
    first = markets.index(nearest)
    expected = markets[first:] + markets[:first]

    world.run(run_scout_tour, tour_params(world, world.probe, markets))

    assert visited(world) == expected
    assert [line.split(":")[0] for line in world.logs.matching("Visiting market")] == [
        f"Visiting market {i}/4" for i in range(1, 5)
    ]
    history = stored_markets(world)
    assert set(history) == set(markets)
    with world.db.read() as session:
        market_rows = session.scalars(select(MarketRow.waypoint_symbol).order_by(MarketRow.waypoint_symbol)).all()
        ship = session.get(ShipRow, (world.player_id, world.probe))
        where, status = ship.waypoint_symbol, ship.nav_status
    assert market_rows == sorted(markets)
    # every good of every market is in the history once per visit
    assert all(history[m] == len(world.sim.markets[m].spec.exports + world.sim.markets[m].spec.imports
                                 + world.sim.markets[m].spec.exchange) for m in markets)
    assert (where, status) == (expected[-1], "IN_ORBIT")
    assert world.sim_ship(world.probe).location.symbol == expected[-1]


def test_a_second_iteration_skips_markets_read_within_min_interval(world: World):
    markets = far_markets(world, 2)
    with world.db.transaction() as uow:  # pretend markets[1] was read just now
        snapshot = _priced_market(world, markets[1])
        store_market_snapshot(uow.session, snapshot, player_id=world.player_id, now=world.clock.now())

    world.run(run_scout_tour, tour_params(world, world.probe, markets, min_interval=3600))

    assert markets[1] not in visited(world)
    assert any(markets[1] in line for line in world.logs.matching("Skipping market"))
    assert markets[0] in stored_markets(world)


def test_refuels_a_fuelled_ship_where_fuel_is_sold(world: World):
    hq = world.sim.universe.waypoints[world.hq]
    assert hq.market is not None and hq.market.sells_fuel, "seed 5: the HQ market sells fuel"
    waypoints = world.sim.universe.waypoints
    target = min(far_markets(world, 30), key=lambda m: distance((hq.x, hq.y), (waypoints[m].x, waypoints[m].y)))
    leg = distance((hq.x, hq.y), (waypoints[target].x, waypoints[target].y))
    with_full_tank = fastest_mode(leg, 400, 400)
    assert with_full_tank in (FlightMode.BURN, FlightMode.CRUISE)  # a full tank flies it fast
    frigate = world.sim_ship(world.frigate)
    frigate.fuel = 2  # not enough for the leg in any mode but DRIFT
    credits = world.sim.agents["SCOUTER"].credits

    world.run(run_scout_tour, tour_params(world, world.frigate, [world.hq, target]))

    assert world.logs.matching("Refuelled")
    assert world.sim.agents["SCOUTER"].credits < credits
    assert frigate.flight_mode == with_full_tank  # refuelled, so it did not have to crawl
    assert set(stored_markets(world)) == {world.hq, target}


def test_a_ship_short_of_fuel_where_none_is_sold_drifts_rather_than_strands(world: World):
    no_fuel = [w for w in world.marketplaces() if not w.market.sells_fuel]
    if not no_fuel:
        pytest.skip("this universe has no market without fuel")
    here = no_fuel[0]
    target = next(w for w in world.marketplaces() if (w.x, w.y) != (here.x, here.y))
    place(world, world.frigate, here.symbol)
    world.sim_ship(world.frigate).fuel = 1

    world.run(run_scout_tour, tour_params(world, world.frigate, [target.symbol]))

    frigate = world.sim_ship(world.frigate)
    assert not world.logs.matching("Refuelled")
    assert (frigate.flight_mode, frigate.location.symbol, frigate.fuel) == ("DRIFT", target.symbol, 0)
    assert target.symbol in stored_markets(world)


def place(world: World, ship_symbol: str, waypoint: str) -> None:
    """Move a simulated ship (in orbit) to a waypoint, as if it had flown there earlier."""
    ship, wp = world.sim_ship(ship_symbol), world.sim.universe.waypoints[waypoint]
    world.sim._present[("SCOUTER", ship.location.symbol)].discard(ship)
    world.sim._present.setdefault(("SCOUTER", waypoint), set()).add(ship)
    ship.location = ship.origin = wp
    ship.status = "IN_ORBIT"


def test_resumes_at_the_destination_after_a_restart_mid_flight(world: World):
    markets = far_markets(world, 3)
    target = markets[2]

    async def send_probe_towards_target() -> None:
        async with world.client() as api:
            await api.orbit(world.probe)
            await api.navigate(world.probe, target)

    asyncio.run(send_probe_towards_target())
    assert world.sim_ship(world.probe).status == "IN_TRANSIT"

    world.run(run_scout_tour, tour_params(world, world.probe, markets), restart_count=1)

    assert visited(world) == [markets[2], markets[0], markets[1]]
    assert set(stored_markets(world)) == set(markets)


def test_injected_server_errors_are_retried_inside_the_tour(world: World):
    markets = far_markets(world, 3)
    world.sim.fail_next(world.probe, count=3, status=500)  # fewer than the client's 5 attempts

    world.run(run_scout_tour, tour_params(world, world.probe, markets))

    assert set(stored_markets(world)) == set(markets)
    assert not world.logs.matching("Market ")  # no market failed


def test_an_error_on_one_market_is_logged_and_the_tour_moves_on(world: World):
    markets = far_markets(world, 3)
    # Once the tour heads for its second market, exhaust every retry of the next ship call.
    world.logs.on("Visiting market 2/3", lambda: world.sim.fail_next(world.probe, count=5, status=500))

    world.run(run_scout_tour, tour_params(world, world.probe, markets))

    second = visited(world)[1]
    failures = world.logs.matching("Market ")
    assert len(failures) == 1 and second in failures[0] and "failed" in failures[0]
    assert set(stored_markets(world)) == set(markets) - {second}


def test_a_persistent_failure_fails_the_container(world: World):
    markets = far_markets(world, 4)
    world.logs.on("Visiting market 1/4", lambda: world.sim.fail_next(world.probe, count=1000, status=503))

    with pytest.raises(TourFailed, match="3 markets failed in a row"):
        world.run(run_scout_tour, tour_params(world, world.probe, markets, iterations=-1))
    assert len(world.logs.matching("Market ")) == 3


def test_a_stop_request_ends_an_endless_tour_between_steps(world: World):
    markets = far_markets(world, 3)

    def stop_after_first_store(ctx) -> None:  # type: ignore[no-untyped-def]
        world.logs.on("Stored market", ctx.stop_event.set)

    world.run(run_scout_tour, tour_params(world, world.probe, markets, iterations=-1), ctx_hook=stop_after_first_store)

    assert len(stored_markets(world)) == 1


def _priced_market(world: World, symbol: str):  # type: ignore[no-untyped-def]
    """A priced read of a market, as if a ship had been there (built from the simulator's state)."""
    from spacetraders.api.models import Market

    agent = world.sim.agents["SCOUTER"]
    ship = world.sim_ship(world.probe)
    origin, status = ship.location, ship.status
    ship.location, ship.status = world.sim.universe.waypoints[symbol], "IN_ORBIT"
    world.sim._present.setdefault(("SCOUTER", symbol), set()).add(ship)
    try:
        data = world.sim.market(agent, world.system, symbol)
    finally:
        world.sim._present[("SCOUTER", symbol)].discard(ship)
        ship.location, ship.status = origin, status
    return Market.from_json(data)


def test_when_every_market_is_fresh_it_rests_until_one_is_due(world: World):
    market = far_markets(world, 1)[0]
    with world.db.transaction() as uow:
        store_market_snapshot(uow.session, _priced_market(world, market), player_id=world.player_id,
                              now=world.clock.now())
    started = world.clock.now()

    world.run(run_scout_tour, tour_params(world, world.probe, [market], iterations=2, min_interval=600))

    assert world.logs.matching("All 1 market(s) are fresh")
    assert visited(world) == [market]  # skipped on the first pass, visited on the second
    assert (world.clock.now() - started).total_seconds() >= 600
    assert stored_markets(world)[market] == 2 * len(_priced_market(world, market).trade_goods)


def test_a_one_market_tour_rests_between_reads_instead_of_hammering_the_api(world: World):
    market = far_markets(world, 1)[0]
    started = world.clock.now()

    world.run(run_scout_tour, tour_params(world, world.probe, [market], iterations=4, min_interval=0))

    assert visited(world) == [market] * 4  # pass 1 flies there; passes 2 and 3 rest after reading
    flight = (world.sim_ship(world.probe).arrival - started).total_seconds()
    assert (world.clock.now() - started).total_seconds() >= flight + 2 * STATIONARY_REST_S


def request(world: World, market: str) -> None:
    with world.db.transaction() as uow:
        assert request_refresh(uow.session, world.player_id, market, requested_by="trade-test", now=world.clock.now())


def test_a_refresh_request_makes_the_tour_visit_that_market_next_and_is_served(world: World):
    markets = far_markets(world, 4)
    world.run(run_scout_tour, tour_params(world, world.probe, markets[:1]))  # the ship now sits at markets[0]
    world.logs.lines.clear()
    first, wanted = markets[0], markets[2]
    # asked for while the tour stores its first market: it goes there next, then on from there
    world.logs.on(f"Stored market {first}", lambda: request(world, wanted))

    world.run(run_scout_tour, tour_params(world, world.probe, markets, min_interval=0))

    assert visited(world)[:3] == [first, wanted, markets[3]]
    assert world.logs.matching(f"Refresh requested for market {wanted}")
    with world.db.read() as session:
        assert pending_requests(session, world.player_id, markets) == {}
        served = session.scalars(select(MarketRefreshRequest.served_at)).one()
        updated = session.get(MarketRow, wanted).updated_at
    assert served == updated  # served by the snapshot of that market, in its transaction


def test_a_resting_tour_wakes_for_a_request(world: World):
    markets = far_markets(world, 2)
    with world.db.transaction() as uow:  # both read just now: nothing due for an hour
        for market in markets:
            store_market_snapshot(uow.session, _priced_market(world, market), player_id=world.player_id,
                                  now=world.clock.now())
    start = world.clock.now()
    world.logs.on("All 2 market(s) are fresh", lambda: request(world, markets[1]))

    world.run(run_scout_tour, tour_params(world, world.probe, markets, min_interval=3600, iterations=2))

    assert visited(world) == [markets[1]]
    assert (world.clock.now() - start).total_seconds() < 3600  # it did not sleep the hour out
