"""GET /api/bot/tours/{system}: live tours through ACTIVE assignments, positions, set-based."""

from __future__ import annotations

import json
import math
from datetime import timedelta

import pytest
from sqlalchemy import event

from spacetraders.application.containers import create_container
from spacetraders.domain.containers import ContainerStatus
from spacetraders.web.schemas import ToursResponse
from tests.factories import make_container
from tests.web.conftest import (
    NOW,
    OTHER_SYSTEM,
    SYSTEM,
    World,
    fail_tour,
    put_ship,
    start_tour,
    tour_markets,
)


def get_tours(world: World, system: str = SYSTEM, **params: object) -> list[dict]:
    response = world.client().get(f"/api/bot/tours/{system}", params=params)
    assert response.status_code == 200, response.text
    ToursResponse.model_validate(response.json())  # the documented schema is what we send
    return response.json()["tours"]


def loop_length(world: World, markets: list[str]) -> float:
    points = [world.coords(m) for m in markets]
    return sum(math.dist(a, b) for a, b in zip(points, points[1:] + points[:1]))


def test_one_entry_per_live_tour_of_the_system_with_route_and_distance(world: World) -> None:
    first, second = tour_markets(world, 6), tour_markets(world, 4, start=2)
    with world.db.transaction() as uow:
        a = start_tour(uow, world.player_id, "COOPER-2", first, iterations=3)
        b = start_tour(uow, world.player_id, "COOPER-3", second, status=ContainerStatus.STARTING)
        start_tour(uow, world.player_id, "COOPER-4", ["X1-KP23-A1"], system=OTHER_SYSTEM)
        # A live container of another command type and a dead tour (ship released) are not tours.
        mining = make_container(uow, world.player_id, "COOPER-5", command_type="MiningCommand",
                                params={"markets": first})
        uow.assignments.assign(world.player_id, "COOPER-5", mining.container_id, now=NOW)
        dead = start_tour(uow, world.player_id, "COOPER-6", first, restart_policy="no")
        assert fail_tour(uow, dead) is None  # gave up: FAILED, ship released

    tours = get_tours(world)

    assert [(t["ship_symbol"], t["container_id"], t["status"]) for t in tours] == [
        ("COOPER-2", a.container_id, "RUNNING"),
        ("COOPER-3", b.container_id, "STARTING"),
    ]
    tour = tours[0]
    assert tour["markets"] == first and tour["iterations"] == 3 and tour["player_id"] == world.player_id
    assert [(p["symbol"], p["x"], p["y"]) for p in tour["route"]] == [(m, *world.coords(m)) for m in first]
    assert tour["total_distance"] == pytest.approx(loop_length(world, first), abs=0.01)
    assert tour["assigned_at"].startswith("2026-03-01T11:55")
    assert tour["ship"] is None and tour["current_market"] is None and tour["next_market"] is None


def test_ship_positions_and_current_next_market(world: World) -> None:
    markets = tour_markets(world, 5)
    asteroid = next(w for w in world.waypoints if w.type == "ASTEROID")
    with world.db.transaction() as uow:
        for ship in ("S-DOCKED", "S-TRANSIT", "S-ELSEWHERE", "S-AWAY"):
            start_tour(uow, world.player_id, ship, markets)
        put_ship(uow, world.player_id, "S-DOCKED", markets[-1])
        # A quarter of the way from markets[0] to markets[1] at NOW.
        put_ship(uow, world.player_id, "S-TRANSIT", markets[1], nav_status="IN_TRANSIT", origin=markets[0],
                 departure_at=NOW - timedelta(seconds=25), arrival_at=NOW + timedelta(seconds=75))
        put_ship(uow, world.player_id, "S-ELSEWHERE", asteroid.symbol, nav_status="IN_ORBIT")
        put_ship(uow, world.player_id, "S-AWAY", "X1-KP23-A1", system=OTHER_SYSTEM)

    by_ship = {t["ship_symbol"]: t for t in get_tours(world)}

    docked = by_ship["S-DOCKED"]
    assert (docked["current_market"], docked["next_market"]) == (markets[-1], markets[0])  # the loop wraps
    assert docked["ship"] == {"x": world.coords(markets[-1])[0], "y": world.coords(markets[-1])[1],
                              "waypoint": markets[-1], "nav_status": "DOCKED"}

    transit = by_ship["S-TRANSIT"]
    (ox, oy), (dx, dy) = world.coords(markets[0]), world.coords(markets[1])
    assert (transit["current_market"], transit["next_market"]) == (None, markets[1])
    assert transit["ship"]["x"] == pytest.approx(ox + (dx - ox) * 0.25, abs=0.01)
    assert transit["ship"]["y"] == pytest.approx(oy + (dy - oy) * 0.25, abs=0.01)

    elsewhere = by_ship["S-ELSEWHERE"]
    nearest = min(markets, key=lambda m: math.dist(world.coords(m), (asteroid.x, asteroid.y)))
    assert (elsewhere["current_market"], elsewhere["next_market"]) == (None, nearest)
    assert elsewhere["ship"]["waypoint"] == asteroid.symbol

    away = by_ship["S-AWAY"]
    assert away["ship"] is None and away["next_market"] is None

    # Time moves on: past the arrival time the ship sits at its destination.
    world.clock.advance(600)
    transit = {t["ship_symbol"]: t for t in get_tours(world)}["S-TRANSIT"]
    assert (transit["ship"]["x"], transit["ship"]["y"]) == (dx, dy)


def test_after_a_restart_the_new_container_has_the_tour_and_the_old_one_nothing(world: World) -> None:
    markets = tour_markets(world, 4)
    with world.db.transaction() as uow:
        old = start_tour(uow, world.player_id, "COOPER-2", markets)
    assert [t["container_id"] for t in get_tours(world)] == [old.container_id]

    # The run raised and the policy restarts it: old FAILED, new STARTING, ship moved, one transaction.
    with world.db.transaction() as uow:
        new = fail_tour(uow, old)
        assert new is not None and new.restarted_from == old.container_id

    tours = get_tours(world)
    assert [(t["container_id"], t["status"]) for t in tours] == [(new.container_id, "STARTING")]
    assert tours[0]["markets"] == markets
    assert old.container_id not in world.client().get(f"/api/bot/tours/{SYSTEM}").text


def test_tours_appear_once_assignments_fix_repairs_an_idle_assignment(world: World) -> None:
    fix = pytest.importorskip("spacetraders.application.assignments", reason="fix_assignments is the lead's")
    markets = tour_markets(world, 4)
    with world.db.transaction() as uow:
        old = start_tour(uow, world.player_id, "COOPER-2", markets)
        # The naive restart: the old container failed and released the ship; the new one never claimed it.
        uow.containers.set_status(old.container_id, expected=["RUNNING"], new="FAILED")
        uow.assignments.release(world.player_id, "COOPER-2", old.container_id, "failed", now=NOW)
        new = make_container(uow, world.player_id, "COOPER-2", status=ContainerStatus.RUNNING,
                             params={"markets": markets}, restarted_from=old.container_id)
    assert get_tours(world) == []  # the map shows 0 tours: the bug DESIGN.md is about

    with world.db.transaction() as uow:
        fix.fix_assignments(uow, now=NOW)

    assert [t["container_id"] for t in get_tours(world)] == [new.container_id]


def test_player_filter(world: World) -> None:
    markets = tour_markets(world, 3)
    with world.db.transaction() as uow:
        start_tour(uow, world.player_id, "COOPER-2", markets)
        start_tour(uow, world.other_player_id, "BRAND-2", markets)
    assert {t["ship_symbol"] for t in get_tours(world)} == {"COOPER-2", "BRAND-2"}
    assert [t["ship_symbol"] for t in get_tours(world, player_id=world.other_player_id)] == ["BRAND-2"]


def test_one_set_based_query_whatever_the_number_of_tours(world: World) -> None:
    def statements_for_request() -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
        event.listen(world.db.engine, "before_cursor_execute", listener)
        try:
            get_tours(world, player_id=world.player_id)
        finally:
            event.remove(world.db.engine, "before_cursor_execute", listener)
        return len(seen)

    with world.db.transaction() as uow:
        for n in range(2):
            start_tour(uow, world.player_id, f"COOPER-{n}", tour_markets(world, 5, start=n))
    few = statements_for_request()
    with world.db.transaction() as uow:
        for n in range(2, 30):
            start_tour(uow, world.player_id, f"COOPER-{n}", tour_markets(world, 5, start=n))
            put_ship(uow, world.player_id, f"COOPER-{n}", tour_markets(world, 5, start=n)[0])
    assert len(get_tours(world)) == 30
    assert statements_for_request() == few <= 6  # player check + waypoints + tours (+ BEGIN/ROLLBACK)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/bot/tours/X1-NOPE", 404),
        (f"/api/bot/tours/{SYSTEM}?player_id=999", 404),
        (f"/api/bot/tours/{SYSTEM}?player_id=abc", 422),
        (f"/api/bot/tours/{SYSTEM}?player_id=0", 422),
        ("/api/bot/tours/not_a_system", 422),
    ],
)
def test_errors(world: World, path: str, status: int) -> None:
    response = world.client().get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    if status == 404:
        assert response.json() == {"detail": response.json()["detail"]} and response.json()["detail"]


def test_json_and_object_forms_agree_and_plans_follow_the_coordinates(world: World) -> None:
    from spacetraders.application.tours import TourPlans, live_tours, live_tours_json
    from spacetraders.persistence.models import WaypointRow

    markets = tour_markets(world, 5)
    with world.db.transaction() as uow:
        start_tour(uow, world.player_id, "COOPER-2", markets)
        put_ship(uow, world.player_id, "COOPER-2", markets[2])
    plans = TourPlans()
    with world.db.read() as session:
        objects = live_tours(session, SYSTEM, now=NOW, plans=plans)
        encoded = json.loads(live_tours_json(session, SYSTEM, now=NOW, plans=plans))
    assert encoded == json.loads(json.dumps(objects, default=lambda d: d.isoformat().replace("+00:00", "Z")))

    # A resync that moves a market changes the cached route and distance on the next call.
    with world.db.transaction() as uow:
        uow.session.query(WaypointRow).filter_by(waypoint_symbol=markets[0]).update({"x": 999, "y": -999})
    with world.db.read() as session:
        moved = json.loads(live_tours_json(session, SYSTEM, now=NOW, plans=plans))[0]
    assert moved["route"][0] == {"symbol": markets[0], "x": 999, "y": -999}
    assert moved["total_distance"] != encoded[0]["total_distance"]


def test_a_tour_gives_its_planned_revisit_period(world: World) -> None:
    markets = tour_markets(world, 4)
    with world.db.transaction() as uow:
        planned = create_container(
            uow, player_id=world.player_id, command_type="ScoutTourCommand", id_prefix="scout-tour-cooper-2",
            params={"ship_symbol": "COOPER-2", "system": SYSTEM, "markets": markets, "iterations": -1,
                    "period_seconds": 800}, now=NOW)
        start_tour(uow, world.player_id, "COOPER-3", markets)  # created before tours recorded a period

    by_ship = {t["ship_symbol"]: t for t in get_tours(world)}
    assert by_ship["COOPER-2"]["container_id"] == planned.container_id
    assert by_ship["COOPER-2"]["period_seconds"] == 800
    assert by_ship["COOPER-3"]["period_seconds"] is None
