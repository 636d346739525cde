"""`spacetraders ship navigate` and the one-off ship actions through the real entry point,
simulator on loopback, both databases; a real daemon flies a navigation to its end."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from spacetraders.domain.navigation import distance
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, ShipAssignment
from tests.cli.helpers import Result, cli
from tests.invariants import check_invariants

pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
from tests.simserver import sim_server, unpaced  # noqa: E402
from tests.supervisor.harness import (  # noqa: E402
    DaemonProcess,
    assignment_of,
    containers,
    latest_of,
    logs_of,
    register_agent,
    skip_backoff,
    successor,
    wait_until,
)


@pytest.fixture
def game(monkeypatch: pytest.MonkeyPatch, db: Database) -> Iterator[dict[str, Any]]:
    with sim_server(seed=13, time_scale=1000, enforce_rate_limit=False, probes_per_agent=1) as (url, sim):
        unpaced(monkeypatch)
        monkeypatch.setenv("SPACETRADERS_API_URL", url)
        monkeypatch.delenv("SPACETRADERS_PLAYER", raising=False)
        agent = register_agent(db, url, "COOPER")
        frigate = next(s for s in agent.ships if sim._ships[s].template.fuel_capacity > 0)
        probe = next(s for s in agent.ships if s != frigate)
        hq = sim._ships[frigate].location
        yield {"url": url, "sim": sim, "agent": agent, "frigate": frigate, "probe": probe, "hq": hq,
               "system": hq.system_symbol}


def _counts(db: Database) -> tuple[int, int]:
    with db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(Container)) or 0,
            session.scalar(select(func.count()).select_from(ShipAssignment).where(ShipAssignment.status == "active"))
            or 0,
        )


def _far(game: dict[str, Any], system: str | None = None) -> str:
    hq = game["hq"]
    waypoints = [w for w in game["sim"].universe.waypoints.values() if w.system_symbol == (system or game["system"])]
    return max(waypoints, key=lambda w: (distance((hq.x, hq.y), (w.x, w.y)), w.symbol)).symbol


def _other_system_waypoint(game: dict[str, Any]) -> str:
    universe = game["sim"].universe
    home_gate = next(g for g in universe.gates if g.startswith(game["system"] + "-"))
    gate = next(g for g in universe.gates[home_gate] if not universe.waypoints[g].is_under_construction)
    return _far(game, universe.waypoints[gate].system_symbol)


def _one_error_line(result: Result, fragment: str) -> None:
    assert result.code != 0, result.out
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.err


def test_dry_run_prints_the_route_and_writes_nothing(capsys, db, db_url, game):  # type: ignore[no-untyped-def]
    target = _other_system_waypoint(game)
    human = cli(capsys, "--db", db_url, "ship", "navigate", game["frigate"], target, "--dry-run")
    assert human.code == 0, human.err
    assert "dry run" in human.out and "jump" in human.out and "refuel" in human.out and target in human.out
    assert "cost" in human.out and "credits" in human.out and "refuel" in human.out  # 80 columns (pytest's)
    data = cli(capsys, "--db", db_url, "--json", "ship", "navigate", game["frigate"], target, "--dry-run").json()
    assert data["dry_run"] is True and data["container_id"] is None and data["jumps"] == 1
    assert data["legs"][-1]["destination"] == target and data["seconds"] == sum(leg["seconds"] for leg in data["legs"])
    assert data["cost"] >= data["jump_fees"] and isinstance(data["cost_unknown"], bool)
    fuel = data["fuel"]["current"]
    for leg in data["legs"]:  # the plan never runs the tank dry; refuels buy what the route needs
        fuel += leg["refuel"] - leg["fuel"]
        assert fuel == leg["fuel_after"] >= 0 and fuel + leg["fuel"] <= data["fuel"]["capacity"]
    assert _counts(db) == (0, 0)
    assert game["sim"]._ships[game["frigate"]].location is game["hq"]  # nothing moved


def test_navigate_starts_a_container_and_the_busy_ship_is_refused(capsys, db, db_url, game):  # type: ignore[no-untyped-def]
    ship, target = game["frigate"], _far(game)
    started = cli(capsys, "--db", db_url, "--json", "ship", "navigate", ship, target)
    assert started.code == 0, started.err
    container_id = started.json()["container_id"]
    assert started.json()["action"] == "created" and container_id.startswith(f"navigate-{ship.lower()}-")
    assert _counts(db) == (1, 1) and assignment_of(db, game["agent"].player_id, ship).container_id == container_id
    check_invariants(db)

    again = cli(capsys, "--db", db_url, "ship", "navigate", ship, target)
    _one_error_line(again, f"driven by container {container_id}")
    assert "--replace" in again.err
    for action in (["dock", ship], ["orbit", ship], ["refuel", ship], ["flight-mode", ship, "DRIFT"],
                   ["buy", ship, "FUEL", "1"], ["sell", ship, "FUEL", "1"], ["jettison", ship, "FUEL", "1"]):
        refused = cli(capsys, "--db", db_url, "ship", *action)
        _one_error_line(refused, f"stop it first: `spacetraders container stop {container_id}`")
    assert cli(capsys, "--db", db_url, "ship", "cargo", ship).code == 0  # a read is not driving
    listed = cli(capsys, "--db", db_url, "--json", "ship", "list").json()["ships"]
    assert next(s for s in listed if s["symbol"] == ship)["container_id"] == container_id
    human = cli(capsys, "--db", db_url, "ship", "list")
    assert human.code == 0 and "Ships of COOPER" in human.out
    assert _counts(db) == (1, 1)

    replaced = cli(capsys, "--db", db_url, "--json", "ship", "navigate", ship, target, "--replace")
    assert replaced.code == 0, replaced.err
    assert replaced.json()["action"] == "replaced" and replaced.json()["replaced_container_id"] == container_id
    assert containers(db)[container_id].status == "STOPPED"
    assert _counts(db) == (2, 1)
    check_invariants(db)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["{frigate}", "X1-NOPE-A1"], "unknown system X1-NOPE"),
        (["{frigate}", "{system}-ZZ99"], "unknown destination"),
        (["{frigate}", "not a waypoint"], "malformed waypoint symbol"),
        (["{frigate}", "{far}", "--mode", "warp"], "unknown --mode"),
        (["NOBODY-1", "{far}"], "ship NOBODY-1 not found among this player's ships"),
        (["{frigate}", "{closed}"], "no chain of finished jump gates leads from"),
    ],
)
def test_bad_navigate_input_is_one_line_and_writes_nothing(capsys, db, db_url, game, args, fragment):  # type: ignore[no-untyped-def]
    universe = game["sim"].universe
    closed = next(w.symbol for w in universe.waypoints.values()  # a system whose gate is still being built
                  if w.symbol in universe.gates and w.is_under_construction)
    values = {"frigate": game["frigate"], "system": game["system"], "far": _far(game), "closed": closed}
    result = cli(capsys, "--db", db_url, "ship", "navigate", *[a.format(**values) for a in args])
    _one_error_line(result, fragment)
    assert _counts(db) == (0, 0)


def test_another_players_ship_and_an_unreachable_destination_are_refused(capsys, db, db_url, game):  # type: ignore[no-untyped-def]
    other = register_agent(Database(db_url), game["url"], "RIVAL")
    theirs = cli(capsys, "--db", db_url, "--player", "COOPER", "ship", "navigate", other.ships[0], _far(game))
    _one_error_line(theirs, f"ship {other.ships[0]} not found among this player's ships")
    # stranded: an empty tank where no market is, so not even DRIFT (1 fuel) reaches
    sim, ship = game["sim"], game["sim"]._ships[game["frigate"]]
    nowhere = next(w for w in sim.universe.waypoints.values() if w.system_symbol == game["system"] and not w.market)
    sim.relocate(ship, nowhere)
    ship.status, ship.fuel = "IN_ORBIT", 0
    stuck = cli(capsys, "--db", db_url, "--player", "COOPER", "ship", "navigate", game["frigate"], _far(game))
    _one_error_line(stuck, "cannot reach")
    assert _counts(db) == (0, 0)


def test_one_off_actions_report_the_ship_and_the_credits_after(capsys, db, db_url, game):  # type: ignore[no-untyped-def]
    ship, sim = game["frigate"], game["sim"]
    credits = lambda: sim.agents["COOPER"].credits  # noqa: E731
    docked = cli(capsys, "--db", db_url, "--json", "ship", "dock", ship)
    assert docked.code == 0, docked.err
    assert docked.json()["nav"]["status"] == "DOCKED"
    sim._ships[ship].fuel -= 50
    refuel = cli(capsys, "--db", db_url, "--json", "ship", "refuel", ship, "--units", "10")
    assert refuel.code == 0, refuel.err
    assert refuel.json()["credits_after"] == credits() and refuel.json()["fuel"]["current"] == sim._ships[ship].fuel
    bought = cli(capsys, "--db", db_url, "ship", "buy", ship, "FUEL", "2")
    assert bought.code == 0, bought.err
    assert "credits after" in bought.out and f"{credits():,}" in bought.out
    cargo = cli(capsys, "--db", db_url, "--json", "ship", "cargo", ship).json()
    assert {"symbol": "FUEL", "units": 2} in cargo["cargo"]["inventory"]
    sold = cli(capsys, "--db", db_url, "--json", "ship", "sell", ship, "FUEL", "1")
    assert sold.code == 0, sold.err
    assert sold.json()["transaction"]["type"] == "SELL" and sold.json()["credits_after"] == credits()
    thrown = cli(capsys, "--db", db_url, "--json", "ship", "jettison", ship, "FUEL", "1")
    assert thrown.code == 0 and thrown.json()["cargo"]["units"] == 0
    orbit = cli(capsys, "--db", db_url, "--json", "ship", "orbit", ship)
    assert orbit.json()["nav"]["status"] == "IN_ORBIT"
    mode = cli(capsys, "--db", db_url, "ship", "flight-mode", ship, "drift")
    assert mode.code == 0 and "DRIFT" in mode.out and sim._ships[ship].flight_mode == "DRIFT"
    assert _counts(db) == (0, 0)  # one-off actions are no containers


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["refuel", "{ship}", "--units", "nan"], "whole number"),
        (["refuel", "{ship}", "--units", "inf"], "whole number"),
        (["refuel", "{ship}", "--units", "0"], "whole number"),
        (["buy", "{ship}", "FUEL", "1.5"], "whole number"),
        (["buy", "{ship}", "FUEL", "--", "-3"], "whole number"),
        (["sell", "{ship}", "FUEL", "99999999999999999999999"], "whole number"),
        (["jettison", "{ship}", "not a good", "1"], "malformed trade good"),
        (["flight-mode", "{ship}", "WARP"], "unknown flight mode"),
        (["dock", "nope nope"], "malformed ship symbol"),
    ],
)
def test_bad_action_input_is_one_line(capsys, db, db_url, game, args, fragment):  # type: ignore[no-untyped-def]
    credits = game["sim"].agents["COOPER"].credits
    result = cli(capsys, "--db", db_url, "ship", *[a.format(ship=game["frigate"]) for a in args])
    _one_error_line(result, fragment)
    assert game["sim"].agents["COOPER"].credits == credits


def test_a_daemon_flies_the_navigation_across_a_restart(capsys, db, db_url, game, tmp_path: Path):  # type: ignore[no-untyped-def]
    ship, target, sim = game["frigate"], _other_system_waypoint(game), game["sim"]
    started = cli(capsys, "--db", db_url, "--json", "ship", "navigate", ship, target)
    assert started.code == 0, started.err
    container_id = started.json()["container_id"]
    daemon = DaemonProcess(db_url, game["url"], tmp_path / "daemon")
    try:
        daemon.start(db)
        # Stop the daemon mid-route (the ship has left the HQ), then start another one.
        wait_until(lambda: sim._ships[ship].location is not game["hq"], timeout=60, what=f"first leg ({daemon.log_text()})")
        daemon.signal(signal.SIGTERM)
        daemon.wait()
        assert containers(db)[container_id].status == "INTERRUPTED"
        held = assignment_of(db, game["agent"].player_id, ship)
        assert held is not None and held.container_id == container_id  # still held
        daemon = DaemonProcess(db_url, game["url"], tmp_path / "daemon2")
        daemon.start(db)
        resumed = wait_until(lambda: successor(db, container_id), what="the resumed container")
        skip_backoff(db)
        done = wait_until(lambda: latest_of(db, container_id).status == "COMPLETED", timeout=120,
                          what="the navigation completed")
        assert done and sim._ships[ship].location.symbol == target
        assert resumed is not None
        lines = logs_of(db, resumed.container_id)
        route = next(line for line in lines if line.startswith("Route "))
        assert not route.startswith(f"Route {game['hq'].symbol} ")  # resumed from mid-route, not the start
        assert sum("Jumped" in line for c in containers(db) for line in logs_of(db, c)) == 1
        released = assignment_of(db, game["agent"].player_id, ship)
        assert released is None or released.status != "active"  # released at the end
        check_invariants(db)
    finally:
        daemon.close()
