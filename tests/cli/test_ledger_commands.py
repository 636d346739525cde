"""`ledger list` and `ledger report` through the real entry point, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from spacetraders.clock import utcnow
from spacetraders.persistence.database import Database
from spacetraders.persistence.ledger import LedgerEntry, LedgerKind, record_entry
from spacetraders.persistence.models import Ledger
from tests.cli.helpers import cli
from tests.factories import make_player


@pytest.fixture
def book(db: Database, monkeypatch: pytest.MonkeyPatch) -> int:
    """A trader's day (recent) and an old refuel, for the only player."""
    monkeypatch.delenv("SPACETRADERS_PLAYER", raising=False)
    now = utcnow()
    with db.transaction() as uow:
        me = make_player(uow, "COOPER").player_id
        for minutes, kind, total, ship, container in [
            (60 * 24 * 3, LedgerKind.REFUEL, -72, "COOPER-2", None),
            (30, LedgerKind.PURCHASE, -300, "COOPER-1", "trade-1"),
            (20, LedgerKind.SALE, 900, "COOPER-1", "trade-1"),
            (10, LedgerKind.SHIP_PURCHASE, -25_000, "COOPER-1", None),
        ]:
            record_entry(uow, LedgerEntry(player_id=me, at=now - timedelta(minutes=minutes), kind=kind, total=total,
                                          credits_after=100_000 + total, ship_symbol=ship, container_id=container,
                                          good="IRON_ORE", units=10, unit_price=abs(total) // 10))
    return me


def test_list_newest_first_with_filters(capsys, db_url, book) -> None:  # type: ignore[no-untyped-def]
    every = cli(capsys, "--db", db_url, "--json", "ledger", "list")
    assert every.code == 0, every.err
    assert [e["kind"] for e in every.json()["entries"]] == ["ship_purchase", "sale", "purchase", "refuel"]
    assert every.json()["entries"][1]["total"] == 900 and every.json()["entries"][1]["container_id"] == "trade-1"

    def kinds(*args: str) -> list[str]:
        result = cli(capsys, "--db", db_url, "--json", "ledger", "list", *args)
        assert result.code == 0, result.err
        return [e["kind"] for e in result.json()["entries"]]

    assert kinds("--since", "1h") == ["ship_purchase", "sale", "purchase"]
    assert kinds("--since", (utcnow() - timedelta(minutes=25)).isoformat()) == ["ship_purchase", "sale"]
    assert kinds("--ship", "cooper-2") == ["refuel"]
    assert kinds("--kind", "SALE") == ["sale"]
    assert kinds("--limit", "1") == ["ship_purchase"]

    human = cli(capsys, "--db", db_url, "ledger", "list", "--ship", "COOPER-2")
    assert human.code == 0 and "refuel" in human.out and "-72" in human.out and "sale" not in human.out


def test_report_by_kind_container_and_day(capsys, db_url, book) -> None:  # type: ignore[no-untyped-def]
    by_kind = cli(capsys, "--db", db_url, "--json", "ledger", "report", "--by", "kind")
    assert by_kind.code == 0, by_kind.err
    body = by_kind.json()
    assert [(g["key"], g["net"]) for g in body["groups"]] == [
        ("purchase", -300), ("refuel", -72), ("sale", 900), ("ship_purchase", -25_000)]
    assert body["total"] == {"entries": 4, "income": 900, "spend": -25_372, "net": -24_472}

    by_container = cli(capsys, "--db", db_url, "--json", "ledger", "report", "--by", "container", "--since", "1d")
    assert [(g["key"], g["entries"], g["net"]) for g in by_container.json()["groups"]] == [
        ("trade-1", 2, 600), (None, 1, -25_000)]

    by_day = cli(capsys, "--db", db_url, "ledger", "report")
    assert by_day.code == 0 and "total" in by_day.out and "-24,472" in by_day.out


@pytest.mark.parametrize(("args", "fragment"), [
    (("list", "--since", "yesterday"), "--since"),
    (("list", "--since", "99999d"), "--since"),
    (("list", "--since", "2999-01-01"), "future"),
    (("list", "--limit", "0"), "--limit"),
    (("list", "--limit", "1" * 300), "--limit"),
    (("list", "--kind", "gift"), "--kind"),
    (("list", "--ship", "COOPER 1; DROP"), "--ship"),
    (("report", "--by", "week"), "--by"),
])
def test_bad_input_is_one_line_and_writes_nothing(capsys, db, db_url, book, args, fragment) -> None:  # type: ignore[no-untyped-def]
    result = cli(capsys, "--db", db_url, "ledger", *args)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("error: ") and result.err.count("\n") == 1 and fragment in result.err
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Ledger)) == 4


def test_no_player_is_a_clear_error(capsys, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SPACETRADERS_PLAYER", raising=False)
    result = cli(capsys, "--db", f"sqlite:///{tmp_path / 'fresh.db'}", "ledger", "list")
    assert result.code != 0 and result.err.startswith("error: no player yet")
