"""The ledger table on both databases: migration, constraints (raw SQL), atomicity, filters, sums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from spacetraders.persistence.database import Database
from spacetraders.persistence.ledger import (
    LedgerEntry,
    LedgerFilter,
    LedgerKind,
    ReportBy,
    list_entries,
    record_entry,
    report,
)
from spacetraders.persistence.migrations import downgrade, upgrade
from spacetraders.persistence.models import Ledger
from tests.factories import make_player

T0 = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


def entry(player_id: int, kind: LedgerKind, total: int, *, at: datetime = T0, ship: str | None = "COOPER-1",
          container: str | None = None, credits_after: int = 1000) -> LedgerEntry:
    return LedgerEntry(player_id=player_id, at=at, kind=kind, total=total, credits_after=credits_after,
                       ship_symbol=ship, container_id=container, good="IRON_ORE", units=10,
                       unit_price=abs(total) // 10)


@pytest.fixture
def player_id(db: Database) -> int:
    with db.transaction() as uow:
        return make_player(uow, "COOPER").player_id


def test_migration_0007_adds_the_ledger_and_its_indexes_and_takes_them_away(empty_db_url: str) -> None:
    db = Database(empty_db_url)
    try:
        upgrade(db, "0006")
        assert "ledger" not in inspect(db.engine).get_table_names()
        upgrade(db, "0007")
        assert "ledger" in inspect(db.engine).get_table_names()
        indexes = {i["name"] for i in inspect(db.engine).get_indexes("ledger")}
        assert {"ix_ledger_player_id_at", "ix_ledger_player_id_ship_symbol_at", "ix_ledger_container_id"} <= indexes
        downgrade(db, "0006")
        assert "ledger" not in inspect(db.engine).get_table_names()
    finally:
        db.dispose()


BAD_ROWS = {
    "unknown kind": ("'gift'", 10, 5, 1),
    "sale with a negative total": ("'sale'", -10, 5, 1),
    "purchase with a positive total": ("'purchase'", 10, 5, 1),
    "refuel paid as income": ("'refuel'", 5, 5, 1),
    "contract payment negative": ("'contract_fulfilled'", -1, None, None),
    "zero units": ("'purchase'", -10, 5, 0),
    "negative unit price": ("'purchase'", -10, -5, 2),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_the_database_rejects_rows_that_cannot_be_right(db: Database, player_id: int, case: str) -> None:
    kind, total, unit_price, units = BAD_ROWS[case]
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(
            text(f"INSERT INTO ledger (player_id, at, kind, total, credits_after, unit_price, units) "
                 f"VALUES (:p, :at, {kind}, :total, 100, :price, :units)"),
            {"p": player_id, "at": T0.replace(tzinfo=None), "total": total, "price": unit_price, "units": units},
        )
    with db.read() as session:
        assert session.scalars(select(Ledger)).all() == []


def test_a_good_raw_row_is_accepted_and_an_unknown_player_is_not(db: Database, player_id: int) -> None:
    insert = text("INSERT INTO ledger (player_id, at, kind, total, credits_after) VALUES (:p, :at, 'jump', -50, 9)")
    with db.engine.begin() as conn:
        conn.execute(insert, {"p": player_id, "at": T0.replace(tzinfo=None)})
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(insert, {"p": player_id + 99, "at": T0.replace(tzinfo=None)})


def test_the_entry_rejects_a_wrong_sign_before_the_database_does(player_id: int) -> None:
    with pytest.raises(ValueError, match="spend"):
        entry(player_id, LedgerKind.PURCHASE, 10)
    with pytest.raises(ValueError, match="negative"):
        entry(player_id, LedgerKind.SALE, -10)


def test_an_entry_recorded_in_a_transaction_that_rolls_back_leaves_no_row(db: Database, player_id: int) -> None:
    with pytest.raises(RuntimeError, match="step failed"), db.transaction() as uow:
        record_entry(uow, entry(player_id, LedgerKind.SALE, 500))
        assert uow.session.scalars(select(Ledger)).one().total == 500  # visible inside the transaction
        raise RuntimeError("step failed after the entry")
    with db.read() as session:
        assert session.scalars(select(Ledger)).all() == []

    with db.transaction() as uow:  # and a session works as well as a unit of work
        entry_id = record_entry(uow.session, entry(player_id, LedgerKind.SALE, 500))
    with db.read() as session:
        assert [r.entry_id for r in session.scalars(select(Ledger))] == [entry_id]


@pytest.fixture
def book(db: Database, player_id: int) -> dict[str, int]:
    """Two days of a trader and a refuelling probe, and one entry of another player."""
    with db.transaction() as uow:
        other = make_player(uow, "BRAND").player_id
        rows = [
            entry(player_id, LedgerKind.PURCHASE, -300, at=T0, container="trade-1"),
            entry(player_id, LedgerKind.SALE, 900, at=T0 + timedelta(minutes=10), container="trade-1"),
            entry(player_id, LedgerKind.REFUEL, -72, at=T0 + timedelta(minutes=40), ship="COOPER-2"),
            entry(player_id, LedgerKind.CONTRACT_ACCEPTED, 2000, at=T0 + timedelta(hours=2), ship=None),
            entry(other, LedgerKind.SALE, 5, at=T0 + timedelta(hours=3), ship="BRAND-1"),
        ]
        for row in rows:
            record_entry(uow, row)
    return {"player": player_id, "other": other}


def test_list_is_newest_first_and_filters_by_player_since_ship_and_kind(db: Database, book: dict[str, int]) -> None:
    me = book["player"]
    with db.read() as session:
        def kinds(f: LedgerFilter, limit: int = 100) -> list[str]:
            return [r.kind for r in list_entries(session, f, limit=limit)]

        assert kinds(LedgerFilter(player_id=me)) == ["contract_accepted", "refuel", "sale", "purchase"]
        assert kinds(LedgerFilter()) == ["sale", "contract_accepted", "refuel", "sale", "purchase"]
        assert kinds(LedgerFilter(player_id=me), limit=2) == ["contract_accepted", "refuel"]
        assert kinds(LedgerFilter(player_id=me, since=T0 + timedelta(minutes=10))) == [
            "contract_accepted", "refuel", "sale"]
        assert kinds(LedgerFilter(player_id=me, ship_symbol="COOPER-2")) == ["refuel"]
        assert kinds(LedgerFilter(player_id=me, kind=LedgerKind.SALE)) == ["sale"]
        assert kinds(LedgerFilter(player_id=me, kind=LedgerKind.JUMP)) == []


def test_report_sums_income_spend_and_net_per_group(db: Database, book: dict[str, int]) -> None:
    me = LedgerFilter(player_id=book["player"])
    with db.read() as session:
        def sums(by: ReportBy, f: LedgerFilter = me) -> list[tuple[str | None, int, int, int, int]]:
            return [(r.key, r.entries, r.income, r.spend, r.net) for r in report(session, f, by)]

        # 23:30 UTC + 40 min is the next day: days are UTC days on both databases
        assert sums(ReportBy.DAY) == [("2026-03-01", 2, 900, -300, 600), ("2026-03-02", 2, 2000, -72, 1928)]
        assert sums(ReportBy.KIND) == [("contract_accepted", 1, 2000, 0, 2000), ("purchase", 1, 0, -300, -300),
                                       ("refuel", 1, 0, -72, -72), ("sale", 1, 900, 0, 900)]
        assert sums(ReportBy.SHIP) == [("COOPER-1", 2, 900, -300, 600), ("COOPER-2", 1, 0, -72, -72),
                                       (None, 1, 2000, 0, 2000)]
        assert sums(ReportBy.CONTAINER) == [("trade-1", 2, 900, -300, 600), (None, 2, 2000, -72, 1928)]
        assert sums(ReportBy.KIND, LedgerFilter(player_id=book["other"])) == [("sale", 1, 5, 0, 5)]
        assert sums(ReportBy.DAY, LedgerFilter(player_id=book["player"], kind=LedgerKind.JUMP)) == []
