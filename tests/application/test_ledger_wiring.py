"""Every credit-moving step writes its ledger row: one-off trades and refuels, contract accept
and fulfil, through the CLI (navigation: tests/operations/test_navigate_ledger.py).
Simulator on both databases; the entries always sum to the agent's credit change."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from spacetraders.persistence.database import Database
from tests.cli.helpers import cli

pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
from tests.simserver import sim_server  # noqa: E402
from tests.supervisor.harness import register_agent  # noqa: E402


@pytest.fixture
def game(monkeypatch: pytest.MonkeyPatch, db: Database) -> Iterator[dict[str, Any]]:
    with sim_server(seed=13, time_scale=1000, enforce_rate_limit=False, probes_per_agent=1) as (url, sim):
        monkeypatch.setenv("SPACETRADERS_API_URL", url)
        monkeypatch.delenv("SPACETRADERS_PLAYER", raising=False)
        agent = register_agent(db, url, "LEDGERS")
        frigate = next(s for s in agent.ships if sim._ships[s].template.fuel_capacity > 0)
        yield {"sim": sim, "agent": agent, "frigate": frigate}


def _entries(capsys: pytest.CaptureFixture[str], db_url: str) -> list[dict[str, Any]]:
    listed = cli(capsys, "--db", db_url, "--json", "ledger", "list")
    assert listed.code == 0, listed.err
    return list(reversed(listed.json()["entries"]))  # oldest first


def test_one_off_refuel_buy_and_sell_each_write_a_row(capsys, db_url, game):  # type: ignore[no-untyped-def]
    ship, sim = game["frigate"], game["sim"]
    credits = lambda: sim.agents["LEDGERS"].credits  # noqa: E731
    start = credits()
    assert cli(capsys, "--db", db_url, "ship", "dock", ship).code == 0
    sim._ships[ship].fuel -= 250
    assert _entries(capsys, db_url) == []  # docking moves no credits

    refuel = cli(capsys, "--db", db_url, "--json", "ship", "refuel", ship)
    assert refuel.code == 0, refuel.err
    (row,) = _entries(capsys, db_url)
    assert row["kind"] == "refuel" and row["total"] == -refuel.json()["transaction"]["total_price"] < 0
    assert row["good"] == "FUEL" and row["units"] == refuel.json()["transaction"]["units"] == 3
    assert row["ship_symbol"] == ship and row["credits_after"] == credits() and row["container_id"] is None
    assert row["waypoint_symbol"] == sim._ships[ship].location.symbol

    bought = cli(capsys, "--db", db_url, "--json", "ship", "buy", ship, "FUEL", "3")
    sold = cli(capsys, "--db", db_url, "--json", "ship", "sell", ship, "FUEL", "2")
    assert bought.code == 0 and sold.code == 0, bought.err + sold.err
    _, purchase, sale = _entries(capsys, db_url)
    t = bought.json()["transaction"]
    assert (purchase["kind"], purchase["units"], purchase["unit_price"], purchase["total"]) == (
        "purchase", 3, t["price_per_unit"], -t["total_price"])
    t = sold.json()["transaction"]
    assert (sale["kind"], sale["units"], sale["unit_price"], sale["total"]) == (
        "sale", 2, t["price_per_unit"], t["total_price"])
    assert sale["total"] > 0 and sale["credits_after"] == credits()
    assert sum(e["total"] for e in _entries(capsys, db_url)) == credits() - start

    # A refused action (not docked) spends nothing and writes nothing.
    assert cli(capsys, "--db", db_url, "ship", "orbit", ship).code == 0
    assert cli(capsys, "--db", db_url, "ship", "buy", ship, "FUEL", "1").code != 0
    assert len(_entries(capsys, db_url)) == 3 and sum(e["total"] for e in _entries(capsys, db_url)) == credits() - start


def test_contract_accept_and_fulfil_are_income(capsys, db_url, game):  # type: ignore[no-untyped-def]
    sim = game["sim"]
    start = sim.agents["LEDGERS"].credits
    contract = sim.contracts._by_agent["LEDGERS"][0]
    accepted = cli(capsys, "--db", db_url, "--json", "contract", "accept", contract.id)
    assert accepted.code == 0, accepted.err
    contract.units_fulfilled = contract.units_required  # the deliveries, made directly in the simulator
    fulfilled = cli(capsys, "--db", db_url, "--json", "contract", "fulfil", contract.id)
    assert fulfilled.code == 0, fulfilled.err
    first, second = _entries(capsys, db_url)
    pay = accepted.json()["payment"]
    assert (first["kind"], first["total"], first["reference"]) == ("contract_accepted", pay["on_accepted"], contract.id)
    assert (second["kind"], second["total"], second["reference"]) == ("contract_fulfilled", pay["on_fulfilled"],
                                                                      contract.id)
    assert first["total"] > 0 and second["total"] > 0 and second["credits_after"] == sim.agents["LEDGERS"].credits
    assert first["total"] + second["total"] == sim.agents["LEDGERS"].credits - start
    # Fulfilling again is refused by the game: no second row.
    assert cli(capsys, "--db", db_url, "contract", "fulfil", contract.id).code != 0
    assert len(_entries(capsys, db_url)) == 2
