"""`spacetraders scout markets` through the real entry point, simulator on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from spacetraders.persistence.models import Container, ShipAssignment
from tests.cli.helpers import cli
from tests.invariants import check_invariants

pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
pytest.importorskip("spacetraders.domain.planning", reason="the planner is not in this tree yet")
from tests.simserver import sim_player  # noqa: E402


@pytest.fixture
def game(monkeypatch: pytest.MonkeyPatch, db) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    with sim_player(monkeypatch, db, "COOPER", seed=13, probes_per_agent=2) as player:
        probes = sorted(s.symbol for s in player.ships if s.fuel.capacity == 0)
        yield {"sim": player.sim, "token": player.token, "probes": probes, "system": player.system}


def _counts(db) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(Container)),
            session.scalar(select(func.count()).select_from(ShipAssignment).where(ShipAssignment.status == "active")),
        )


def test_dry_run_then_start_then_nothing_to_do(capsys, db, db_url, game):
    ships, system = ",".join(game["probes"]), game["system"]
    markets = sorted(w.symbol for w in game["sim"].universe.waypoints.values() if w.system_symbol == system and w.market)

    dry = cli(capsys, "--db", db_url, "--json", "scout", "markets", "--ships", ships, "--system", system, "--dry-run")
    assert dry.code == 0, dry.err
    plan = dry.json()
    assert plan["dry_run"] is True and sorted(m for t in plan["tours"] for m in t["markets"]) == markets
    assert _counts(db) == (0, 0)

    started = cli(capsys, "--db", db_url, "scout", "markets", "--ships", ships, "--system", system)
    assert started.code == 0, started.err
    assert "created" in started.out and "spacetraders daemon" in started.out
    for probe in game["probes"]:
        assert probe in started.out and f"scout-tour-{probe.lower()}-" in started.out
    assert game["token"] not in started.out
    assert _counts(db) == (2, 2)
    check_invariants(db)

    again = cli(capsys, "--db", db_url, "--json", "scout", "markets", "--ships", ships, "--system", system)
    assert again.code == 0 and {t["action"] for t in again.json()["tours"]} == {"unchanged"}
    assert _counts(db) == (2, 2)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--system", "nonsense"], "malformed system symbol"),
        (["--iterations", "-3"], "--iterations"),
        (["--iterations", str(10**23)], "--iterations"),
        (["--iterations", "1e3"], "--iterations"),
        (["--min-interval", "nan"], "--min-interval"),
        (["--min-interval", "inf"], "--min-interval"),
        (["--min-interval", "-inf"], "--min-interval"),
        (["--min-interval", "-1"], "--min-interval"),
        (["--min-interval", "1e400"], "--min-interval"),
        (["--objective", "fastest"], "--objective"),
        (["--markets", "X1-ZZ9-A1"], "is not a waypoint of"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(capsys, db, db_url, game, args, message):
    base = {"--ships": ",".join(game["probes"]), "--system": game["system"]}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    result = cli(capsys, "--db", db_url, "scout", "markets", *[x for kv in base.items() for x in kv])
    assert result.code != 0
    assert len(result.err.strip().splitlines()) == 1 and message in result.err
    assert _counts(db) == (0, 0)


def test_plan_sizes_the_fleet_for_a_target_age(capsys, db, db_url, game):
    system = game["system"]
    markets = sorted(w.symbol for w in game["sim"].universe.waypoints.values() if w.system_symbol == system and w.market)

    loose = cli(capsys, "--db", db_url, "--json", "scout", "plan", "--system", system, "--max-age", "1d", "--probes", "3")
    assert loose.code == 0, loose.err
    data = loose.json()
    assert (data["reached"], data["ships_needed"], data["max_age_seconds"]) == (True, 1, 86400)
    assert sorted(data["tours"][0]["markets"]) == markets

    tight = cli(capsys, "--db", db_url, "scout", "plan", "--system", system, "--max-age", "30s",
                "--ships", ",".join(game["probes"]))
    assert tight.code == 0, tight.err
    said = " ".join(tight.out.split())  # rich wraps at the terminal width
    assert "cannot keep every market under 0m30s" in said and "the best they can is every" in said

    human = cli(capsys, "--db", db_url, "scout", "plan", "--system", system, "--max-age", "1d", "--probes", "2")
    said = " ".join(human.out.split())
    assert "1 of 2 ship(s) keep every market under 24h00m" in said
    assert "every market refreshed at least every" in said
    assert _counts(db) == (0, 0)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--max-age", "nan"], "--max-age"),
        (["--max-age", "inf"], "--max-age"),
        (["--max-age", "-5m"], "--max-age"),
        (["--max-age", "0"], "--max-age"),
        (["--max-age", str(10**30)], "--max-age"),
        (["--max-age", "10 minutes"], "--max-age"),
        (["--max-age", "10m", "--probes", "0"], "--probes"),
        (["--max-age", "10m", "--probes", "-2"], "--probes"),
        (["--max-age", "10m", "--probes", str(10**23)], "--probes"),
        (["--max-age", "10m", "--probes", "nan"], "--probes"),
        (["--max-age", "10m", "--probes", "2", "--ships", "COOPER-2"], "not both"),
    ],
)
def test_plan_bad_input_is_one_line(capsys, db, db_url, game, args, message):
    result = cli(capsys, "--db", db_url, "scout", "plan", "--system", game["system"], *args)
    assert result.code != 0
    assert len(result.err.strip().splitlines()) == 1 and message in result.err and result.err.startswith("error:")
    assert _counts(db) == (0, 0)
