"""Hostile settings and inputs: each is one line on stderr, a non-zero exit, and nothing written."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from spacetraders.persistence.database import Database
from spacetraders.persistence.migrations import HEAD_REVISION
from tests.cli.helpers import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("SPACETRADERS_DATABASE_URL", "SPACETRADERS_API_URL", "SPACETRADERS_PLAYER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPACETRADERS_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _one_line(result, code: int, needle: str) -> None:  # type: ignore[no-untyped-def]
    assert result.code == code, result.err
    assert needle in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1 and result.err.startswith("error: "), result.err
    assert "Traceback" not in result.err and result.out == ""


@pytest.mark.parametrize(
    ("variable", "value", "needle"),
    [
        ("SPACETRADERS_API_URL", "", "SPACETRADERS_API_URL is set but empty"),
        ("SPACETRADERS_API_URL", "  ", "SPACETRADERS_API_URL is set but empty"),
        ("SPACETRADERS_API_URL", "localhost:8000", "must be an http:// or https:// URL"),
        ("SPACETRADERS_API_URL", "ftp://example.com/v2", "must be an http:// or https:// URL"),
        ("SPACETRADERS_API_URL", "http://[::1", "not a valid URL"),
        ("SPACETRADERS_API_URL", "http://example.com:99999/v2", "not a valid URL"),
        ("SPACETRADERS_API_URL", "http:///v2", "must be an http:// or https:// URL"),
        ("SPACETRADERS_DATABASE_URL", "", "SPACETRADERS_DATABASE_URL is set but empty"),
        ("SPACETRADERS_PLAYER", "", "SPACETRADERS_PLAYER is set but empty"),
        ("SPACETRADERS_DATA_DIR", "", "SPACETRADERS_DATA_DIR is set but empty"),
    ],
)
def test_empty_or_malformed_settings_never_fall_back_to_a_default(capsys, monkeypatch, data_dir, variable, value,
                                                                  needle):
    monkeypatch.setenv(variable, value)
    _one_line(cli(capsys, "player", "list"), 2, needle)
    assert not data_dir.exists() or not (data_dir / "spacetraders.db").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--db", ""], "--db is empty"),
        (["--db", " "], "--db is empty"),
        (["--player", ""], "--player is empty"),
        (["--db", "postgresql://::::"], "malformed database URL"),
        (["--db", "postgresql://:@:/"], "malformed database URL"),
        (["--db", "postgresql://u:hunter2@db:port/fleet"], "malformed database URL 'postgresql://u:***@db:port/fleet'"),
        (["--db", "sqlite:///"], "needs a file path"),
        (["--db", "sqlite://"], "needs a file path"),
        (["--db", "sqlite:///:memory:"], "needs a file path"),
        (["--db", "sqlite+aiosqlite:///x.db"], "unsupported SQLite driver"),
    ],
)
def test_bad_global_options(capsys, data_dir, args, needle):
    result = cli(capsys, *args, "player", "list")
    _one_line(result, 2, needle)
    assert "hunter2" not in result.err
    assert not (data_dir / "spacetraders.db").exists()


def test_the_data_dir_must_be_a_directory(capsys, monkeypatch, tmp_path):
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("SPACETRADERS_DATA_DIR", str(tmp_path / "file"))
    _one_line(cli(capsys, "player", "list"), 2, "is not a directory")


@pytest.mark.parametrize("content", [b"this is not a database\n" * 10, bytes(range(256)) * 20])
def test_a_file_that_is_not_a_database(capsys, tmp_path, content):
    path = tmp_path / "fleet.db"
    path.write_bytes(content)
    for command in (["player", "list"], ["db", "current"], ["db", "upgrade"], ["reconcile"]):
        _one_line(cli(capsys, "--db", f"sqlite:///{path}", *command), 1, f"{path} is not a usable SQLite database")
    assert path.read_bytes() == content


def _set_revision(db: Database, revision: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def test_a_schema_newer_than_the_code_says_so(capsys, db, db_url):
    _set_revision(db, "9999")
    try:
        for command in (["player", "list"], ["db", "current"], ["db", "upgrade"], ["reconcile"], ["container", "list"]):
            result = cli(capsys, "--db", db_url, *command)
            _one_line(result, 1, f"database schema is at revision 9999, newer than this version of spacetraders "
                                 f"knows (its newest is {HEAD_REVISION})")
            assert "db upgrade" not in result.err
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"
    finally:  # the PostgreSQL schema is shared by the session's tests
        _set_revision(db, HEAD_REVISION)


def test_an_unknown_target_revision_is_one_line(capsys, empty_db_url):
    _one_line(cli(capsys, "--db", empty_db_url, "db", "upgrade", "0099"), 1, "cannot upgrade the database to '0099'")
    with Database(empty_db_url).engine.connect() as connection:  # nothing was created
        from sqlalchemy import inspect

        assert not inspect(connection).has_table("players")


def test_an_unreachable_game_server_is_one_line_after_one_quick_retry(capsys, db_url, monkeypatch):
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("SPACETRADERS_API_URL", f"http://127.0.0.1:{port}/v2")
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("some-agent-token\n"))
    result = cli(capsys, "--db", db_url, "player", "add")
    _one_line(result, 1, f"cannot reach the SpaceTraders API at http://127.0.0.1:{port}/v2 after 2 attempt(s)")
    assert "some-agent-token" not in result.err


def _spawn(args: list[str], tmp_path: Path, **env: str) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SPACETRADERS_")}
    environment |= {"PYTHONPATH": str(ROOT), "SPACETRADERS_DATA_DIR": str(tmp_path / "data"), **env}
    return subprocess.Popen([sys.executable, "-c", "from spacetraders.cli.main import entry; entry()", *args],
                            env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_ctrl_c_during_a_request_prints_interrupted_and_exits_130(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        port = silent.getsockname()[1]
        child = _spawn(["player", "add"], tmp_path, SPACETRADERS_API_URL=f"http://127.0.0.1:{port}/v2")
        try:
            assert child.stdin is not None
            child.stdin.write("some-agent-token\n")
            child.stdin.close()  # the token is read up to end of input
            child.stdin = None
            silent.settimeout(60)
            connection, _ = silent.accept()  # the request is under way
            child.send_signal(signal.SIGINT)
            out, err = child.communicate(timeout=60)
            connection.close()
        finally:
            if child.poll() is None:
                child.kill()
    assert child.returncode == 130 and err == "interrupted\n" and out == ""


def test_ctrl_c_stops_serve_with_interrupted_and_130(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    child = _spawn(["serve", "--port", str(port)], tmp_path)
    try:
        assert child.stdout is not None
        assert "visualiser on" in child.stdout.readline()
        socket.create_connection(("127.0.0.1", port), timeout=30).close()  # it does listen
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130 and err.endswith("interrupted\n") and "Traceback" not in err


@pytest.mark.parametrize(("args", "needle"), [
    (["playr", "list"], "No such command 'playr'. Did you mean 'player'?"),
    (["reconcil"], "Did you mean 'reconcile'?"),
    (["player", "lst"], "No such command 'lst'. Did you mean 'list'?"),
])
def test_a_mistyped_command_gets_a_suggestion(capsys, args, needle):
    _one_line(cli(capsys, *args), 2, needle)
