"""`market find|history|spreads` on markets scouted from the simulator, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from spacetraders.api.models import Market
from spacetraders.clock import utcnow
from spacetraders.persistence.markets import store_market_snapshot
from tests.cli.helpers import cli

pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
from tests.simserver import sim_player  # noqa: E402


def _priced(sim, symbol: str) -> Market:  # type: ignore[no-untyped-def]
    """The simulator's priced view of a market (as a ship present there would read it)."""
    return Market.from_json(sim.priced_market(symbol))


@pytest.fixture
def scouted(monkeypatch: pytest.MonkeyPatch, capsys, db, db_url) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The simulator, one agent stored as the only player, its system's waypoints cached and every
    market of the system stored twice: 3 hours ago, and now (the oldest one only 3 hours ago)."""
    with sim_player(monkeypatch, db, "TRADER", seed=11) as player:
        sim, system, registered = player.sim, player.system, player
        assert cli(capsys, "--db", db_url, "waypoint", "list", "--system", system).code == 0
        markets = sorted(w.symbol for w in sim.universe.waypoints.values() if w.system_symbol == system and w.market)
        now = utcnow()
        with db.transaction() as uow:
            player_id = uow.players.list()[0].player_id
            for symbol in markets:
                priced = _priced(sim, symbol)
                store_market_snapshot(uow.session, priced, player_id=player_id, now=now - timedelta(hours=3))
                if symbol != markets[0]:
                    store_market_snapshot(uow.session, priced, player_id=player_id, now=now)
        ships = [s.symbol for s in registered.ships]
        yield {"sim": sim, "system": system, "markets": markets, "ships": ships, "token": registered.token}


def test_find_lists_where_to_buy_and_sell(capsys, db_url, scouted):
    system, markets = scouted["system"], scouted["markets"]
    found = cli(capsys, "--db", db_url, "--json", "market", "find", "fuel", "--system", system.lower())
    assert found.code == 0, found.err
    body = found.json()
    assert body["good"] == "FUEL" and body["buy_at"] and body["sell_at"]
    asks = [x["purchase_price"] for x in body["buy_at"]]
    bids = [x["sell_price"] for x in body["sell_at"]]
    assert asks == sorted(asks) and bids == sorted(bids, reverse=True)
    assert all(x["system_symbol"] == system and x["trade_volume"] > 0 for x in body["buy_at"])

    fresh = cli(capsys, "--db", db_url, "--json", "market", "find", "FUEL", "--max-age", "30m").json()
    every = [x["waypoint_symbol"] for x in body["buy_at"] + body["sell_at"]]
    kept = [x["waypoint_symbol"] for x in fresh["buy_at"] + fresh["sell_at"]]
    assert markets[0] not in kept and len(kept) + 2 * fresh["hidden_stale"] >= len(every) - 2
    assert all(x["age_seconds"] < 1800 for x in fresh["buy_at"] + fresh["sell_at"])

    human = cli(capsys, "--db", db_url, "market", "find", "FUEL")
    assert human.code == 0 and "Buy FUEL at" in human.out and "Sell FUEL at" in human.out
    nothing = cli(capsys, "--db", db_url, "market", "find", "UNOBTAINIUM")
    assert nothing.code == 0 and "no stored market trades UNOBTAINIUM" in nothing.out


def test_history_reads_every_stored_observation(capsys, db_url, scouted):
    market = scouted["markets"][1]
    goods = [g.symbol for g in _priced(scouted["sim"], market).trade_goods]
    one = cli(capsys, "--db", db_url, "--json", "market", "history", market, goods[0].lower())
    assert one.code == 0, one.err
    points = one.json()["history"]
    assert [p["good"] for p in points] == [goods[0], goods[0]]
    assert points[0]["observed_at"] < points[1]["observed_at"]  # oldest first
    every = cli(capsys, "--db", db_url, "--json", "market", "history", market).json()["history"]
    assert len(every) == 2 * len(goods)
    last = cli(capsys, "--db", db_url, "--json", "market", "history", market, "--limit", "1").json()["history"]
    assert len(last) == 1 and last[0]["observed_at"] == points[1]["observed_at"]
    human = cli(capsys, "--db", db_url, "market", "history", market, goods[0])
    assert human.code == 0 and goods[0] in human.out and "Prices at" in human.out
    missing = cli(capsys, "--db", db_url, "market", "history", f"{scouted['system']}-ZZ99")
    assert missing.code != 0 and "no market data" in missing.err and len(missing.err.strip().splitlines()) == 1


def test_spreads_rank_lanes_for_a_default_hauler_and_for_a_ship(capsys, db_url, scouted):
    ranked = cli(capsys, "--db", db_url, "--json", "market", "spreads", "--limit", "50")
    assert ranked.code == 0, ranked.err
    body = ranked.json()
    assert body["systems"] == [scouted["system"]] and "light hauler" in body["default_ship"]
    lanes = body["lanes"]
    assert lanes, "a fresh reset has spreads between exporters and importers"
    rates = [lane["profit_per_hour"] for lane in lanes]
    assert rates == sorted(rates, reverse=True)
    for lane in lanes:
        assert lane["buy_at"] != lane["sell_at"] and 0 < lane["units"] <= 80
        assert lane["expected_profit"] == lane["revenue"] - lane["goods_cost"] - lane["fuel_cost"] > 0
        assert lane["buy_at"] != scouted["markets"][0] and lane["sell_at"] != scouted["markets"][0]  # stale
        assert lane["route"][-1] == lane["sell_at"]
    good = lanes[0]["good"]
    only = cli(capsys, "--db", db_url, "--json", "market", "spreads", "--good", good.lower()).json()["lanes"]
    assert only and {lane["good"] for lane in only} == {good}
    rich = cli(capsys, "--db", db_url, "--json", "market", "spreads", "--min-profit",
               str(lanes[0]["expected_profit"])).json()["lanes"]
    assert all(lane["expected_profit"] > lanes[0]["expected_profit"] for lane in rich)
    assert cli(capsys, "--db", db_url, "--json", "market", "spreads", "--good", "UNOBTAINIUM").json()["lanes"] == []
    none = cli(capsys, "--db", db_url, "market", "spreads", "--good", "UNOBTAINIUM")
    assert none.code == 0 and "no lane earns more than 0" in none.out

    human = cli(capsys, "--db", db_url, "market", "spreads", "--limit", "3")
    assert human.code == 0 and "light hauler" in human.out and lanes[0]["good"] in human.out

    ship = scouted["ships"][0]  # the command frigate: hold 40 (part of it crew), speed 36
    mine = cli(capsys, "--db", db_url, "--json", "market", "spreads", "--ship", ship.lower(), "--limit", "50")
    assert mine.code == 0, mine.err
    body = mine.json()
    assert body["ship"]["symbol"] == ship and body["default_ship"] is None
    assert all(lane["units"] <= body["ship"]["cargo_capacity"] for lane in body["lanes"])
    # the leg from where the ship is to the source counts: a lane starting elsewhere has 2 hops
    assert all(len(lane["route"]) == (1 if lane["buy_at"] == body["ship"]["location"] else 2)
               for lane in body["lanes"])
    assert scouted["token"] not in mine.out


@pytest.mark.parametrize("args, message", [
    (["spreads", "--max-age", "soon"], "--max-age must be a duration"),
    (["spreads", "--limit", "0"], "--limit"),
    (["spreads", "--min-profit", "nan"], "--min-profit"),
    (["spreads", "--good", "IRON ORE"], "malformed good symbol"),
    (["spreads", "--system", "nope"], "malformed system symbol"),
    (["spreads", "--ship", "NOBODY-9"], "no such ship NOBODY-9"),
    (["find", "FUEL", "--max-age", "-5m"], "--max-age"),
    (["history", "X1 A"], "malformed"),
    (["history", "X1-A-B1", "--limit", "99999999"], "--limit"),
])
def test_bad_input_is_one_line(capsys, db_url, scouted, args, message):
    result = cli(capsys, "--db", db_url, "market", *args)
    assert result.code != 0
    assert message in result.err and len(result.err.strip().splitlines()) == 1, result.err
