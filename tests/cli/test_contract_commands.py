"""`contract ...` end to end against the simulator (on a fake clock), on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from spacetraders.api import SpaceTradersClient
from spacetraders.clock import FakeClock, utcnow
from spacetraders.persistence.markets import store_market_snapshot
from tests.cli.helpers import Result, cli
from tests.factories import make_container, make_player

pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
from tests.simserver import sim_server  # noqa: E402


@pytest.fixture
def game(monkeypatch: pytest.MonkeyPatch, db) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The simulator on a fake clock, one registered agent stored as the only player."""
    clock = FakeClock(utcnow())
    with sim_server(seed=5, enforce_rate_limit=False, clock=clock) as (url, sim):
        monkeypatch.setenv("SPACETRADERS_API_URL", url)
        monkeypatch.delenv("SPACETRADERS_PLAYER", raising=False)

        async def register():  # type: ignore[no-untyped-def]
            async with SpaceTradersClient(url) as anonymous:
                return await anonymous.register("HAULER", "COSMIC", "account-token")

        registered = asyncio.run(register())
        with db.transaction() as uow:
            player = make_player(uow, "HAULER")
            player.token = registered.token
            player_id = player.player_id
        contract = sim.contracts._by_agent["HAULER"][0].api()  # the starting offer
        line = contract["terms"]["deliver"][0]
        good = line["tradeSymbol"]
        exporter = sorted(w for w, m in sim.markets.items()
                          if w.startswith(line["destinationSymbol"].rsplit("-", 1)[0] + "-")
                          and good in m.rows and m.rows[good].type == "EXPORT")[0]
        yield {"url": url, "sim": sim, "clock": clock, "token": registered.token, "player_id": player_id,
               "ship": registered.ships[0].symbol, "id": contract["id"], "good": good, "units": line["unitsRequired"],
               "destination": line["destinationSymbol"], "exporter": exporter}


def _api(game: dict[str, Any], work):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with SpaceTradersClient(game["url"], game["token"]) as api:
            return await work(api)

    return asyncio.run(go())


def _fly(game: dict[str, Any], waypoint: str, *, dock: bool = True, arrive: bool = True) -> None:
    """Fly there (or, arrive=False, leave and stay in transit; a later call lands the flight)."""
    ship = game["ship"]

    async def work(api: SpaceTradersClient) -> None:
        nav = (await api.get_ship(ship)).nav
        if nav.status == "IN_TRANSIT":
            assert nav.route.arrival is not None and nav.waypoint_symbol == waypoint
            game["clock"].advance((nav.route.arrival - game["clock"].now()).total_seconds() + 1)
        await api.orbit(ship)
        if nav.waypoint_symbol != waypoint:
            await api.set_flight_mode(ship, "DRIFT")  # 1 fuel whatever the distance; time is fake
            result = await api.navigate(ship, waypoint)
            assert result.nav.route.arrival is not None
            if not arrive:
                return
            game["clock"].advance((result.nav.route.arrival - game["clock"].now()).total_seconds() + 1)
        if dock:
            await api.dock(ship)

    _api(game, work)


def _buy(game: dict[str, Any], units: int) -> None:
    tv = game["sim"].markets[game["exporter"]].rows[game["good"]].trade_volume

    async def work(api: SpaceTradersClient) -> None:
        left = units
        while left:
            call = min(left, tv)
            await api.purchase_cargo(game["ship"], game["good"], call)
            left -= call

    _api(game, work)


def _one_error_line(result: Result, needle: str) -> None:
    assert result.code != 0, result.out
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], result.err
    assert "Traceback" not in result.err


def test_list_show_accept_deliver_fulfil(capsys, db_url, game):
    cid, good, units, ship = game["id"], game["good"], game["units"], game["ship"]
    listed = cli(capsys, "--db", db_url, "--json", "contract", "list")
    assert listed.code == 0, listed.err
    (view,) = listed.json()["contracts"]
    assert view["id"] == cid and view["status"] == "offered" and 24 * 3600 - 120 < view["seconds_left"] <= 24 * 3600
    assert view["deliver"] == [{"good": good, "destination": game["destination"], "units_required": units,
                                "units_fulfilled": 0, "units_remaining": units}]
    assert set(view["payment"]) == {"on_accepted", "on_fulfilled"}
    human = cli(capsys, "--db", db_url, "contract", "show", cid)
    assert human.code == 0 and cid in human.out and f"0 / {units}" in human.out and "to accept" in human.out
    assert game["token"] not in human.out

    before = game["sim"].agents["HAULER"].credits
    accepted = cli(capsys, "--db", db_url, "--json", "contract", "accept", cid)
    assert accepted.code == 0, accepted.err
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["credits"] == before + view["payment"]["on_accepted"]
    _one_error_line(cli(capsys, "--db", db_url, "contract", "accept", cid), f"contract {cid} is already accepted")

    # Nothing aboard yet: refused before asking the game.
    _one_error_line(cli(capsys, "--db", db_url, "contract", "deliver", cid, "--ship", ship), f"carries no {good}")
    capacity = game["sim"].agents["HAULER"].ships[ship].template.cargo_capacity
    first = min(units - 1, capacity)
    _fly(game, game["exporter"])
    _buy(game, first)
    _one_error_line(cli(capsys, "--db", db_url, "contract", "deliver", cid, "--ship", ship),
                    "is not at the contract's delivery waypoint")
    _fly(game, game["destination"], dock=False)
    _one_error_line(cli(capsys, "--db", db_url, "contract", "deliver", cid, "--ship", ship), "is not docked")
    _fly(game, game["destination"])
    _one_error_line(cli(capsys, "--db", db_url, "contract", "deliver", cid, "--ship", ship, "--good", "GOLD"),
                    "does not require GOLD")
    _one_error_line(cli(capsys, "--db", db_url, "contract", "deliver", cid, "--ship", ship, "--units", "0"),
                    "--units")
    _one_error_line(cli(capsys, "--db", db_url, "contract", "deliver", cid, "--ship", ship, "--units", str(units + 1)),
                    f"needs only {units} more {good}")

    delivered = cli(capsys, "--db", db_url, "--json", "contract", "deliver", cid, "--ship", ship)
    assert delivered.code == 0, delivered.err
    body = delivered.json()
    assert body["delivered"] == {"ship": ship, "good": good, "units": first}
    assert body["deliver"][0]["units_fulfilled"] == first and body["cargo"]["units"] == 0
    _one_error_line(cli(capsys, "--db", db_url, "contract", "fulfil", cid), f"still needs {units - first} {good}")

    while (left := units - cli(capsys, "--db", db_url, "--json", "contract", "show", cid).json()
           ["deliver"][0]["units_fulfilled"]):
        _fly(game, game["exporter"])
        _buy(game, min(left, capacity) + (1 if left < capacity else 0))  # one spare unit stays aboard
        _fly(game, game["destination"])
        step = cli(capsys, "--db", db_url, "contract", "deliver", cid, "--ship", ship, "--good", good.lower())
        assert step.code == 0 and f"delivered {min(left, capacity)} {good}" in step.out, step.err

    credits = game["sim"].agents["HAULER"].credits
    done = cli(capsys, "--db", db_url, "--json", "contract", "fulfil", cid)
    assert done.code == 0, done.err
    assert done.json()["status"] == "fulfilled" and done.json()["seconds_left"] is None
    assert done.json()["credits"] == credits + view["payment"]["on_fulfilled"]
    _one_error_line(cli(capsys, "--db", db_url, "contract", "fulfill", cid), f"contract {cid} is already fulfilled")

    assert cli(capsys, "--db", db_url, "--json", "contract", "list").json() == {"contracts": []}
    everything = cli(capsys, "--db", db_url, "--json", "contract", "list", "--all").json()["contracts"]
    assert [c["id"] for c in everything] == [cid] and everything[0]["status"] == "fulfilled"
    assert "no open contracts" in cli(capsys, "--db", db_url, "contract", "list").out


def test_negotiate_one_at_a_time_and_a_driven_ship_is_refused(capsys, db, db_url, game):
    cid, ship = game["id"], game["ship"]
    _one_error_line(cli(capsys, "--db", db_url, "contract", "negotiate", "--ship", ship),
                    f"one contract at a time: contract {cid} is still open")
    with db.transaction() as uow:
        container = make_container(uow, game["player_id"], ship)
        uow.assignments.assign(game["player_id"], ship, container.container_id)
        held_by = container.container_id
    for args in (["negotiate", "--ship", ship], ["deliver", cid, "--ship", ship]):
        _one_error_line(cli(capsys, "--db", db_url, "contract", *args), f"driven by container {held_by}")
    # Once the offer lapses it is no longer listed as open.
    _expire(game, offer=True)
    assert cli(capsys, "--db", db_url, "--json", "contract", "list").json() == {"contracts": []}


def _expire(game: dict[str, Any], *, offer: bool = False) -> None:
    """Move the contract's deadline into the past on both clocks (the CLI reads the real one,
    the simulator runs on a fake one that the flights moved ahead)."""
    contract = game["sim"].contracts._by_id[game["id"]]
    past = min(utcnow(), game["clock"].now()) - timedelta(seconds=1)
    if offer:
        contract.deadline_to_accept = past
    else:
        contract.deadline = past


def test_deadline_passed_and_unknown_contracts_are_one_line(capsys, db_url, game):
    cid, ship = game["id"], game["ship"]
    _one_error_line(cli(capsys, "--db", db_url, "contract", "deliver", cid, "--ship", ship),
                    f"contract {cid} is not accepted yet: accept it first")
    assert cli(capsys, "--db", db_url, "contract", "accept", cid).code == 0
    _fly(game, game["exporter"])
    _buy(game, 3)
    _fly(game, game["destination"], arrive=False)
    _one_error_line(cli(capsys, "--db", db_url, "contract", "deliver", cid, "--ship", ship), "is in transit")
    _fly(game, game["destination"])
    _one_error_line(cli(capsys, "--db", db_url, "contract", "deliver", cid, "--ship", "NOBODY-9"),
                    "no such ship NOBODY-9")
    _expire(game)
    _one_error_line(cli(capsys, "--db", db_url, "contract", "deliver", cid, "--ship", ship),
                    f"contract {cid} is past its deadline")
    _one_error_line(cli(capsys, "--db", db_url, "contract", "fulfil", cid), f"contract {cid} is past its deadline")
    expired = cli(capsys, "--db", db_url, "--json", "contract", "list", "--all").json()["contracts"]
    assert expired[0]["status"] == "expired" and expired[0]["seconds_left"] is None
    _one_error_line(cli(capsys, "--db", db_url, "contract", "show", "clnosuchcontract"),
                    "no such contract clnosuchcontract")
    _one_error_line(cli(capsys, "--db", db_url, "contract", "show", "bad id!"), "malformed contract id")
    # With the slot free again, a new one is negotiated (docked at a faction waypoint: the HQ).
    _fly(game, game["sim"].agents["HAULER"].headquarters)
    offered = cli(capsys, "--db", db_url, "--json", "contract", "negotiate", "--ship", ship)
    assert offered.code == 0, offered.err
    assert offered.json()["status"] == "offered" and offered.json()["id"] != cid


def test_evaluate_prices_from_stored_markets(capsys, db, db_url, game):
    cid, ship = game["id"], game["ship"]
    no_data = cli(capsys, "--db", db_url, "--json", "contract", "evaluate", cid, "--ship", ship)
    assert no_data.code == 0, no_data.err
    assert no_data.json()["take"] is False and no_data.json()["reason"].startswith(f"no fresh price for {game['good']}")

    _fly(game, game["exporter"])

    async def read(api: SpaceTradersClient):  # type: ignore[no-untyped-def]
        return await api.get_market(game["exporter"].rsplit("-", 1)[0], game["exporter"])

    market = _api(game, read)
    with db.transaction() as uow:  # as a scout would have stored it two hours ago
        store_market_snapshot(uow.session, market, player_id=game["player_id"], now=utcnow() - timedelta(hours=2))
    stale = cli(capsys, "--db", db_url, "--json", "contract", "evaluate", cid, "--ship", ship)
    assert stale.json()["take"] is False
    assert stale.json()["reason"] == f"no fresh price for {game['good']} (1 stale market(s): scout them)"
    assert stale.json()["skipped"] == [f"{game['exporter']}: data 120 min old (max 60)"]
    assert cli(capsys, "--db", db_url, "--json", "contract", "evaluate", cid, "--ship", ship,
               "--max-age", "3h").json()["take"] is True

    with db.transaction() as uow:
        store_market_snapshot(uow.session, market, player_id=game["player_id"], now=utcnow())
    credits = game["sim"].agents["HAULER"].credits
    priced = cli(capsys, "--db", db_url, "--json", "contract", "evaluate", cid, "--ship", ship)
    assert priced.code == 0, priced.err
    body = priced.json()
    assert body["take"] is True, body["reason"]
    plan = body["plan"]
    assert plan["source"] == game["exporter"] and plan["units_to_buy"] == game["units"]
    assert plan["profit"] == plan["payment"] - plan["goods_cost"] - plan["fuel_cost"] > 0
    assert body["inputs"]["terms"]["units_remaining"] == game["units"]
    assert game["sim"].agents["HAULER"].credits == credits  # nothing bought
    human = cli(capsys, "--db", db_url, "contract", "evaluate", cid, "--ship", ship, "--min-profit", str(10**9))
    assert human.code == 0 and "REFUSE" in human.out and "below the minimum" in human.out
    _one_error_line(cli(capsys, "--db", db_url, "contract", "evaluate", cid, "--ship", ship, "--max-age", "soon"),
                    "must be a duration")
