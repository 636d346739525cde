"""`shipyard list` and `shipyard purchase` end to end against the simulator, on both databases:
the immediate purchase where a ship of ours is, and the ShipPurchaseCommand container that a
daemon (in-process) runs to fly a buyer to a remote yard and buy there."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from spacetraders.application.runs import live_runs
from spacetraders.clock import utcnow
from spacetraders.domain.navigation import distance
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, ShipRow
from tests.cli.helpers import Result, cli
from tests.invariants import check_invariants

pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
from tests.simserver import sim_server, unpaced  # noqa: E402
from tests.supervisor.harness import assignment_of, latest_of, logs_of, register_agent  # noqa: E402
from tests.supervisor.inprocess import running, until  # noqa: E402


@pytest.fixture
def game(monkeypatch: pytest.MonkeyPatch, db: Database) -> Iterator[dict[str, Any]]:
    """An agent whose two ships are docked at the HQ, a yard; the system has two more yards."""
    with sim_server(seed=13, time_scale=1000, enforce_rate_limit=False, probes_per_agent=1) as (url, sim):
        unpaced(monkeypatch)
        monkeypatch.setenv("SPACETRADERS_API_URL", url)
        monkeypatch.delenv("SPACETRADERS_PLAYER", raising=False)
        agent = register_agent(db, url, "BUYER")
        hq = sim._ships[agent.ships[0]].location
        yards = sorted(w.symbol for w in sim.universe.waypoints.values()
                       if w.system_symbol == hq.system_symbol and w.shipyard)
        assert hq.symbol in yards and len(yards) >= 2
        yield {"url": url, "sim": sim, "agent": agent, "hq": hq.symbol, "system": hq.system_symbol,
               "elsewhere": next(y for y in yards if y != hq.symbol),
               "credits": lambda: sim.agents["BUYER"].credits}


def _ledger(capsys: pytest.CaptureFixture[str], db_url: str) -> list[dict[str, Any]]:
    listed = cli(capsys, "--db", db_url, "--json", "ledger", "list")
    assert listed.code == 0, listed.err
    return list(reversed(listed.json()["entries"]))


def _containers(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Container)) or 0


def _ship_rows(db: Database) -> set[str]:
    with db.read() as session:
        return set(session.scalars(select(ShipRow.ship_symbol)))


def test_list_shows_every_yard_and_prices_where_a_ship_of_ours_is(capsys, db_url, game):  # type: ignore[no-untyped-def]
    listed = cli(capsys, "--db", db_url, "--json", "shipyard", "list")
    assert listed.code == 0, listed.err
    yards = {y["waypoint"]: y for y in listed.json()["shipyards"]}
    sim_yards = {w.symbol: w.shipyard for w in game["sim"].universe.waypoints.values()
                 if w.system_symbol == game["system"] and w.shipyard}
    assert {w: tuple(y["ship_types"]) for w, y in yards.items()} == sim_yards
    here, there = yards[game["hq"]], yards[game["elsewhere"]]
    assert sorted(here["ships_present"]) == sorted(game["agent"].ships) and there["ships_present"] == []
    assert set(here["prices"]) == set(here["ship_types"]) and all(p > 0 for p in here["prices"].values())
    assert there["prices"] is None and here["waypoints_age_seconds"] >= 0

    only = cli(capsys, "--db", db_url, "--json", "shipyard", "list", "--system", game["system"], "--type", "ship_probe")
    assert {y["waypoint"] for y in only.json()["shipyards"]} == {w for w, t in sim_yards.items() if "SHIP_PROBE" in t}
    nothing = cli(capsys, "--db", db_url, "shipyard", "list", "--type", "SHIP_COMMAND_FRIGATE")
    assert nothing.code == 0 and "no shipyard known selling SHIP_COMMAND_FRIGATE" in nothing.out
    human = cli(capsys, "--db", db_url, "shipyard", "list")
    assert human.code == 0 and game["hq"] in human.out and "SHIP_PROBE" in human.out


def test_purchase_buys_records_each_ship_and_its_ledger_row(capsys, db, db_url, game):  # type: ignore[no-untyped-def]
    start, sim = game["credits"](), game["sim"]
    bought = cli(capsys, "--db", db_url, "--json", "shipyard", "purchase", "SHIP_PROBE", "--quantity", "3")
    assert bought.code == 0, bought.err
    data = bought.json()
    assert data["waypoint"] == game["hq"] and data["requested"] == 3 and data["stopped"] is None
    assert data["path"] == "immediate" and data["container_id"] is None and _containers(db) == 0
    prices = [b["price"] for b in data["bought"]]
    assert len(prices) == 3 and prices[0] < prices[1] < prices[2]  # the price was read again after each sale
    assert data["spent"] == sum(prices) == start - game["credits"]() and data["credits_after"] == game["credits"]()
    new = [b["ship_symbol"] for b in data["bought"]]
    assert all(sim._ships[s].location.symbol == game["hq"] for s in new)
    assert set(new) <= _ship_rows(db)
    rows = _ledger(capsys, db_url)
    assert [(r["kind"], r["reference"], r["total"], r["good"]) for r in rows] == [
        ("ship_purchase", s, -p, "SHIP_PROBE") for s, p in zip(new, prices, strict=True)]
    assert rows[-1]["credits_after"] == game["credits"]() and sum(r["total"] for r in rows) == game["credits"]() - start

    # The budget stops it early: room for two more at the current price, not three.
    price = cli(capsys, "--db", db_url, "--json", "shipyard", "list").json()["shipyards"]
    next_price = next(y for y in price if y["waypoint"] == game["hq"])["prices"]["SHIP_PROBE"]
    budget = 2 * next_price + next_price // 10
    capped = cli(capsys, "--db", db_url, "--json", "shipyard", "purchase", "SHIP_PROBE", "--quantity", "5",
                 "--max-budget", str(budget), "--at", game["hq"].lower())
    assert capped.code == 0, capped.err
    assert len(capped.json()["bought"]) == 2 and "--max-budget" in capped.json()["stopped"]
    assert capped.json()["spent"] <= budget

    # The reserve stops it too, and the human output says so.
    reserve = game["credits"]() - next_price * 2
    kept = cli(capsys, "--db", db_url, "shipyard", "purchase", "SHIP_PROBE", "--quantity", "5", "--reserve", str(reserve))
    assert kept.code == 0, kept.err
    assert "bought 1 of 5" in kept.out and "reserve" in kept.out
    assert game["credits"]() >= reserve
    rows = _ledger(capsys, db_url)
    assert len(rows) == 6 and sum(r["total"] for r in rows) == game["credits"]() - start


def _one_error_line(result: Result, fragment: str) -> None:
    assert result.code != 0, result.out
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["SHIP_COMMAND_FRIGATE"], "no shipyard in our ships' systems sells SHIP_COMMAND_FRIGATE"),
        (["SHIP_COMMAND_FRIGATE", "--at", "{hq}"], "does not sell SHIP_COMMAND_FRIGATE"),
        (["SHIP_WARP_BARGE"], "no shipyard in our ships' systems sells SHIP_WARP_BARGE"),
        (["SHIP_WARP_BARGE", "--at", "{elsewhere}"], "does not sell SHIP_WARP_BARGE"),
        (["probe!"], "malformed ship type"),
        (["SHIP_PROBE", "--at", "{elsewhere}", "--reserve", "1000000000"], "insufficient credits: the agent has"),
        (["SHIP_PROBE", "--ship", "NOBODY-1"], "ship NOBODY-1 not found among this player's ships"),
        (["SHIP_PROBE", "--ship", "not a ship"], "malformed ship symbol"),
        (["SHIP_PROBE", "--at", "{system}-ZZ99"], "unknown waypoint {system}-ZZ99"),
        (["SHIP_PROBE", "--at", "not a waypoint"], "malformed waypoint symbol"),
        (["SHIP_PROBE", "--max-budget", "100"], "--max-budget 100 is below one SHIP_PROBE"),
        (["SHIP_PROBE", "--reserve", "1000000000"], "insufficient credits"),
        (["SHIP_PROBE", "--quantity", "0"], "--quantity"),
        (["SHIP_PROBE", "--quantity", "101"], "--quantity"),
        (["SHIP_PROBE", "--quantity", "nan"], "--quantity"),
        (["SHIP_PROBE", "--max-budget", "-5"], "--max-budget"),
    ],
)
def test_bad_purchase_is_one_line_and_spends_nothing(capsys, db, db_url, game, args, fragment):  # type: ignore[no-untyped-def]
    values = {k: game[k] for k in ("hq", "elsewhere", "system")}
    start, ships = game["credits"](), len(game["sim"]._ships)
    result = cli(capsys, "--db", db_url, "shipyard", "purchase", *[a.format(**values) for a in args])
    _one_error_line(result, fragment.format(**values))
    assert game["credits"]() == start and len(game["sim"]._ships) == ships
    assert _ledger(capsys, db_url) == [] and _containers(db) == 0


def test_too_few_credits_for_one_ship_is_refused(capsys, db_url, game):  # type: ignore[no-untyped-def]
    game["sim"].agents["BUYER"].credits = 500
    result = cli(capsys, "--db", db_url, "shipyard", "purchase", "SHIP_PROBE")
    _one_error_line(result, "insufficient credits: one SHIP_PROBE costs")
    assert game["sim"].agents["BUYER"].credits == 500 and _ledger(capsys, db_url) == []


# -- the container path: no ship of ours at the yard ----------------------------------------


def _run_daemon_until_done(db: Database, url: str, container_id: str) -> Any:
    async def scenario() -> Any:
        async with running(db, url):
            return await until(lambda: (c := latest_of(db, container_id)).status in ("COMPLETED", "FAILED") and c,
                               timeout=60, what="the purchase container to end")

    return asyncio.run(scenario())


def test_remote_yard_purchase_flies_a_buyer_there_and_buys(capsys, db, db_url, game):  # type: ignore[no-untyped-def]
    start, sim, yard = game["credits"](), game["sim"], game["elsewhere"]
    ships_before = set(sim._ships)
    started = cli(capsys, "--db", db_url, "--json", "shipyard", "purchase", "ship_probe", "--at", yard,
                  "--quantity", "2")
    assert started.code == 0, started.err
    data = started.json()
    container_id, buyer = data["container_id"], data["buyer"]
    assert data["path"] == "container" and container_id.startswith(f"ship-purchase-{buyer.lower()}-")
    assert data["waypoint"] == yard and data["bought"] == [] and data["route_seconds"] > 0
    assert game["credits"]() == start and set(sim._ships) == ships_before  # nothing bought yet
    held = assignment_of(db, game["agent"].player_id, buyer)
    assert held is not None and held.status == "active" and held.container_id == container_id
    check_invariants(db)
    with db.read() as session:  # the map's runs: the buyer and the yard it heads for
        runs = live_runs(session, game["system"], now=utcnow())
    assert [(r["ship_symbol"], r["command_type"], r["next_stop"]) for r in runs] == [
        (buyer, "ShipPurchaseCommand", yard)]

    busy = cli(capsys, "--db", db_url, "shipyard", "purchase", "SHIP_PROBE", "--ship", buyer, "--at", yard)
    _one_error_line(busy, f"driven by container {container_id}")
    assert _containers(db) == 1

    done = _run_daemon_until_done(db, game["url"], container_id)
    assert done.status == "COMPLETED", logs_of(db, done.container_id)
    assert sim._ships[buyer].location.symbol == yard
    new = sorted(set(sim._ships) - ships_before)
    assert len(new) == 2 and all(sim._ships[s].location.symbol == yard for s in new)
    rows = _ledger(capsys, db_url)
    purchases = [r for r in rows if r["kind"] == "ship_purchase"]
    assert sorted(r["reference"] for r in purchases) == new
    assert all(r["container_id"] == container_id and r["ship_symbol"] == buyer and r["good"] == "SHIP_PROBE"
               for r in purchases)
    assert sum(r["total"] for r in rows) == game["credits"]() - start  # every credit, refuels included
    assert set(new) <= _ship_rows(db)
    listed = cli(capsys, "--db", db_url, "--json", "ship", "list")
    assert set(new) <= {s["symbol"] for s in listed.json()["ships"]}
    progress = cli(capsys, "--db", db_url, "--json", "container", "inspect", container_id).json()["progress"]
    assert progress["phase"] == "done" and sorted(progress["bought"]) == new
    assert progress["spent"] == -sum(r["total"] for r in purchases) and progress["stopped"] is None
    released = assignment_of(db, game["agent"].player_id, buyer)
    assert released is not None and released.status != "active"
    check_invariants(db)


def test_without_a_ship_at_any_yard_the_nearest_free_ship_flies_to_the_nearest_yard(capsys, db, db_url, game):  # type: ignore[no-untyped-def]
    sim, agent = game["sim"], game["agent"]
    spots = sorted((w for w in sim.universe.waypoints.values()
                    if w.system_symbol == game["system"] and not w.shipyard and w.market), key=lambda w: w.symbol)
    for ship, spot in zip(agent.ships, spots, strict=False):  # both ships leave the yards
        sim.relocate(sim._ships[ship], spot)
        sim._ships[ship].status = "IN_ORBIT"
    yards = [w for w in sim.universe.waypoints.values()
             if w.system_symbol == game["system"] and w.shipyard and "SHIP_PROBE" in w.shipyard]
    pairs = sorted((distance((sim._ships[s].location.x, sim._ships[s].location.y), (y.x, y.y)), s, y.symbol)
                   for s in agent.ships for y in yards)
    _, buyer, yard = pairs[0]
    started = cli(capsys, "--db", db_url, "--json", "shipyard", "purchase", "SHIP_PROBE")
    assert started.code == 0, started.err
    data = started.json()
    assert (data["path"], data["buyer"], data["waypoint"]) == ("container", buyer, yard)
    human = cli(capsys, "--db", db_url, "shipyard", "purchase", "SHIP_PROBE", "--ship",
                next(s for s in agent.ships if s != buyer))
    assert human.code == 0, human.err
    assert "container ship-purchase-" in human.out and "flies to" in human.out
    assert _containers(db) == 2 and _ledger(capsys, db_url) == []
    check_invariants(db)


def test_a_named_buyer_at_the_yard_buys_now_and_a_foreign_ship_is_refused(capsys, db, db_url, game):  # type: ignore[no-untyped-def]
    ship = game["agent"].ships[-1]
    now = cli(capsys, "--db", db_url, "--json", "shipyard", "purchase", "SHIP_PROBE", "--ship", ship)
    assert now.code == 0, now.err
    assert now.json()["path"] == "immediate" and now.json()["buyer"] == ship and len(now.json()["bought"]) == 1
    start = game["credits"]()
    rival = register_agent(Database(db_url), game["url"], "RIVAL")
    theirs = cli(capsys, "--db", db_url, "--player", "BUYER", "shipyard", "purchase", "SHIP_PROBE",
                 "--at", game["elsewhere"], "--ship", rival.ships[0])
    _one_error_line(theirs, f"ship {rival.ships[0]} not found among this player's ships")
    assert game["credits"]() == start and _containers(db) == 0
