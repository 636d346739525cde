"""Container commands act for one player and take id prefixes (both databases)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from spacetraders.application import containers as h
from spacetraders.clock import utcnow
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, ContainerLog
from tests.cli.helpers import cli
from tests.factories import make_player
from tests.invariants import check_invariants


@pytest.fixture
def two_players(db: Database) -> dict[str, str]:
    """COOPER runs a tour (with a log line) and has a finished one; HAWK has a finished one."""
    now = utcnow() - timedelta(minutes=5)
    with db.transaction() as uow:
        cooper = make_player(uow, "COOPER").player_id
        hawk = make_player(uow, "HAWK").player_id
        ids = {}
        for key, player_id, ship in (("cooper", cooper, "COOPER-2"), ("cooper_done", cooper, "COOPER-3"),
                                     ("hawk_done", hawk, "HAWK-1"), ("hawk", hawk, "HAWK-2")):
            c = h.create_container(uow, player_id=player_id, command_type="ScoutTourCommand",
                                   params={"ship_symbol": ship}, id_prefix=f"scout-tour-{ship}", now=now)
            h.claim_start(uow, c.container_id, daemon_id="d1", now=now)
            ids[key] = c.container_id
        for key in ("cooper_done", "hawk_done"):
            h.complete_container(uow, ids[key], daemon_id="d1", now=now)
        uow.session.add(ContainerLog(container_id=ids["cooper"], player_id=cooper, timestamp=now,
                                     level="INFO", message="cooper's secret route"))
    return ids


def _snapshot(db: Database) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.execute(select(Container.container_id, Container.status).order_by(Container.container_id)).all()
        logs = s.scalar(select(func.count()).select_from(ContainerLog))
    return [(r.container_id, r.status) for r in rows] + [("logs", str(logs))]


@pytest.mark.parametrize("command", ["stop", "restart", "remove", "inspect", "logs"])
def test_a_player_cannot_touch_another_players_container(capsys, db, db_url, two_players, command) -> None:  # type: ignore[no-untyped-def]
    before = _snapshot(db)
    for target in (two_players["cooper"], two_players["cooper_done"]):
        r = cli(capsys, "--db", db_url, "--player", "HAWK", "container", command, target)
        assert r.code != 0, (command, target)
        assert r.err == f"error: no container '{target}' of player HAWK\n"
        assert r.out == "" and "secret route" not in r.err
    assert _snapshot(db) == before  # nothing written


def test_the_owner_acts_on_its_own_containers_by_unique_prefix(capsys, db, db_url, two_players) -> None:  # type: ignore[no-untyped-def]
    running, done = two_players["cooper"], two_players["cooper_done"]
    logs = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "logs", running[:-6])
    assert logs.code == 0, logs.err
    assert logs.json()["container_id"] == running
    assert [line["message"] for line in logs.json()["logs"]] == ["cooper's secret route"]
    inspect = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "inspect", "scout-tour-cooper-3")
    assert inspect.code == 0 and inspect.json()["container_id"] == done
    stop = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "stop", "scout-tour-cooper-2")
    assert stop.code == 0 and stop.json()["container_id"] == running and stop.json()["status"] == "STOPPED"
    removed = cli(capsys, "--db", db_url, "--player", "COOPER", "container", "remove", "scout-tour-cooper-3")
    assert removed.code == 0 and removed.out.strip() == f"removed {done}"
    check_invariants(db)


def test_restart_by_prefix_reports_the_full_ids(capsys, db, db_url, two_players) -> None:  # type: ignore[no-untyped-def]
    r = cli(capsys, "--db", db_url, "--player", "HAWK", "--json", "container", "restart", "scout-tour-hawk-2")
    assert r.code == 0, r.err
    assert r.json()["container_id"] == two_players["hawk"]
    with db.read() as s:
        new = s.get(Container, r.json()["new_container_id"])
        assert new is not None and new.restarted_from == two_players["hawk"]
    check_invariants(db)


def test_an_ambiguous_prefix_names_the_candidates_and_changes_nothing(capsys, db, db_url, two_players) -> None:  # type: ignore[no-untyped-def]
    before = _snapshot(db)
    r = cli(capsys, "--db", db_url, "--player", "COOPER", "container", "stop", "scout-tour-cooper-")
    assert r.code == 2 and len(r.err.splitlines()) == 1
    first, second = sorted([two_players["cooper"], two_players["cooper_done"]])
    assert r.err == f"error: container id prefix 'scout-tour-cooper-' is ambiguous: {first}, {second}; give more characters\n"
    assert _snapshot(db) == before


@pytest.mark.parametrize("command", ["stop", "logs"])
def test_an_absurdly_long_id_is_one_short_line(capsys, db, db_url, two_players, command) -> None:  # type: ignore[no-untyped-def]
    # SQLite refuses LIKE patterns past 50,000 characters; ids are at most 128.
    r = cli(capsys, "--db", db_url, "--player", "COOPER", "container", command, "scout-tour-" + "x" * 100_000)
    assert r.code == 1 and len(r.err) < 200
    assert r.err == f"error: no container 'scout-tour-{'x' * 49}'... (100011 characters) of player COOPER\n"


def test_without_a_chosen_player_container_commands_refuse(capsys, db, db_url, two_players) -> None:  # type: ignore[no-untyped-def]
    for args in (["stop", two_players["cooper"]], ["logs", two_players["hawk"]], ["list"]):
        r = cli(capsys, "--db", db_url, "container", *args)
        assert r.code == 2 and r.err.startswith("error: no player chosen") and len(r.err.splitlines()) == 1, args


def test_the_default_player_and_the_environment_choose_the_player(capsys, db, db_url, two_players, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert cli(capsys, "--db", db_url, "player", "use", "HAWK").code == 0
    listed = cli(capsys, "--db", db_url, "--json", "container", "list", "--all")
    assert {c["agent_symbol"] for c in listed.json()["containers"]} == {"HAWK"}
    monkeypatch.setenv("SPACETRADERS_PLAYER", "COOPER")
    logs = cli(capsys, "--db", db_url, "--json", "container", "logs", "scout-tour-cooper-2")
    assert logs.code == 0 and logs.json()["container_id"] == two_players["cooper"]


def test_list_all_players_is_for_operators(capsys, db, db_url, two_players) -> None:  # type: ignore[no-untyped-def]
    everyone = cli(capsys, "--db", db_url, "--json", "container", "list", "--all", "--all-players")
    assert {c["container_id"] for c in everyone.json()["containers"]} == set(two_players.values())
    both = cli(capsys, "--db", db_url, "container", "list", "--player", "HAWK", "--all-players")
    assert both.code == 2 and both.err == "error: --player and --all-players exclude each other\n"


def test_a_fresh_database_lists_no_containers(capsys, db_url) -> None:  # type: ignore[no-untyped-def]
    r = cli(capsys, "--db", db_url, "--json", "container", "list")
    assert r.code == 0 and r.json() == {"containers": []}
