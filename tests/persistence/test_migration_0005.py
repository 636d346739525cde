"""Migration 0005 on a database that 0004 allowed to go wrong: backfill, violators ended and
reported (never dropped), logs kept, and a clean way back down. Both databases."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import inspect, text

from spacetraders.application.assignments import fix_assignments
from spacetraders.clock import utcnow
from spacetraders.persistence.database import Database
from spacetraders.persistence.migrations import current_revision, downgrade, upgrade
from tests.cli.helpers import cli
from tests.invariants import check_invariants

T = datetime(2026, 11, 1, 12, 0, 0)


def _container(conn, cid, status, config, minutes_ago=10):  # type: ignore[no-untyped-def]
    conn.execute(
        text(
            "INSERT INTO containers (container_id, player_id, status, command_type, config, restart_policy, "
            "max_restarts, restart_window_s, restart_count, created_at) "
            "VALUES (:c, 1, :s, 'ScoutTourCommand', :cfg, 'no', 0, 600, 0, :at)"
        ),
        {"c": cid, "s": status, "cfg": config, "at": T - timedelta(minutes=minutes_ago)},
    )


def _ship(ship: str) -> str:
    return json.dumps({"command_type": "ScoutTourCommand", "params": {"ship_symbol": ship, "system": "X1"}})


def _assignment(conn, ship, cid, status="active"):  # type: ignore[no-untyped-def]
    conn.execute(
        text(
            "INSERT INTO ship_assignments (player_id, ship_symbol, container_id, operation, status, assigned_at) "
            "VALUES (1, :s, :c, 'command', :st, :at)"
        ),
        {"s": ship, "c": cid, "st": status, "at": T},
    )


def _bad_state_at_0004(db: Database) -> None:
    upgrade(db, "0004")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO players (player_id, agent_symbol, token, created_at) VALUES (1, 'P', 't', :at)"),
                     {"at": T})
        # S1: two live containers; the older holds the assignment and keeps the ship.
        _container(conn, "s1-old", "RUNNING", _ship("S1"), 20)
        _container(conn, "s1-new", "STARTING", _ship("S1"), 5)
        _assignment(conn, "S1", "s1-old")
        # S2: two live containers, nobody holds the ship: the newest keeps it.
        _container(conn, "s2-old", "INTERRUPTED", _ship("S2"), 20)
        _container(conn, "s2-new", "RUNNING", _ship("S2"), 5)
        _assignment(conn, "S2", "s2-old", "idle")
        # S3: an active assignment on a FAILED container.
        _container(conn, "s3-dead", "FAILED", _ship("S3"))
        _assignment(conn, "S3", "s3-dead")
        # S4: an active assignment on a live container that drives S5.
        _container(conn, "s5-live", "RUNNING", _ship("S5"))
        _assignment(conn, "S4", "s5-live")
        # Configs no one can read: not JSON (and holding the S6 assignment), a list, NaN.
        _container(conn, "junk", "RUNNING", "{not json")
        _assignment(conn, "S6", "junk")
        _container(conn, "listy", "FAILED", '["S7"]')
        _container(conn, "nan", "STOPPED", '{"params": {"ship_symbol": "S8", "x": NaN}}')
        # A healthy tour, untouched.
        _container(conn, "s9-ok", "RUNNING", _ship("S9"))
        _assignment(conn, "S9", "s9-ok")
        for cid in ("s1-new", "s3-dead", "s9-ok"):
            conn.execute(text("INSERT INTO container_logs (container_id, player_id, timestamp, level, message) "
                              "VALUES (:c, 1, :at, 'INFO', 'kept')"), {"c": cid, "at": T})


def _rows(db: Database, sql: str) -> dict:  # type: ignore[type-arg]
    with db.engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(text(sql))}


def test_upgrade_backfills_ends_violators_and_reports_each(empty_db_url):
    db = Database(empty_db_url)
    try:
        _bad_state_at_0004(db)
        notes = upgrade(db, "0005")
        assert current_revision(db) == "0005"

        ships = _rows(db, "SELECT container_id, ship_symbol, status FROM containers")
        assert ships == {
            "s1-old": ("S1", "RUNNING"), "s1-new": ("S1", "STOPPED"),
            "s2-old": ("S2", "STOPPED"), "s2-new": ("S2", "RUNNING"),
            "s3-dead": ("S3", "FAILED"), "s5-live": ("S5", "RUNNING"),
            "junk": (None, "RUNNING"), "listy": (None, "FAILED"), "nan": (None, "STOPPED"),
            "s9-ok": ("S9", "RUNNING"),
        }
        assignments = _rows(db, "SELECT ship_symbol, container_id, status, release_reason FROM ship_assignments")
        assert assignments["S1"] == ("s1-old", "active", None)
        assert assignments["S9"] == ("s9-ok", "active", None)
        assert assignments["S3"][:2] == ("s3-dead", "idle") and "container is FAILED" in assignments["S3"][2]
        assert assignments["S4"][:2] == ("s5-live", "idle") and "drives S5" in assignments["S4"][2]
        assert assignments["S6"][:2] == ("junk", "idle") and "drives no ship" in assignments["S6"][2]

        # Reported: one line each, returned to `db upgrade`, and an event on each container touched.
        assert len(notes) == 5
        for name in ("s1-new", "s2-old", "S3", "S4", "S6"):
            assert sum(name in n for n in notes) == 1, (name, notes)
        events = _rows(db, "SELECT container_id, status, detail FROM container_events")
        assert set(events) == {"s1-new", "s2-old", "s3-dead", "s5-live", "junk"}
        assert events["s1-new"][0] == "STOPPED" and "s1-old" in events["s1-new"][1]
        with db.engine.connect() as conn:  # nothing dropped, logs kept
            assert conn.execute(text("SELECT count(*) FROM container_logs")).scalar() == 3
        with db.transaction() as uow:  # live containers without their ship: what `fix` is for
            assigned = fix_assignments(uow, now=utcnow())
        assert sorted((a.action, a.container_id) for a in assigned) == [
            ("assigned", "s2-new"), ("assigned", "s5-live"), ("bad-row", "junk")]
        check_invariants(db)

        downgrade(db, "0004")
        columns = {c["name"] for c in inspect(db.engine).get_columns("containers")}
        assert "ship_symbol" not in columns and "live_ship" not in columns
        assert "active_ship" not in {c["name"] for c in inspect(db.engine).get_columns("ship_assignments")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM containers")).scalar() == 10
            assert conn.execute(text("SELECT count(*) FROM container_logs")).scalar() == 3
            assert conn.execute(text("SELECT count(*) FROM ship_assignments WHERE status = 'active'")).scalar() == 4
        assert upgrade(db) == []  # back up: nothing left to repair
    finally:
        db.dispose()


def test_db_upgrade_prints_what_it_repaired(capsys, empty_db_url):
    db = Database(empty_db_url)
    try:
        _bad_state_at_0004(db)
    finally:
        db.dispose()
    result = cli(capsys, "--db", empty_db_url, "db", "upgrade")
    assert result.code == 0, result.err
    repaired = [line for line in result.out.splitlines() if line.startswith("repaired:")]
    assert len(repaired) == 5 and any("s1-new" in line for line in repaired)
    again = cli(capsys, "--db", empty_db_url, "--json", "db", "upgrade")
    assert again.json()["repaired"] == []
