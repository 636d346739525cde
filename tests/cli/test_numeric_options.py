"""Hostile numbers on the command line: one `error:` line, exit 2, nothing written (both databases)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from spacetraders.application import containers as h
from spacetraders.clock import utcnow
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import ContainerLog, Daemon
from spacetraders.supervisor import process
from tests.cli.helpers import Result, cli
from tests.factories import make_player

HUGE = "1" + "0" * 23  # past 64 bits
HOSTILE_FLOATS = ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", HUGE, "-1", "0", "", "seven"]


def _usage_error(r: Result, option: str) -> None:
    assert r.code == 2, r
    assert r.out == ""
    assert r.err.startswith(f"error: Invalid value for '{option}'") and len(r.err.splitlines()) == 1, r.err


@pytest.fixture
def running_with_logs(db: Database) -> str:
    """A running container of COOPER with one fresh and one 10-day-old log line."""
    now = utcnow()
    with db.transaction() as uow:
        player_id = make_player(uow, "COOPER").player_id
        c = h.create_container(uow, player_id=player_id, command_type="ScoutTourCommand",
                               params={"ship_symbol": "COOPER-2"}, id_prefix="scout-tour-cooper-2", now=now)
        h.claim_start(uow, c.container_id, daemon_id="d1", now=now)
        for age in (timedelta(0), timedelta(days=10)):
            uow.session.add(ContainerLog(container_id=c.container_id, player_id=player_id, timestamp=now - age,
                                         level="INFO", message=f"{age.days} days old"))
    return c.container_id


def _log_count(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(ContainerLog)) or 0)


@pytest.mark.parametrize("value", HOSTILE_FLOATS + ["0.5", "3651"])
def test_reconcile_refuses_a_meaningless_log_retention_and_prunes_nothing(capsys, db, db_url, running_with_logs, value) -> None:  # type: ignore[no-untyped-def]
    r = cli(capsys, "--db", db_url, "reconcile", "--log-retention-days", value)
    _usage_error(r, "--log-retention-days")
    assert _log_count(db) == 2


def test_reconcile_with_a_sane_retention_prunes_only_old_lines(capsys, db, db_url, running_with_logs) -> None:  # type: ignore[no-untyped-def]
    r = cli(capsys, "--db", db_url, "--json", "reconcile", "--log-retention-days", "1")
    assert r.code == 0, r.err
    assert r.json()["logs_pruned"] == 1 and _log_count(db) == 1


@pytest.mark.parametrize("value", ["inf", "nan", "0", HUGE])
def test_reconcile_refuses_a_hostile_stale_after(capsys, db_url, value) -> None:  # type: ignore[no-untyped-def]
    _usage_error(cli(capsys, "--db", db_url, "reconcile", "--stale-after", value), "--stale-after")


@pytest.mark.parametrize("value", [HUGE, "-1", "1e3", "nan", "2.5", "9" * 5000])
def test_logs_tail_must_be_a_small_whole_number(capsys, db_url, running_with_logs, value) -> None:  # type: ignore[no-untyped-def]
    r = cli(capsys, "--db", db_url, "container", "logs", running_with_logs, "--tail", value)
    _usage_error(r, "--tail")
    assert len(r.err) < 200  # a 5000-digit argument is not echoed in full


def test_logs_tail_zero_is_no_past_lines(capsys, db_url, running_with_logs) -> None:  # type: ignore[no-untyped-def]
    r = cli(capsys, "--db", db_url, "--json", "container", "logs", running_with_logs, "--tail", "0")
    assert r.code == 0 and r.json()["logs"] == []


@pytest.mark.parametrize("value", [HUGE, "0", "-5", "nan", "inf", "1.5"])
def test_market_list_stale_after_has_a_range(capsys, db_url, value) -> None:  # type: ignore[no-untyped-def]
    _usage_error(cli(capsys, "--db", db_url, "market", "list", "--system", "X1-TS98", "--stale-after", value),
                 "--stale-after")


@pytest.mark.parametrize("ident", ["1" + "0" * 26, str(2**63), str(2**64), "²", "١٢", "-1", "0"])
def test_a_player_id_past_64_bits_is_just_no_player(capsys, db, db_url, running_with_logs, ident) -> None:  # type: ignore[no-untyped-def]
    for args in (["--player", ident, "container", "list"], ["container", "list", "--player", ident],
                 ["player", "use", "--", ident]):
        r = cli(capsys, "--db", db_url, *args)
        assert r.code == 1, (args, r)
        assert r.err == f"error: no player {ident!r} (see `spacetraders player list`)\n", args


@pytest.mark.parametrize(
    "option,value",
    [("--lease", "nan"), ("--lease", "inf"), ("--lease", "0"), ("--heartbeat", "nan"), ("--heartbeat", "-1"),
     ("--poll", "0"), ("--poll", "inf"), ("--grace", "-1"), ("--grace", "nan"), ("--timeout", "inf"),
     ("--timeout", "0"), ("--lease", HUGE)],
)
def test_daemon_start_refuses_hostile_intervals_before_starting_anything(capsys, db, db_url, monkeypatch, option, value) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(process, "start_detached", lambda *a, **k: pytest.fail("a daemon was started"))
    _usage_error(cli(capsys, "--db", db_url, "daemon", "start", option, value), option)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Daemon)) == 0


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_daemon_stop_refuses_a_hostile_timeout(capsys, db_url, value) -> None:  # type: ignore[no-untyped-def]
    _usage_error(cli(capsys, "--db", db_url, "daemon", "stop", "--timeout", value), "--timeout")


@pytest.mark.parametrize(
    "option,value",
    [("--probes", HUGE), ("--probes", "-1"), ("--probes", "1001"), ("--time-scale", "nan"), ("--time-scale", "inf"),
     ("--time-scale", "0"), ("--time-scale", "1e7"), ("--seed", HUGE), ("--seed", "-1"), ("--seed", "nan"),
     ("--port", "0"), ("--port", "65536"), ("--port", HUGE)],
)
def test_sim_serve_refuses_hostile_numbers_before_serving(capsys, monkeypatch, option, value) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("the simulator started serving"))
    _usage_error(cli(capsys, "sim", "serve", option, value), option)
