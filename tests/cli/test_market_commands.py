"""`waypoint list` (cache synced from the simulator) and `market list/show`, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from spacetraders.api.models import Market
from spacetraders.clock import utcnow
from spacetraders.persistence.markets import store_market_snapshot
from spacetraders.persistence.models import SystemRow, WaypointRow
from tests.cli.helpers import cli

pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
from tests.simserver import sim_player  # noqa: E402


@pytest.fixture
def game(monkeypatch: pytest.MonkeyPatch, db) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The simulator on loopback, one registered agent stored as the only player."""
    with sim_player(monkeypatch, db, "MARKETEER", seed=11) as player:
        yield {"url": player.url, "sim": player.sim, "system": player.system, "token": player.token}


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_waypoint_list_syncs_once_then_reads_the_cache(capsys, db, db_url, game):
    system, sim = game["system"], game["sim"]
    expected = sorted(w.symbol for w in sim.universe.waypoints.values() if w.system_symbol == system and w.market)

    first = cli(capsys, "--db", db_url, "--json", "waypoint", "list", "--system", system, "--trait", "marketplace")
    assert first.code == 0, first.err
    body = first.json()
    assert body["fetched"] is True and body["system"] == system
    assert [w["symbol"] for w in body["waypoints"]] == expected
    assert all("MARKETPLACE" in w["traits"] for w in body["waypoints"])
    everything = sum(1 for w in sim.universe.waypoints.values() if w.system_symbol == system)
    assert _count(db, WaypointRow) == everything

    again = cli(capsys, "--db", db_url, "--json", "waypoint", "list", "--system", system.lower())
    assert again.json()["fetched"] is False and again.json()["synced_at"] == body["synced_at"]
    assert len(again.json()["waypoints"]) == everything

    human = cli(capsys, "--db", db_url, "waypoint", "list", "--system", system, "--refresh")
    assert human.code == 0 and "fetched from the API now" in human.out and expected[0] in human.out
    assert game["token"] not in human.out


@pytest.mark.parametrize("system, message", [("X1 TS98", "malformed system symbol"), ("X1-NOPE99", "unknown system")])
def test_bad_systems_are_refused_and_nothing_is_written(capsys, db, db_url, game, system, message):
    result = cli(capsys, "--db", db_url, "waypoint", "list", "--system", system)
    assert result.code != 0
    assert len(result.err.strip().splitlines()) == 1 and message in result.err
    assert _count(db, SystemRow) == 0 and _count(db, WaypointRow) == 0


def test_market_list_and_show(capsys, db, db_url, game):
    system = game["system"]
    assert cli(capsys, "--db", db_url, "waypoint", "list", "--system", system).code == 0
    sim = game["sim"]
    fresh, old = sorted(w.symbol for w in sim.universe.waypoints.values() if w.system_symbol == system and w.market)[:2]
    now = utcnow()
    with db.transaction() as uow:
        player_id = uow.players.list()[0].player_id
        store_market_snapshot(uow.session, _priced(sim, fresh), player_id=player_id, now=now)
        store_market_snapshot(uow.session, _priced(sim, old), player_id=player_id, now=now - timedelta(hours=3))

    listed = cli(capsys, "--db", db_url, "--json", "market", "list", "--system", system)
    assert listed.code == 0, listed.err
    rows = {m["waypoint_symbol"]: m for m in listed.json()["markets"]}
    assert rows[fresh]["stale"] is False and rows[old]["stale"] is True
    assert rows[fresh]["goods_count"] == len(sim.markets[fresh].spec.exports + sim.markets[fresh].spec.imports
                                             + sim.markets[fresh].spec.exchange)
    never = [m for m in rows.values() if m["updated_at"] is None]
    assert never and all(m["stale"] and m["goods_count"] == 0 for m in never)
    assert 3 * 3600 - 60 < rows[old]["age_seconds"] < 3 * 3600 + 60

    human = cli(capsys, "--db", db_url, "market", "list", "--system", system)
    assert "3h ago" in human.out and "never" in human.out

    shown = cli(capsys, "--db", db_url, "--json", "market", "show", fresh.lower())
    assert shown.code == 0, shown.err
    goods = shown.json()["goods"]
    assert goods and all(g["sell_price"] <= g["purchase_price"] for g in goods)
    assert [g["symbol"] for g in goods] == sorted(g["symbol"] for g in goods)
    table = cli(capsys, "--db", db_url, "market", "show", fresh)
    assert goods[0]["symbol"] in table.out and "supply" in table.out

    missing = cli(capsys, "--db", db_url, "market", "show", f"{system}-ZZ99")
    assert missing.code != 0 and "no market data" in missing.err
    malformed = cli(capsys, "--db", db_url, "market", "list", "--system", "nope")
    assert malformed.code != 0 and "malformed system symbol" in malformed.err


def _priced(sim, symbol: str) -> Market:  # type: ignore[no-untyped-def]
    """The simulator's priced view of a market (as a ship present there would read it)."""
    agent = next(iter(sim.agents.values()))
    ship = next(iter(agent.ships.values()))
    sim._present.setdefault((agent.symbol, symbol), set()).add(ship)
    try:
        return Market.from_json(sim.market(agent, symbol.rpartition("-")[0], symbol))
    finally:
        sim._present[(agent.symbol, symbol)].discard(ship)
