"""`spacetraders container ...` through the real entry point, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from spacetraders.application import containers as h
from spacetraders.cli import container as container_cli
from spacetraders.clock import utcnow
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import (
    Container,
    ContainerLog,
    Daemon,
    ShipAssignment,
)
from tests.cli.helpers import cli
from tests.factories import make_player
from tests.invariants import check_invariants

SHIP = "COOPER-2"


@pytest.fixture
def fleet(db: Database) -> dict[str, str]:
    """A running scout for COOPER-2, a finished one for COOPER-3, another player's starting one."""
    now = utcnow() - timedelta(minutes=10)
    with db.transaction() as uow:
        cooper = make_player(uow, "COOPER").player_id
        other = make_player(uow, "HAWK").player_id
        run = h.create_container(uow, player_id=cooper, command_type="ScoutTourCommand",
                                 params={"ship_symbol": SHIP, "markets": ["X1-A1", "X1-B2"], "api_token": "tok-leak"},
                                 id_prefix="scout-tour-cooper-2", now=now)
        h.claim_start(uow, run.container_id, daemon_id="d1", now=now)
        done = h.create_container(uow, player_id=cooper, command_type="ScoutTourCommand",
                                  params={"ship_symbol": "COOPER-3"}, id_prefix="scout-tour-cooper-3", now=now)
        h.claim_start(uow, done.container_id, daemon_id="d1", now=now)
        h.complete_container(uow, done.container_id, daemon_id="d1", now=now + timedelta(seconds=42))
        waiting = h.create_container(uow, player_id=other, command_type="SleepCommand",
                                     params={"ship_symbol": "HAWK-1"}, id_prefix="sleep-hawk-1", now=now)
        for i, (level, message) in enumerate([("DEBUG", "planning"), ("INFO", "docked at X1-A1"),
                                               ("WARNING", "slow market"), ("ERROR", "api 500")]):
            uow.session.add(ContainerLog(container_id=run.container_id, player_id=cooper,
                                         timestamp=now + timedelta(seconds=i), level=level, message=message))
    return {"running": run.container_id, "done": done.container_id, "waiting": waiting.container_id}


def _live_daemon(db: Database, daemon_id: str = "d1") -> None:
    now = utcnow()
    with db.transaction() as uow:
        uow.session.add(Daemon(daemon_id=daemon_id, hostname="h", pid=1, status="running", started_at=now,
                               heartbeat_at=now, lease_expires_at=now + timedelta(seconds=30)))


def _status(db: Database, cid: str) -> str:
    with db.read() as s:
        return s.scalar(select(Container.status).where(Container.container_id == cid)) or "missing"


# --------------------------------------------------------------------------- list


def test_list_shows_the_players_live_containers_by_default(capsys, db, db_url, fleet) -> None:  # type: ignore[no-untyped-def]
    r = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "list")
    assert r.code == 0, r.err
    rows = {c["container_id"]: c for c in r.json()["containers"]}
    assert set(rows) == {fleet["running"]}
    running = rows[fleet["running"]]
    assert (running["agent_symbol"], running["ship_symbol"], running["status"], running["daemon_id"]) == (
        "COOPER", SHIP, "RUNNING", "d1")
    assert 590 <= running["age_s"] <= 700


def test_list_all_status_and_player_filters(capsys, db, db_url, fleet) -> None:  # type: ignore[no-untyped-def]
    ids = lambda r: {c["container_id"] for c in r.json()["containers"]}  # noqa: E731
    assert ids(cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "list", "--all")) == {
        fleet["running"], fleet["done"]}
    assert ids(cli(capsys, "--db", db_url, "--json", "container", "list", "--all", "--all-players")) == set(fleet.values())
    assert ids(cli(capsys, "--db", db_url, "--json", "container", "list", "--all-players")) == {
        fleet["running"], fleet["waiting"]}
    done = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "list", "--status", "completed")
    assert ids(done) == {fleet["done"]} and done.json()["containers"][0]["age_s"] == 42
    assert ids(cli(capsys, "--db", db_url, "--json", "container", "list", "--all", "--player", "HAWK")) == {fleet["waiting"]}


def test_list_renders_a_table(capsys, db, db_url, fleet) -> None:  # type: ignore[no-untyped-def]
    r = cli(capsys, "--db", db_url, "--player", "COOPER", "container", "list")
    assert r.code == 0 and "RUNNING" in r.out and "COOPER" in r.out and "restarts" in r.out
    assert fleet["done"] not in r.out


def test_list_refuses_a_bad_status(capsys, db, db_url, fleet) -> None:  # type: ignore[no-untyped-def]
    r = cli(capsys, "--db", db_url, "--player", "COOPER", "container", "list", "--status", "SLEEPY")
    assert r.code != 0 and "unknown status 'SLEEPY'" in r.err and len(r.err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- inspect


def test_inspect_shows_config_history_lineage_and_assignment_without_tokens(capsys, db, db_url, fleet) -> None:  # type: ignore[no-untyped-def]
    old = fleet["running"]
    with db.transaction() as uow:
        new = h.fail_container(uow, old, daemon_id="d1", reason="ApiError 500", now=utcnow())
    assert new is not None
    r = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "inspect", old)
    assert r.code == 0, r.err
    info = r.json()
    assert info["status"] == "FAILED" and info["exit_reason"] == "ApiError 500" and info["exit_code"] == 1
    assert info["params"]["markets"] == ["X1-A1", "X1-B2"] and info["params"]["api_token"] == "***"
    assert [e["status"] for e in info["events"]] == ["STARTING", "RUNNING", "FAILED"]
    assert [(l["container_id"], l["current"]) for l in info["lineage"]] == [(old, True), (new.container_id, False)]
    assert info["assignment"]["container_id"] == new.container_id and not info["assignment"]["held_by_this"]
    assert info["restart_policy"] == "on-failure"
    # The same lineage seen from the newest run.
    newest = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "inspect", new.container_id).json()
    assert [l["container_id"] for l in newest["lineage"]] == [old, new.container_id]
    assert newest["assignment"]["held_by_this"] and newest["restarted_from"] == old
    human = cli(capsys, "--db", db_url, "--player", "COOPER", "container", "inspect", old)
    assert human.code == 0 and "Lineage" in human.out and "ApiError 500" in human.out
    for out in (r.out, human.out):
        assert "tok-leak" not in out and "tok-COOPER-secret" not in out


def test_unknown_ids_are_one_clear_line(capsys, db, db_url, fleet) -> None:  # type: ignore[no-untyped-def]
    for command in ("inspect", "logs", "stop", "restart", "remove"):
        r = cli(capsys, "--db", db_url, "--player", "COOPER", "container", command, "nope-123")
        assert r.code != 0, command
        assert r.err.strip() == "error: no container 'nope-123' of player COOPER", command


# --------------------------------------------------------------------------- logs


def test_logs_tail_and_level(capsys, db, db_url, fleet) -> None:  # type: ignore[no-untyped-def]
    cid = fleet["running"]
    every = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "logs", cid).json()["logs"]
    assert [l["message"] for l in every] == ["planning", "docked at X1-A1", "slow market", "api 500"]
    tail = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "logs", cid, "--tail", "2").json()["logs"]
    assert [l["message"] for l in tail] == ["slow market", "api 500"]
    warn = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "logs", cid, "--level", "warning").json()["logs"]
    assert [l["level"] for l in warn] == ["WARNING", "ERROR"]
    human = cli(capsys, "--db", db_url, "--player", "COOPER", "container", "logs", cid, "--level", "ERROR")
    assert "api 500" in human.out and "planning" not in human.out
    bad = cli(capsys, "--db", db_url, "--player", "COOPER", "container", "logs", cid, "--level", "LOUD")
    assert bad.code != 0 and "unknown log level" in bad.err


def test_logs_follow_prints_new_lines_until_the_container_ends(capsys, db, db_url, fleet, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cid = fleet["running"]
    polls: list[float] = []

    def one_poll_passes(seconds: float) -> None:
        """While `logs -f` waits, the container logs a line, then fails for good."""
        polls.append(seconds)
        with db.transaction() as uow:
            c = uow.containers.get(cid)
            assert c is not None
            uow.session.add(ContainerLog(container_id=cid, player_id=c.player_id, timestamp=utcnow(),
                                         level="INFO", message=f"poll {len(polls)}"))
            if len(polls) == 2:
                h.request_stop(uow, cid, now=utcnow())
                h.finish_stop(uow, cid, daemon_id="d1", now=utcnow())

    monkeypatch.setattr(container_cli, "_sleep", one_poll_passes)
    r = cli(capsys, "--db", db_url, "--player", "COOPER", "container", "logs", cid, "--follow", "--tail", "1")
    assert r.code == 0, r.err
    assert polls == [0.5, 0.5]
    lines = [l for l in r.out.splitlines() if l.strip()]
    assert [l.split(maxsplit=3)[-1] for l in lines[:3]] == ["api 500", "poll 1", "poll 2"]
    assert "is STOPPED" in lines[-1]


def test_logs_follow_of_a_finished_container_returns_at_once_as_a_json_stream(capsys, db, db_url, fleet, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(container_cli, "_sleep", lambda s: pytest.fail("no poll for a finished container"))
    r = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "logs", fleet["done"], "--follow")
    assert r.code == 0 and r.out == ""


# --------------------------------------------------------------------------- stop / restart / remove


def test_stop_with_a_live_daemon_asks_it_to_stop(capsys, db, db_url, fleet) -> None:  # type: ignore[no-untyped-def]
    _live_daemon(db)
    r = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "stop", fleet["running"])
    assert r.code == 0, r.err
    assert r.json()["status"] == "STOPPING" and r.json()["daemon_running"]
    assert _status(db, fleet["running"]) == "STOPPING"
    check_invariants(db)


def test_stop_when_its_daemon_is_gone_finishes_the_stop(capsys, db, db_url, fleet) -> None:  # type: ignore[no-untyped-def]
    r = cli(capsys, "--db", db_url, "--player", "COOPER", "container", "stop", fleet["running"])
    assert r.code == 0, r.err
    assert "stopped" in r.out and "released" in r.out
    assert _status(db, fleet["running"]) == "STOPPED"
    with db.read() as s:
        a = s.scalars(select(ShipAssignment).where(ShipAssignment.ship_symbol == SHIP)).one()
        assert a.status == "idle"
    again = cli(capsys, "--db", db_url, "--player", "COOPER", "container", "stop", fleet["running"])
    assert again.code != 0 and "already STOPPED" in again.err
    check_invariants(db)


def test_restart_without_a_daemon_says_the_work_is_queued(capsys, db, db_url, fleet) -> None:  # type: ignore[no-untyped-def]
    r = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "restart", fleet["running"])
    assert r.code == 0, r.err
    body = r.json()
    assert body["status"] == "STARTING" and not body["daemon_running"]
    assert "spacetraders daemon start" in body["message"]
    assert _status(db, fleet["running"]) == "STOPPED" and _status(db, body["new_container_id"]) == "STARTING"
    human = cli(capsys, "--db", db_url, "--player", "COOPER", "container", "restart", body["new_container_id"])
    assert "queued" in human.out and "spacetraders daemon start" in human.out
    check_invariants(db)


def test_restart_with_a_live_daemon_does_not_say_queued(capsys, db, db_url, fleet) -> None:  # type: ignore[no-untyped-def]
    _live_daemon(db, "d9")
    r = cli(capsys, "--db", db_url, "--player", "HAWK", "container", "restart", fleet["waiting"])
    assert r.code == 0 and "queued" not in r.out and "restarted" in r.out


def test_remove_refuses_live_and_removes_finished(capsys, db, db_url, fleet) -> None:  # type: ignore[no-untyped-def]
    refused = cli(capsys, "--db", db_url, "--player", "COOPER", "container", "remove", fleet["running"])
    assert refused.code != 0 and "stop it first" in refused.err
    assert _status(db, fleet["running"]) == "RUNNING"
    removed = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "remove", fleet["done"])
    assert removed.code == 0 and removed.json() == {"container_id": fleet["done"], "removed": True}
    assert _status(db, fleet["done"]) == "missing"
    check_invariants(db)


def test_stop_leaves_the_run_to_its_daemon_while_that_daemon_shuts_down(capsys, db, db_url, fleet) -> None:  # type: ignore[no-untyped-def]
    _live_daemon(db)
    with db.transaction() as uow:
        uow.session.execute(text("UPDATE daemons SET status = 'stopping' WHERE daemon_id = 'd1'"))
    r = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "stop", fleet["running"])
    assert r.code == 0, r.err
    assert r.json()["status"] == "STOPPING" and not r.json()["daemon_running"]
    assert _status(db, fleet["running"]) == "STOPPING"


def test_inspect_shows_the_run_s_progress_and_an_unsettled_money_step(capsys, db, db_url) -> None:  # type: ignore[no-untyped-def]
    from spacetraders.persistence.intents import open_intent
    from spacetraders.persistence.models import MoneyIntent
    from spacetraders.persistence.progress import save_progress

    now = utcnow()
    with db.transaction() as uow:
        cooper = make_player(uow, "COOPER").player_id
        run = h.create_container(uow, player_id=cooper, command_type="ContractCommand",
                                 params={"ship_symbol": SHIP, "run_id": "run-1"}, id_prefix="contract-cooper-2", now=now)
        save_progress(uow, cooper, "run-1", ship_symbol=SHIP, command_type="ContractCommand",
                      container_id=run.container_id, state={"phase": "buying", "bought": 20, "next_stop": "X1-B2"},
                      now=now)
        open_intent(uow, MoneyIntent(player_id=cooper, ship_symbol=SHIP, kind="purchase", good="IRON_ORE", units=10,
                                     waypoint_symbol="X1-A1", created_at=now))
    r = cli(capsys, "--db", db_url, "--player", "COOPER", "--json", "container", "inspect", run.container_id)
    assert r.code == 0, r.err
    info = r.json()
    assert info["progress"]["phase"] == "buying" and info["progress"]["next_stop"] == "X1-B2"
    assert info["open_money_step"]["kind"] == "purchase" and info["open_money_step"]["units"] == 10
    human = cli(capsys, "--db", db_url, "--player", "COOPER", "container", "inspect", run.container_id)
    assert "progress phase" in human.out and "unsettled step" in human.out and "IRON_ORE" in human.out
