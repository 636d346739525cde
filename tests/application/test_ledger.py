"""Ledger entries built from real simulator results account for every credit, on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from spacetraders.api import SpaceTradersClient
from spacetraders.application.ledger import (
    MAX_SINCE,
    LedgerFilter,
    ReportBy,
    entry_for_contract,
    entry_for_jump,
    entry_for_refuel,
    entry_for_ship_purchase,
    entry_for_trade,
    list_view,
    parse_since,
    record_entry,
    report_view,
)
from spacetraders.clock import FakeClock
from spacetraders.persistence.database import Database
from tests.factories import make_player

pytest.importorskip("spacetraders.sim.app", reason="the simulator is not in this tree yet")
from spacetraders.sim.app import create_app  # noqa: E402
from spacetraders.sim.config import SimConfig  # noqa: E402

BASE_URL = "http://sim/v2"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_entries_from_trade_refuel_ship_purchase_and_contract_sum_to_the_agents_credits(db: Database) -> None:
    with db.transaction() as uow:
        player_id = make_player(uow, "BUYER").player_id
    transport = httpx.ASGITransport(app=create_app(SimConfig(seed=4, clock=FakeClock(), enforce_rate_limit=False)))

    async def scenario() -> tuple[int, int]:
        async with SpaceTradersClient(BASE_URL, transport=transport) as anonymous:
            registered = await anonymous.register("BUYER", "COSMIC", "account")
        async with SpaceTradersClient(BASE_URL, registered.token, transport=transport) as client:
            frigate, hq = registered.ships[0].symbol, registered.agent.headquarters
            start = (await client.get_agent()).credits
            at = NOW
            steps = []
            bought = await client.purchase_cargo(frigate, "FUEL", 10)
            steps.append(entry_for_trade(bought, player_id=player_id, at=at, container_id="trade-1"))
            sold = await client.sell_cargo(frigate, "FUEL", 4)
            steps.append(entry_for_trade(sold, player_id=player_id, at=at + timedelta(seconds=1),
                                         container_id="trade-1"))
            refuel = await client.refuel(frigate)
            steps.append(entry_for_refuel(refuel, player_id=player_id, ship_symbol=frigate,
                                          at=at + timedelta(seconds=2), waypoint_symbol=hq))
            ship = await client.purchase_ship("SHIP_LIGHT_SHUTTLE", hq)
            steps.append(entry_for_ship_purchase(ship, player_id=player_id, at=at + timedelta(seconds=3),
                                                 buyer_ship=frigate))
            (contract,) = await client.list_contracts()
            accepted = await client.accept_contract(contract.id)
            steps.append(entry_for_contract(accepted, player_id=player_id, at=at + timedelta(seconds=4),
                                            fulfilled=False))
            for step in steps:  # each step's entry in the transaction of its outcome
                with db.transaction() as uow:
                    record_entry(uow, step)
            return start, (await client.get_agent()).credits

    start, end = asyncio.run(scenario())
    f = LedgerFilter(player_id=player_id)
    entries = list_view(db, f, limit=100)["entries"]
    assert [e["kind"] for e in entries] == ["contract_accepted", "ship_purchase", "refuel", "sale", "purchase"]
    assert entries[0]["credits_after"] == end
    assert sum(e["total"] for e in entries) == end - start
    purchase, sale = entries[4], entries[3]
    assert (purchase["good"], purchase["units"], purchase["total"]) == ("FUEL", 10, -10 * purchase["unit_price"])
    assert sale["total"] > 0 and sale["credits_after"] == purchase["credits_after"] + sale["total"]
    assert entries[1]["good"] == "SHIP_LIGHT_SHUTTLE" and entries[1]["reference"] not in (None, entries[1]["ship_symbol"])

    report = report_view(db, f, ReportBy.CONTAINER)
    assert report["groups"][0]["key"] == "trade-1" and report["groups"][0]["net"] == sale["total"] + purchase["total"]
    assert report["total"]["net"] == end - start and report["total"]["entries"] == 5


def test_a_jump_is_a_spend_of_antimatter() -> None:
    jump = entry_for_jump(player_id=1, at=NOW, ship_symbol="S-1", fee=120, credits_after=880, destination="X1-B-I1")
    assert (jump.kind, jump.total, jump.good, jump.waypoint_symbol) == ("jump", -120, "ANTIMATTER", "X1-B-I1")


@pytest.mark.parametrize(("text", "expected"), [
    ("90s", NOW - timedelta(seconds=90)),
    ("1h30m", NOW - timedelta(minutes=90)),
    ("2d", NOW - timedelta(days=2)),
    ("1w", NOW - timedelta(days=7)),
    ("2026-03-01T10:00:00Z", datetime(2026, 3, 1, 10, tzinfo=UTC)),
    ("2026-03-01T11:00:00+01:00", datetime(2026, 3, 1, 10, tzinfo=UTC)),
    ("2026-02-28", datetime(2026, 2, 28, tzinfo=UTC)),
])
def test_since_takes_a_duration_or_an_iso_time(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "-2h", "2x", "1.5h", "nan", "2026-03-02T00:00:00Z",
                                  f"{MAX_SINCE.days + 1}d", "1900-01-01", "9" * 5000])
def test_since_refuses_what_is_not_a_past_instant_in_range(text: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_since(text, NOW)
    assert "\n" not in str(refused.value) and len(str(refused.value)) < 200
