"""`scout_markets`: planning on real positions, all-or-nothing creation, idempotence, --replace.

Against the simulator in-process (httpx.ASGITransport), on both databases.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from spacetraders.api import SpaceTradersClient
from spacetraders.application.containers import claim_start, create_container
from spacetraders.application.scouting import ScoutRequest, ScoutResult, scout_markets
from spacetraders.clock import utcnow
from spacetraders.domain.containers import ContainerStatus
from spacetraders.errors import ConfigError, NotFound, SpacetradersError
from spacetraders.persistence.containers import config_params
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, ShipAssignment, ShipRow
from tests.factories import make_player
from tests.invariants import check_invariants

sim_app = pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
pytest.importorskip("spacetraders.domain.planning", reason="the planner is not in this tree yet")
from spacetraders.sim.config import SimConfig  # noqa: E402

BASE_URL = "http://sim/v2"


@dataclass
class Game:
    db: Database
    sim: Any
    transport: httpx.AsyncBaseTransport
    token: str
    player_id: int
    probes: list[str]
    frigate: str
    system: str

    def scout(self, **request: Any) -> ScoutResult:
        request.setdefault("ships", self.probes)
        request.setdefault("system", self.system)

        async def go() -> ScoutResult:
            async with SpaceTradersClient(BASE_URL, self.token, transport=self.transport) as api:
                return await scout_markets(self.db, api, ScoutRequest.parse(**request),
                                           player_id=self.player_id, now=utcnow(), time_limit_s=0.2)

        return asyncio.run(go())

    def marketplaces(self) -> list[str]:
        return sorted(w.symbol for w in self.sim.universe.waypoints.values()
                      if w.system_symbol == self.system and w.market)

    def counts(self) -> tuple[int, int, int]:
        """(containers, active assignments, ships rows)."""
        with self.db.read() as session:
            return (
                session.scalar(select(func.count()).select_from(Container)),
                session.scalar(select(func.count()).select_from(ShipAssignment).where(ShipAssignment.status == "active")),
                session.scalar(select(func.count()).select_from(ShipRow)),
            )

    def live_tours(self) -> dict[str, Container]:
        with self.db.read() as session:
            rows = session.scalars(select(Container).where(Container.status == "STARTING")).all()
            session.expunge_all()
            return {config_params(c)["ship_symbol"]: c for c in rows}


@pytest.fixture
def game(db: Database) -> Game:
    app = sim_app.create_app(SimConfig(seed=21, enforce_rate_limit=False, probes_per_agent=3))
    transport = httpx.ASGITransport(app=app)

    async def register():  # type: ignore[no-untyped-def]
        async with SpaceTradersClient(BASE_URL, transport=transport) as anonymous:
            return await anonymous.register("SCOUTER", "COSMIC", "account-token")

    registered = asyncio.run(register())
    with db.transaction() as uow:
        player = make_player(uow, "SCOUTER")
        player.token = registered.token
        player_id = player.player_id
    probes = sorted(s.symbol for s in registered.ships if s.fuel.capacity == 0)
    frigate = next(s.symbol for s in registered.ships if s.fuel.capacity > 0)
    return Game(db, app.state.sim, transport, registered.token, player_id, probes, frigate,
                registered.ships[0].nav.system_symbol)


def test_dry_run_plans_every_market_once_and_writes_nothing(game: Game):
    result = game.scout(dry_run=True)

    assigned = [m for t in result.tours for m in t.markets]
    assert sorted(assigned) == game.marketplaces()
    assert {t.ship_symbol for t in result.tours} == set(game.probes)
    assert all(t.action == "planned" and t.cycle_seconds and t.container_id is None for t in result.tours)
    assert result.makespan_seconds == max(t.approach_seconds + t.cycle_seconds for t in result.tours)
    assert game.counts() == (0, 0, 0)


def test_creates_one_tour_container_per_ship_in_one_transaction(game: Game):
    result = game.scout(iterations=5, min_interval=120)

    assert [t.action for t in result.tours] == ["created"] * 3
    assert any("daemon start" in note for note in result.notes)  # no daemon: queued
    tours = game.live_tours()
    assert set(tours) == set(game.probes)
    for outcome in result.tours:
        container = tours[outcome.ship_symbol]
        assert container.container_id == outcome.container_id
        assert re.fullmatch(rf"scout-tour-{outcome.ship_symbol.lower()}-[0-9a-f]{{8}}", container.container_id)
        assert container.command_type == "ScoutTourCommand"
        params = config_params(container)
        assert params == {"ship_symbol": outcome.ship_symbol, "system": game.system, "markets": list(outcome.markets),
                          "iterations": 5, "min_interval": 120.0, "start_delay": outcome.start_delay,
                          "period_seconds": outcome.cycle_seconds}
    assert len({t.start_delay for t in result.tours}) == 3  # staggered
    assert game.counts() == (3, 3, 3)  # ships table: the three probes
    check_invariants(game.db)


def test_running_the_same_command_twice_creates_nothing(game: Game):
    first = game.scout()
    second = game.scout()

    assert [t.action for t in second.tours] == ["unchanged"] * 3
    assert {t.container_id for t in second.tours} == {t.container_id for t in first.tours}
    assert game.counts()[:2] == (3, 3)


@pytest.mark.parametrize("holder_status", ["STARTING", "RUNNING"])
def test_all_or_nothing_when_one_ship_is_busy_and_replace_moves_it(game: Game, holder_status: str):
    busy = game.probes[1]
    with game.db.transaction() as uow:
        other = create_container(uow, player_id=game.player_id, command_type="SleepCommand",
                                 params={"ship_symbol": busy, "seconds": 60}, id_prefix="sleep", now=utcnow())
        if holder_status == "RUNNING":
            claim_start(uow, other.container_id, daemon_id="daemon-a", now=utcnow())

    with pytest.raises(SpacetradersError, match=rf"{busy}.*--replace"):
        game.scout()
    assert game.counts()[:2] == (1, 1)  # nothing created for the two free ships either

    result = game.scout(replace=True)

    by_ship = {t.ship_symbol: t for t in result.tours}
    assert by_ship[busy].action == "replaced" and by_ship[busy].replaced_container_id == other.container_id
    with game.db.read() as session:
        old = session.get(Container, other.container_id)
        assignment = session.get(ShipAssignment, (game.player_id, busy))
        assert old is not None and old.status == ContainerStatus.STOPPED
        assert (assignment.status, assignment.container_id) == ("active", by_ship[busy].container_id)
    check_invariants(game.db)


def test_fuelled_ships_get_a_plan_valid_for_fuel(game: Game):
    result = game.scout(ships=[game.frigate, game.probes[0]], dry_run=True)

    assert sorted(m for t in result.tours for m in t.markets) == game.marketplaces()
    frigate = next(t for t in result.tours if t.ship_symbol == game.frigate)
    assert frigate.markets and len(frigate.legs) == len(frigate.markets)  # a closed loop
    fuel_sellers = {w.symbol for w in game.sim.universe.waypoints.values() if w.market and w.market.sells_fuel}
    tank = game.sim._ships[game.frigate].template.fuel_capacity
    fuel = tank  # it starts full; fly the loop twice, refuelling to full wherever fuel is sold
    for leg in list(frigate.legs) * 2:
        if leg["origin"] in fuel_sellers:
            fuel = tank
        fuel -= leg["fuel"]
        assert fuel >= 0, f"stranded on {leg}"


def test_explicit_markets_are_split_among_the_ships(game: Game):
    chosen = game.marketplaces()[:4]
    result = game.scout(markets=",".join(chosen).lower(), ships=game.probes[:2])

    assert sorted(m for t in result.tours for m in t.markets) == chosen
    assert game.counts()[:2] == (2, 2)


@pytest.mark.parametrize(
    "request_, error, message",
    [
        ({"system": "X1"}, ConfigError, "malformed system symbol"),
        ({"ships": ["SCOUTER-99"]}, NotFound, "SCOUTER-99 not found"),
        ({"ships": "SCOUTER-2,SCOUTER-2"}, ConfigError, "given twice"),
        ({"markets": "X1-NOPE-A1"}, ConfigError, "is not a waypoint of"),
        ({"iterations": 0}, ConfigError, "--iterations"),
        ({"system": "X1-NOPE99"}, NotFound, "unknown system"),
    ],
)
def test_bad_input_writes_nothing(game: Game, request_, error, message):
    with pytest.raises(error, match=message):
        game.scout(**request_)
    assert game.counts() == (0, 0, 0)


def test_a_waypoint_without_marketplace_is_refused(game: Game):
    plain = next(w.symbol for w in game.sim.universe.waypoints.values()
                 if w.system_symbol == game.system and not w.market)
    with pytest.raises(ConfigError, match="has no marketplace"):
        game.scout(markets=plain)
    assert game.counts()[:2] == (0, 0)


def test_more_ships_than_stops_leaves_the_extra_ships_idle(game: Game):
    one_stop = game.marketplaces()[:1]
    result = game.scout(markets=one_stop[0])

    actions = sorted(t.action for t in result.tours)
    assert actions == ["created", "idle", "idle"]
    assert game.counts()[:2] == (1, 1)
    assert game.scout(markets=one_stop[0]).tours and game.counts()[:2] == (1, 1)  # rerun: still one tour


def test_a_ship_in_another_system_is_refused(game: Game):
    elsewhere = next(w for w in game.sim.universe.waypoints.values() if w.system_symbol != game.system)
    ship = game.sim._ships[game.probes[0]]
    ship.location = ship.origin = elsewhere
    with pytest.raises(ConfigError, match=rf"{game.probes[0]} is in system {elsewhere.system_symbol}"):
        game.scout()
    assert game.counts() == (0, 0, 0)


def test_the_plan_reports_its_revisit_period_and_first_pass(game: Game):
    result = game.scout(dry_run=True)
    first = game.scout(dry_run=True, objective="first-pass")

    assert result.objective.value == "period" and first.objective.value == "first-pass"
    assert result.period_seconds == max(t.cycle_seconds or 0 for t in result.tours)
    assert result.makespan_seconds == max(t.first_pass_seconds or 0 for t in result.tours)
    assert result.period_seconds <= first.period_seconds
    assert first.makespan_seconds is not None and result.makespan_seconds is not None
    assert first.makespan_seconds <= result.makespan_seconds
    data = result.as_dict()
    assert data["period_seconds"] == result.period_seconds and data["first_pass_seconds"] == result.makespan_seconds
    for tour in data["tours"]:
        assert tour["period_seconds"] == tour["cycle_seconds"]
        assert tour["first_pass_seconds"] == tour["cycle_seconds"] + tour["approach_seconds"]


@pytest.mark.parametrize("change", [{"iterations": 7}, {"min_interval": 60.0}])
def test_other_settings_for_the_same_markets_need_replace_and_then_update_the_tours(game: Game, change):
    first = game.scout(iterations=5, min_interval=120)
    ship = first.tours[0].ship_symbol
    flag = "--" + next(iter(change)).replace("_", "-")

    with pytest.raises(SpacetradersError, match=rf"{ship} \(container .*{flag} .*--replace"):
        game.scout(**({"iterations": 5, "min_interval": 120} | change))
    assert game.counts()[:2] == (3, 3)

    updated = game.scout(**({"iterations": 5, "min_interval": 120, "replace": True} | change))
    assert {t.action for t in updated.tours} == {"replaced"}
    tours = game.live_tours()
    for outcome in updated.tours:
        params = config_params(tours[outcome.ship_symbol])
        assert {k: params[k] for k in ("iterations", "min_interval")} == {"iterations": 5, "min_interval": 120.0} | change
    check_invariants(game.db)
    again = game.scout(**({"iterations": 5, "min_interval": 120} | change))
    assert {t.action for t in again.tours} == {"unchanged"}


def test_a_ship_left_without_markets_is_not_idle_while_its_container_runs(game: Game):
    holder = game.probes[2]
    with game.db.transaction() as uow:
        other = create_container(uow, player_id=game.player_id, command_type="SleepCommand",
                                 params={"ship_symbol": holder, "seconds": 60}, id_prefix="sleep", now=utcnow())
    one_stop = game.marketplaces()[0]

    kept = game.scout(markets=one_stop)
    by_ship = {t.ship_symbol: t for t in kept.tours}
    assert by_ship[holder].action == "kept" and by_ship[holder].container_id == other.container_id
    assert sorted(t.action for t in kept.tours) == ["created", "idle", "kept"]

    stopped = game.scout(markets=one_stop, replace=True)
    by_ship = {t.ship_symbol: t for t in stopped.tours}
    assert by_ship[holder].action == "stopped" and by_ship[holder].replaced_container_id == other.container_id
    with game.db.read() as session:
        old = session.get(Container, other.container_id)
        assert old is not None and old.status == ContainerStatus.STOPPED
        assignment = session.get(ShipAssignment, (game.player_id, holder))
        assert assignment is None or assignment.status != "active"
    check_invariants(game.db)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("min_interval", float("nan"), "--min-interval"),
        ("min_interval", float("inf"), "--min-interval"),
        ("min_interval", -1.0, "--min-interval"),
        ("min_interval", 10.0**23, "--min-interval"),
        ("iterations", 10**23, "--iterations"),
        ("iterations", 2**63, "--iterations"),
        ("iterations", -2, "--iterations"),
        ("iterations", 1.5, "--iterations"),
    ],
)
def test_a_request_refuses_non_finite_and_out_of_range_numbers(game: Game, field, value, message):
    with pytest.raises(ConfigError, match=message):
        ScoutRequest(ships=(game.probes[0],), system=game.system, **{field: value})
    with pytest.raises(ConfigError, match=message):
        game.scout(**{field: value})
    assert game.counts() == (0, 0, 0)


def test_sizing_finds_the_fewest_probes_for_a_target_age(game: Game):
    from spacetraders.application.scout_sizing import SizingRequest, size_scouting

    def size(**request: Any) -> Any:
        async def go() -> Any:
            async with SpaceTradersClient(BASE_URL, game.token, transport=game.transport) as api:
                return await size_scouting(game.db, api, SizingRequest.parse(system=game.system, **request),
                                           now=utcnow())
        return asyncio.run(go())

    loose = size(max_age="1d", probes=4)
    assert loose.sizing.ships_needed == 1 and loose.as_dict()["reached"] is True
    assert loose.fleet.startswith("probes at ")
    two = size(max_age=str(loose.sizing.best_age_seconds - 1), probes=4).as_dict()
    assert two["reached"] and two["ships_needed"] >= 2
    assert two["period_seconds"] <= loose.sizing.best_age_seconds - 1
    assert sorted(m for t in two["tours"] for m in t["markets"]) == game.marketplaces()
    tight = size(max_age="5s", ships=",".join(game.probes)).as_dict()
    assert tight["reached"] is False and tight["ships_needed"] is None
    assert tight["best_age_seconds"] == tight["period_seconds"] > 5
    assert [t["ship_symbol"] for t in tight["tours"]] == game.probes
    assert game.counts()[:2] == (0, 0)  # sizing starts nothing
