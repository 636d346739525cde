"""/api/bot/runs: live runs other than scout tours, with the ship's position and the run's next stop."""

from __future__ import annotations

from spacetraders.application.containers import claim_start, complete_container, create_container
from spacetraders.persistence.progress import save_progress
from spacetraders.web import schemas
from tests.web.conftest import DAEMON, NOW, SYSTEM, World, put_ship, start_tour, tour_markets


def test_runs_show_contract_and_navigation_runs_with_their_next_stop_and_not_tours(world: World) -> None:
    a, b, c = (w.symbol for w in world.waypoints[:3])
    with world.db.transaction() as uow:
        start_tour(uow, world.player_id, "COOPER-2", tour_markets(world, 3))
        put_ship(uow, world.player_id, "COOPER-2", tour_markets(world, 3)[0])
        contract = create_container(uow, player_id=world.player_id, command_type="ContractCommand",
                                    params={"ship_symbol": "COOPER-3", "run_id": "r1"}, id_prefix="contract", now=NOW)
        claim_start(uow, contract.container_id, daemon_id=DAEMON, now=NOW)
        put_ship(uow, world.player_id, "COOPER-3", a)
        save_progress(uow, world.player_id, "r1", ship_symbol="COOPER-3", command_type="ContractCommand",
                      container_id=contract.container_id, now=NOW,
                      state={"phase": "delivering", "next_stop": b, "route": [a, c, b, "X9-NOWHERE-1"]})
        create_container(uow, player_id=world.player_id, command_type="NavigateCommand",
                         params={"ship_symbol": "COOPER-4", "destination": c}, id_prefix="navigate", now=NOW)
        put_ship(uow, world.player_id, "COOPER-4", b)
        done = create_container(uow, player_id=world.other_player_id, command_type="NavigateCommand",
                                params={"ship_symbol": "BRAND-1", "destination": c}, id_prefix="navigate", now=NOW)
        claim_start(uow, done.container_id, daemon_id=DAEMON, now=NOW)
        complete_container(uow, done.container_id, daemon_id=DAEMON, now=NOW)
        put_ship(uow, world.other_player_id, "BRAND-1", c)
    response = world.client().get(f"/api/bot/runs/{SYSTEM}")
    assert response.status_code == 200, response.text
    body = schemas.RunsResponse.model_validate(response.json())
    runs = {r.ship_symbol: r for r in body.runs}
    assert set(runs) == {"COOPER-3", "COOPER-4"}  # not the tour, not the finished run
    assert runs["COOPER-3"].next_stop == b and runs["COOPER-3"].phase == "delivering"
    assert [p.symbol for p in runs["COOPER-3"].route] == [a, c, b]  # unknown waypoints dropped
    assert runs["COOPER-3"].ship is not None and runs["COOPER-3"].ship.waypoint == a
    assert runs["COOPER-4"].next_stop == c and runs["COOPER-4"].progress is None
    other = world.client().get(f"/api/bot/runs/{SYSTEM}", params={"player_id": world.other_player_id}).json()
    assert other["runs"] == []
