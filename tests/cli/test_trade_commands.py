"""`spacetraders trade run` through the real entry point, simulator on loopback, both
databases: it starts one TradeCommand container holding the ship; every refusal is one
line, a non-zero exit, and writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, ShipAssignment
from tests.cli.helpers import Result, cli
from tests.invariants import check_invariants

pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
from tests.simserver import sim_server, unpaced  # noqa: E402
from tests.supervisor.harness import assignment_of, register_agent  # noqa: E402


@pytest.fixture
def game(monkeypatch: pytest.MonkeyPatch, db: Database) -> Iterator[dict[str, Any]]:
    with sim_server(seed=13, time_scale=1000, enforce_rate_limit=False, probes_per_agent=1) as (url, sim):
        unpaced(monkeypatch)
        monkeypatch.setenv("SPACETRADERS_API_URL", url)
        monkeypatch.delenv("SPACETRADERS_PLAYER", raising=False)
        agent = register_agent(db, url, "COOPER")
        frigate = next(s for s in agent.ships if sim._ships[s].template.fuel_capacity > 0)
        probe = next(s for s in agent.ships if s != frigate)
        yield {"sim": sim, "agent": agent, "frigate": frigate, "probe": probe,
               "system": sim._ships[frigate].location.system_symbol}


def _counts(db: Database) -> tuple[int, int]:
    with db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(Container)) or 0,
            session.scalar(select(func.count()).select_from(ShipAssignment).where(ShipAssignment.status == "active"))
            or 0,
        )


def _one_error_line(result: Result, fragment: str) -> None:
    assert result.code != 0, result.out
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.err


def test_trade_run_starts_a_container_holding_the_ship_and_a_busy_ship_is_refused(  # type: ignore[no-untyped-def]
        capsys, db, db_url, game):
    ship = game["frigate"]
    started = cli(capsys, "--db", db_url, "--json", "trade", "run", "--ship", ship.lower(), "--max-spend", "5000",
                  "--reserve", "1000", "--min-margin", "3", "--max-age", "45m", "--refresh-wait", "2m")
    assert started.code == 0, started.err
    data = started.json()
    assert data["container_id"].startswith(f"trade-{ship.lower()}-") and data["systems"] == [game["system"]]
    assert (data["max_spend"], data["reserve"], data["min_margin_pct"], data["max_age_s"]) == (5000, 1000, 3.0, 2700)
    assert len(data["run_id"]) == 32 and data["credits"] == game["sim"].agents["COOPER"].credits
    assert _counts(db) == (1, 1)
    assert assignment_of(db, game["agent"].player_id, ship).container_id == data["container_id"]
    with db.read() as session:
        row = session.scalars(select(Container)).one()
        command_type, params = row.command_type, json.loads(row.config)["params"]
    assert command_type == "TradeCommand" and params["run_id"] == data["run_id"] and params["ship_symbol"] == ship
    assert params["refresh_timeout_s"] == 120
    check_invariants(db)

    again = cli(capsys, "--db", db_url, "trade", "run", "--ship", ship)
    _one_error_line(again, f"driven by container {data['container_id']}")
    assert _counts(db) == (1, 1)


@pytest.mark.parametrize("args, fragment", [
    (["--max-spend", "lots"], "--max-spend"),
    (["--max-spend", "0"], "--max-spend"),
    (["--reserve", "-5"], "--reserve"),
    (["--min-margin", "nan"], "--min-margin"),
    (["--min-margin", "5000"], "--min-margin"),
    (["--max-age", "forever"], "--max-age"),
    (["--refresh-wait", "soon"], "--refresh-wait"),
    (["--refresh-wait", "2d"], "--refresh-wait"),
    (["--systems", "not a system"], "malformed system symbol"),
    (["--systems", ","], "--systems"),
    (["--systems", "X1-NOPE99"], "unknown system X1-NOPE99"),
    (["--systems", "X1-NOPE99,X1-NOPE98"], "unknown system X1-NOPE99"),
    (["--reserve", "999999999"], "--reserve"),
])
def test_bad_input_is_one_line_and_writes_nothing(capsys, db, db_url, game, args, fragment):  # type: ignore[no-untyped-def]
    result = cli(capsys, "--db", db_url, "trade", "run", "--ship", game["frigate"], *args)
    _one_error_line(result, fragment)
    assert _counts(db) == (0, 0)


def test_a_ship_outside_the_systems_is_refused(capsys, db, db_url, game):  # type: ignore[no-untyped-def]
    other = next(s for s in game["sim"].universe.systems if s != game["system"])
    result = cli(capsys, "--db", db_url, "trade", "run", "--ship", game["frigate"], "--systems", other)
    _one_error_line(result, f"is in system {game['system']}, not in --systems {other}")
    assert _counts(db) == (0, 0)


def test_an_unknown_ship_or_one_without_a_hold_is_refused(capsys, db, db_url, game):  # type: ignore[no-untyped-def]
    _one_error_line(cli(capsys, "--db", db_url, "trade", "run", "--ship", "COOPER-99"), "COOPER-99 not found")
    _one_error_line(cli(capsys, "--db", db_url, "trade", "run", "--ship", "no ship!"), "malformed ship symbol")
    _one_error_line(cli(capsys, "--db", db_url, "trade", "run", "--ship", game["probe"]), "no cargo hold")
    assert _counts(db) == (0, 0)


def test_human_output_names_the_container_and_the_guards(capsys, db, db_url, game):  # type: ignore[no-untyped-def]
    result = cli(capsys, "--db", db_url, "trade", "run", "--ship", game["frigate"], "--reserve", "2500")
    assert result.code == 0, result.err
    assert f"trade-{game['frigate'].lower()}-" in result.out and "no cap" in result.out and "2,500" in result.out
    assert "no market data stored" in result.out  # nothing scouted yet: the run will wait, and says so
    assert _counts(db) == (1, 1)
