"""`contract run`: the container it starts, its refusals, and a new agent's run to N fulfilled
contracts end to end (CLI -> container -> the operation on the container's own params), on
both databases. The operation runs in-process on the simulator's fake clock, so days of
flying take a second."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from spacetraders.api import RateLimiter, SpaceTradersClient
from spacetraders.clock import FakeClock, utcnow
from spacetraders.operations.base import ContainerContext
from spacetraders.operations.contract_run import run_contracts
from spacetraders.persistence.database import Database
from spacetraders.persistence.ledger import LedgerFilter, list_entries
from spacetraders.persistence.models import Container, ShipAssignment
from spacetraders.persistence.progress import load_progress
from spacetraders.web.server import BackgroundServer
from tests.cli.helpers import Result, cli
from tests.factories import make_container, make_player

sim_app = pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
from spacetraders.sim.config import SimConfig  # noqa: E402


@pytest.fixture
def game(monkeypatch: pytest.MonkeyPatch, db: Database) -> Iterator[dict[str, Any]]:
    """The simulator on a fake clock, served on loopback for the CLI and in-process (ASGI) for the
    container's run; one registered agent stored as the only player."""
    clock = FakeClock(utcnow())
    app = sim_app.create_app(SimConfig(seed=5, enforce_rate_limit=False, clock=clock))
    with BackgroundServer(app) as server:
        url = f"{server.url}/v2"
        monkeypatch.setenv("SPACETRADERS_API_URL", url)
        monkeypatch.delenv("SPACETRADERS_PLAYER", raising=False)

        async def register() -> Any:
            async with SpaceTradersClient(url) as anonymous:
                return await anonymous.register("HAULER", "COSMIC", "account-token")

        registered = asyncio.run(register())
        with db.transaction() as uow:
            player = make_player(uow, "HAULER")
            player.token = registered.token
            player_id = player.player_id
        yield {"url": url, "sim": app.state.sim, "transport": httpx.ASGITransport(app=app), "clock": clock,
               "token": registered.token, "player_id": player_id, "ship": registered.ships[0].symbol,
               "id": app.state.sim.contracts._by_agent["HAULER"][0].id}


def _one_error_line(result: Result, needle: str) -> None:
    assert result.code != 0, result.out
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], result.err


def _rows(db: Database) -> tuple[int, int]:
    with db.read() as session:
        return (session.scalar(select(func.count()).select_from(Container)) or 0,
                session.scalar(select(func.count()).select_from(ShipAssignment)) or 0)


def _run_container(db: Database, game: dict[str, Any], container_id: str) -> list[str]:
    """Run the container's operation in-process, as the daemon would, with its stored params."""
    with db.read() as session:
        row = session.get(Container, container_id)
        assert row is not None
        params = json.loads(row.config)["params"]
    lines: list[str] = []
    logger = logging.getLogger(f"test.contract-run.{container_id}")
    logger.setLevel(logging.INFO)
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger.addHandler(handler)

    async def go() -> None:
        clock = game["clock"]
        async with SpaceTradersClient("http://sim/v2", game["token"], transport=game["transport"], clock=clock,
                                      limiter=RateLimiter(clock)) as api:
            await run_contracts(ContainerContext(container_id=container_id, player_id=game["player_id"], params=params,
                                                 restart_count=0, api=api, log=logger, clock=clock, db=db))

    asyncio.run(go())
    return lines


def test_bad_input_busy_ship_and_foreign_ship_write_nothing(capsys, db, db_url, game):
    ship = game["ship"]
    before = _rows(db)
    _one_error_line(cli(capsys, "--db", db_url, "contract", "run", "--ship", ship, "--count", "2", "--forever"),
                    "not both")
    _one_error_line(cli(capsys, "--db", db_url, "contract", "run", "--ship", ship, "--count", "0"), "--count")
    _one_error_line(cli(capsys, "--db", db_url, "contract", "run", "--ship", ship, "--reserve", "-5"), "--reserve")
    _one_error_line(cli(capsys, "--db", db_url, "contract", "run", "--ship", ship, "--max-age", "soon"), "duration")
    _one_error_line(cli(capsys, "--db", db_url, "contract", "run", "--ship", "not a ship!"), "ship")
    _one_error_line(cli(capsys, "--db", db_url, "contract", "run", "--ship", "OTHER-1"), "not found")
    assert _rows(db) == before
    with db.transaction() as uow:
        holder = make_container(uow, game["player_id"], ship).container_id
    before = _rows(db)
    _one_error_line(cli(capsys, "--db", db_url, "contract", "run", "--ship", ship), holder)
    assert _rows(db) == before


def test_a_new_agent_runs_its_starting_contract_and_two_more(capsys, db, db_url, game):
    ship, sim = game["ship"], game["sim"]
    started = cli(capsys, "--db", db_url, "--json", "contract", "run", "--ship", ship, "--count", "3",
                  "--reserve", "1000", "--max-age", "2h")
    assert started.code == 0, started.err
    view = started.json()
    assert view["command_type"] == "ContractCommand" and view["params"]["count"] == 3
    assert len(view["run_id"]) == 32 and game["token"] not in started.out
    with db.read() as session:
        assignment = session.get(ShipAssignment, (game["player_id"], ship))
        assert assignment is not None and assignment.container_id == view["container_id"]
        assert assignment.status == "active"
    # the ship is taken from the first moment: a second run is refused
    _one_error_line(cli(capsys, "--db", db_url, "contract", "run", "--ship", ship), view["container_id"])

    credits_before = sim.agents["HAULER"].credits
    lines = _run_container(db, game, view["container_id"])
    contracts = sim.contracts._by_agent["HAULER"]
    assert [c.fulfilled for c in contracts] == [True, True, True], lines
    assert contracts[0].id == game["id"]  # the starting contract first
    assert lines[-1] == "Done: 3 contract(s) fulfilled"
    with db.read() as session:
        entries = list_entries(session, LedgerFilter(player_id=game["player_id"]), limit=10_000)
        kinds = [e.kind for e in entries]
        assert sum(e.total for e in entries) == sim.agents["HAULER"].credits - credits_before
        lowest = min(e.credits_after for e in entries)
        progress = load_progress(session, game["player_id"], view["run_id"])
    assert kinds.count("contract_fulfilled") == 3 and kinds.count("contract_accepted") == 3
    assert progress is not None and progress["fulfilled"] == 3 and progress["phase"] == "finished"
    inspected = cli(capsys, "--db", db_url, "--json", "container", "inspect", view["container_id"])
    assert inspected.code == 0, inspected.err
    assert inspected.json()["progress"]["fulfilled"] == 3  # `container inspect` shows the round's progress
    assert lowest >= 1000  # the reserve held


def test_human_output_names_the_container_and_the_limits(capsys, db, db_url, game):
    started = cli(capsys, "--db", db_url, "contract", "run", "--ship", game["ship"], "--forever",
                  "--max-spend", "50000", "--min-profit", "2000", "--max-age", "45m")
    assert started.code == 0, started.err
    out = " ".join(started.out.split())
    assert "runs until stopped with" in out and "max spend 50,000" in out and "min profit 2,000" in out
    assert "max age 45m" in out and "container inspect contract-" in out and "no daemon is running" in out
    with db.read() as session:
        (row,) = session.scalars(select(Container)).all()
        params = json.loads(row.config)["params"]
    assert params["count"] == -1 and params["max_age_seconds"] == 2700 and len(params["run_id"]) == 32
