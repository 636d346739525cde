from __future__ import annotations

from sqlalchemy import text

from spacetraders.domain.containers import ContainerStatus
from tests.cli.helpers import cli
from tests.factories import make_container, make_player


def _broken_fleet(db):  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        make_player(uow, "COOPER", player_id=2)
        old = make_container(uow, 2, "COOPER-2", status=ContainerStatus.FAILED)
        uow.assignments.assign(2, "COOPER-2", old.container_id)
        uow.assignments.release(2, "COOPER-2", old.container_id, "crash")
        return make_container(uow, 2, "COOPER-2").container_id


def test_fix_dry_run_then_fix_then_nothing(capsys, db, db_url):
    new_id = _broken_fleet(db)
    dry = cli(capsys, "--db", db_url, "--json", "assignments", "fix", "--dry-run")
    assert dry.code == 0, dry.err
    assert [(a["action"], a["container_id"]) for a in dry.json()["actions"]] == [("assigned", new_id)]
    assert cli(capsys, "--db", db_url, "--json", "assignments", "list").json()["assignments"] == []

    fixed = cli(capsys, "--db", db_url, "--json", "assignments", "fix")
    assert fixed.json()["actions"][0]["container_id"] == new_id
    listed = cli(capsys, "--db", db_url, "--json", "assignments", "list").json()["assignments"]
    assert [(r["ship_symbol"], r["container_id"], r["status"]) for r in listed] == [("COOPER-2", new_id, "active")]

    again = cli(capsys, "--db", db_url, "assignments", "fix")
    assert again.code == 0 and "nothing to fix" in again.out


def test_release_refuses_a_live_container_and_writes_nothing(capsys, db, db_url):
    new_id = _broken_fleet(db)
    cli(capsys, "--db", db_url, "assignments", "fix")
    refused = cli(capsys, "--db", db_url, "assignments", "release", "COOPER-2")
    assert refused.code != 0 and "container stop" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    with db.read() as session:
        assert session.execute(text("SELECT status FROM ship_assignments")).scalar() == "active"
    # --force stops the container in the same transaction (no daemon runs it: STOPPED at once).
    released = cli(capsys, "--db", db_url, "--json", "assignments", "release", "cooper-2", "--force")
    assert released.code == 0, released.err
    assert released.json() == {"ship_symbol": "COOPER-2", "released_from": new_id, "container_id": new_id,
                               "container_status": "STOPPED", "released": True}


def test_release_unknown_ship_is_a_clear_error(capsys, db, db_url):
    _broken_fleet(db)
    result = cli(capsys, "--db", db_url, "assignments", "release", "NOBODY-9")
    assert result.code != 0 and "no active assignment" in result.err


def test_release_of_a_malformed_symbol_is_one_clear_line_and_writes_nothing(capsys, db, db_url):
    _broken_fleet(db)
    cli(capsys, "--db", db_url, "assignments", "fix")
    for raw in ("", " ", "%", "COOPER-2' OR 1=1", "COOPER-2%", "X" * 300):
        r = cli(capsys, "--db", db_url, "assignments", "release", raw)
        assert r.code == 2 and r.err.startswith("error: malformed ship symbol"), raw
        assert len(r.err.splitlines()) == 1
    with db.read() as session:
        assert session.execute(text("SELECT status FROM ship_assignments")).scalar() == "active"


def test_fix_exits_non_zero_on_a_row_it_cannot_read(capsys, db, db_url):
    with db.transaction() as uow:
        make_player(uow, player_id=1)
        bad = make_container(uow, 1, "COOPER-3").container_id
        uow.session.execute(text("UPDATE containers SET config = 'null' WHERE container_id = :c"), {"c": bad})
    result = cli(capsys, "--db", db_url, "--json", "assignments", "fix")
    assert result.code == 3
    assert sorted((a["action"], a["container_id"]) for a in result.json()["actions"]) == [
        ("assigned", bad), ("bad-row", bad)]
