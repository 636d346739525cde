"""A second daemon on one database gets one clear line (PostgreSQL: the `--another` hint)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from spacetraders.clock import utcnow
from spacetraders.persistence.models import Daemon
from tests.cli.helpers import cli


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("SPACETRADERS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SPACETRADERS_API_URL", "http://127.0.0.1:9/v2")  # never reached: refused first
    monkeypatch.delenv("SPACETRADERS_DATABASE_URL", raising=False)
    return tmp_path / "data"


def _live_daemon_elsewhere(db) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    with db.transaction() as uow:
        uow.session.add(Daemon(daemon_id="elsewhere-7-abc", hostname="elsewhere", pid=7, status="running",
                               started_at=now, heartbeat_at=now, lease_expires_at=now + timedelta(minutes=5)))


@pytest.mark.parametrize("command", ["start", "run"])
def test_a_second_daemon_is_refused_in_one_line(capsys, db, db_url, data_dir, command):
    _live_daemon_elsewhere(db)
    if command == "run" and not db.is_sqlite:
        pytest.skip("`daemon run` on PostgreSQL adds a daemon beside live ones")
    result = cli(capsys, "--db", db_url, "daemon", command)
    assert result.code == 1, result.err
    (line,) = result.err.strip().splitlines()
    assert line.startswith("error: daemon elsewhere-7-abc (pid 7 on elsewhere) is already running"), line
    assert ("--another" in line) == (not db.is_sqlite)
    assert "Detached" not in line
