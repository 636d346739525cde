"""A trader whose plan rests on old prices of a scouted market asks the scout tour to refresh it
and plans on the fresh snapshot; without an answer it plans on what it has after the timeout;
a market no scout covers is traded as before."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from spacetraders.domain.trade_planning import MarketQuote
from spacetraders.operations.scout_tour import ScoutTour, TourParams
from spacetraders.operations.trade_quotes import ScoutedPlanner
from spacetraders.operations.trade_run import TradeParams, TradeRun
from spacetraders.persistence.models import MarketRefreshRequest
from tests.factories import make_container
from tests.operations.conftest import World
from tests.operations.test_trade_run import params, setup

MAX_AGE_S = 10**6
STALE_S = 600_000  # older than half the max age, still young enough to plan on


class Recording(ScoutedPlanner):
    """The stored planner, remembering when each market it planned on was read."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[dict[str, datetime]] = []

    async def quotes(self, run: TradeRun) -> list[MarketQuote]:
        quotes = await super().quotes(run)
        self.seen.append({q.waypoint: q.observed_at for q in quotes})
        return quotes


def live_tour(world: World) -> tuple[str, list[str]]:
    """The probe's scout tour over every market of the system, live and holding its ship."""
    markets = [w.symbol for w in world.marketplaces()]
    with world.db.transaction() as uow:
        container = make_container(uow, world.player_id, world.probe,
                                   params={"system": world.system, "markets": markets})
        uow.assignments.assign(world.player_id, world.probe, container.container_id)
        return container.container_id, markets


def requests(world: World) -> list[tuple[str, str, datetime | None]]:
    with world.db.read() as session:
        rows = session.execute(select(MarketRefreshRequest.waypoint_symbol, MarketRefreshRequest.requested_by,
                                      MarketRefreshRequest.served_at).order_by(MarketRefreshRequest.request_id))
        return [(w, by, served) for w, by, served in rows]


def trade(world: World, ship: str, planner: ScoutedPlanner, *, tour: tuple[str, list[str]] | None = None,
          **extra: Any) -> TradeRun:
    """One trip of the trader; the scout tour (if given) runs beside it until the trader is done."""

    async def go() -> TradeRun:
        async with world.client() as trade_api, world.client() as scout_api:
            ctx = world.context(trade_api, {})
            ctx.container_id = "trade-test-0badc0de"
            world.logs.on("Waiting", ctx.stop_event.set)  # never wait out a test
            run = TradeRun(ctx, TradeParams.from_params(params(ship, trips=1, max_age_s=MAX_AGE_S, **extra)), planner)
            if tour is None:
                await run.run()
                return run
            container_id, markets = tour
            # nothing is due for ages: the tour moves only for requests
            tour_params = {"ship_symbol": world.probe, "system": world.system, "markets": markets,
                           "min_interval": 10**8}
            scout_ctx = world.context(scout_api, tour_params)
            scout_ctx.container_id = container_id
            scouting = asyncio.ensure_future(ScoutTour(scout_ctx, TourParams.from_params(tour_params)).run())
            try:
                await run.run()
            finally:
                scout_ctx.stop_event.set()
                await scouting
            return run

    return asyncio.run(go())


def test_stale_data_of_a_scouted_market_is_refreshed_by_the_scout_before_planning(world: World) -> None:
    ship = setup(world)
    world.clock.advance(STALE_S)
    tour = live_tour(world)
    planner = Recording()

    run = trade(world, ship, planner, tour=tour, refresh_timeout_s=10**5)

    asked = [line for line in world.logs.lines if line.startswith("Asked the scouts to refresh")]
    assert len(asked) >= 1
    filed = requests(world)
    assert filed and all(by == "trade-test-0badc0de" and served is not None for _, by, served in filed)
    # the first plan's markets (a trip cut short may ask again for the market it sells its hold at)
    wanted = asked[0].removeprefix("Asked the scouts to refresh ").split(" (data")[0].split(", ")
    assert any(line.startswith("Refresh requested for market") for line in world.logs.lines)
    lines = world.logs.lines
    fresh_at = next(i for i, line in enumerate(lines) if line.startswith("Fresh prices for"))
    trip_at = next(i for i, line in enumerate(lines) if line.startswith("Trip 1:"))
    assert lines.index(asked[0]) < fresh_at < trip_at
    # the plan that flew was made on the snapshots that served the requests, not on the stale ones
    first, replanned = planner.seen[0], planner.seen[1]
    served: dict[str, datetime | None] = {}
    for w, _, s in filed:
        served.setdefault(w, s)  # the first request for it
    assert all(replanned[w] == served[w] > first[w] for w in wanted), (wanted, filed)
    assert run.book.trip == 1


def test_without_an_answer_the_trader_plans_on_what_it_has_after_the_timeout(world: World) -> None:
    ship = setup(world)
    world.clock.advance(STALE_S)
    live_tour(world)  # a tour that never runs: nobody serves

    run = trade(world, ship, ScoutedPlanner(), refresh_timeout_s=120, wait_s=60)

    assert world.logs.matching("Asked the scouts to refresh")
    assert world.logs.matching("No fresh prices for")
    # filed; served only later, by the trader's own reads when it docked there
    assert requests(world) and all(by == "trade-test-0badc0de" for _, by, _ in requests(world))
    assert run.book.trip == 1


def test_a_market_no_scout_covers_is_traded_as_before(world: World) -> None:
    ship = setup(world)
    world.clock.advance(STALE_S)

    run = trade(world, ship, ScoutedPlanner())

    assert not world.logs.matching("Asked the scouts") and requests(world) == []
    assert run.book.trip == 1


def test_the_refresh_timeout_is_a_finite_number_of_seconds_from_0() -> None:
    base = {"ship_symbol": "A-1", "run_id": "x", "systems": ["X1-A"], "max_spend": 1}
    assert TradeParams.from_params(base).refresh_timeout_s == 600
    assert TradeParams.from_params(base | {"refresh_timeout_s": 0}).refresh_timeout_s == 0  # never ask
    for bad in (-1, float("nan"), float("inf"), "soon"):
        with pytest.raises(ValueError):
            TradeParams.from_params(base | {"refresh_timeout_s": bad})
