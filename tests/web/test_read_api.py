"""The small read endpoints: players (never a token), assignments, containers, markets, systems, OpenAPI."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spacetraders.domain.containers import ContainerStatus
from spacetraders.web import schemas
from tests.web.conftest import (
    NOW,
    OTHER_SYSTEM,
    SYSTEM,
    World,
    fail_tour,
    put_market,
    start_tour,
    tour_markets,
)


def get(world: World, path: str, model: type[schemas.BaseModel], **params: object) -> dict:
    response = world.client().get(path, params=params)
    assert response.status_code == 200, response.text
    model.model_validate(response.json())
    return response.json()


def test_players_never_show_a_token(world: World) -> None:
    response = world.client().get("/api/players")
    assert response.status_code == 200
    assert [(p["player_id"], p["agent_symbol"]) for p in response.json()["players"]] == [
        (world.player_id, "COOPER"), (world.other_player_id, "BRAND"),
    ]
    assert "token" not in response.text and "secret" not in response.text  # factories' tokens are tok-...-secret


def test_assignments_and_containers_by_player_and_status(world: World) -> None:
    markets = tour_markets(world, 3)
    with world.db.transaction() as uow:
        live = start_tour(uow, world.player_id, "COOPER-2", markets)
        dead = start_tour(uow, world.player_id, "COOPER-3", markets, created_at=NOW - timedelta(hours=1),
                          restart_policy="no")
        assert fail_tour(uow, dead) is None
        other = start_tour(uow, world.other_player_id, "BRAND-2", markets, status=ContainerStatus.STARTING)

    rows = get(world, "/api/bot/assignments", schemas.AssignmentsResponse, player_id=world.player_id)["assignments"]
    assert [(a["ship_symbol"], a["container_id"], a["status"]) for a in rows] == [
        ("COOPER-2", live.container_id, "active"), ("COOPER-3", dead.container_id, "idle"),
    ]
    idle = get(world, "/api/bot/assignments", schemas.AssignmentsResponse, status="idle")["assignments"]
    assert [a["ship_symbol"] for a in idle] == ["COOPER-3"] and "boom" in idle[0]["release_reason"]

    everyone = get(world, "/api/bot/containers", schemas.ContainersResponse)["containers"]
    assert {c["container_id"] for c in everyone} == {live.container_id, dead.container_id, other.container_id}
    failed = get(world, "/api/bot/containers", schemas.ContainersResponse, status="FAILED")["containers"]
    assert [(c["container_id"], c["assigned_ship"]) for c in failed] == [(dead.container_id, None)]
    assert "boom" in failed[0]["exit_reason"]
    mine_live = world.client().get(
        "/api/bot/containers", params=[("player_id", world.player_id), ("status", "RUNNING"), ("status", "STARTING")]
    ).json()["containers"]
    assert [(c["container_id"], c["assigned_ship"], c["system"]) for c in mine_live] == [
        (live.container_id, "COOPER-2", SYSTEM)
    ]


def test_markets_with_age_and_goods(world: World) -> None:
    fresh, stale = world.markets[0].symbol, world.markets[1].symbol
    with world.db.transaction() as uow:
        put_market(uow, fresh, age=timedelta(minutes=2))
        put_market(uow, stale, age=timedelta(hours=7))
    world.clock.advance(60)
    body = get(world, f"/api/markets/{SYSTEM}", schemas.MarketsResponse)
    by_symbol = {m["waypoint_symbol"]: m for m in body["markets"]}
    assert set(by_symbol) == {fresh, stale}
    assert by_symbol[fresh]["age_seconds"] == 180 and by_symbol[stale]["age_seconds"] == 7 * 3600 + 60
    assert by_symbol[fresh]["last_updated"] == (NOW - timedelta(minutes=2)).isoformat().replace("+00:00", "Z")
    assert (by_symbol[fresh]["x"], by_symbol[fresh]["y"]) == world.coords(fresh)
    assert [g["symbol"] for g in by_symbol[fresh]["goods"]] == ["FUEL"]
    assert get(world, f"/api/markets/{OTHER_SYSTEM}", schemas.MarketsResponse)["markets"] == []


def test_system_waypoints_and_the_system_list(world: World) -> None:
    with world.db.transaction() as uow:
        start_tour(uow, world.player_id, "COOPER-2", tour_markets(world, 3))
    body = get(world, f"/api/systems/{SYSTEM.lower()}", schemas.SystemResponse)
    assert body["symbol"] == SYSTEM and len(body["waypoints"]) == len(world.waypoints)
    moon = next(w for w in world.waypoints if w.orbits)
    served = next(w for w in body["waypoints"] if w["symbol"] == moon.symbol)
    assert (served["x"], served["y"], served["orbits"], served["type"]) == (moon.x, moon.y, moon.orbits, moon.type)
    assert served["traits"] == list(moon.traits) and served["is_market"] == moon.is_market
    assert sum(w["is_market"] for w in body["waypoints"]) == len(world.markets)

    systems = get(world, "/api/systems", schemas.SystemsResponse)["systems"]
    assert [(s["symbol"], s["live_tours"]) for s in systems] == [(SYSTEM, 1), (OTHER_SYSTEM, 0)]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/bot/containers?status=BOGUS", 422),
        ("/api/bot/containers?player_id=abc", 422),
        ("/api/bot/containers?player_id=999", 404),
        ("/api/bot/assignments?status=busy", 422),
        ("/api/bot/assignments?player_id=999", 404),
        ("/api/markets/X1-NOPE", 404),
        ("/api/systems/X1-NOPE", 404),
        ("/api/systems/X1%20NOPE", 422),
    ],
)
def test_errors(world: World, path: str, status: int) -> None:
    response = world.client().get(path)
    assert response.status_code == status, response.text
    assert "detail" in response.json()


def test_openapi_schema_documents_every_endpoint(world: World) -> None:
    spec = world.client().get("/openapi.json").json()
    assert set(spec["paths"]) >= {
        "/api/bot/tours/{system}", "/api/bot/assignments", "/api/bot/containers", "/api/markets/{system}",
        "/api/systems", "/api/systems/{system}", "/api/players",
    }
    tours = spec["paths"]["/api/bot/tours/{system}"]["get"]
    assert {"200", "404", "422"} <= set(tours["responses"])
    assert "Tour" in spec["components"]["schemas"]
    assert world.client().get("/docs").status_code == 200


def test_map_page_and_assets_are_served(world: World) -> None:
    client = world.client()
    page = client.get("/")
    assert page.status_code == 200 and 'id="system-select"' in page.text and 'id="markets-toggle"' in page.text
    assert client.get("/static/map.js").status_code == 200
    assert client.get("/static/map.css").status_code == 200
