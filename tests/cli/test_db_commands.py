from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.cli.helpers import cli


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPACETRADERS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SPACETRADERS_DATABASE_URL", raising=False)
    return tmp_path / "data"


def test_upgrade_then_current_on_both_databases(capsys, empty_db_url):
    up = cli(capsys, "--db", empty_db_url, "--json", "db", "upgrade")
    assert up.code == 0, up.err
    assert up.json()["from"] is None and up.json()["to"] == up.json()["head"]
    current = cli(capsys, "--db", empty_db_url, "--json", "db", "current")
    assert current.json()["up_to_date"] is True


def test_default_database_is_a_private_file_in_the_data_dir(capsys, data_dir):
    result = cli(capsys, "db", "upgrade")
    assert result.code == 0, result.err
    path = data_dir / "spacetraders.db"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("not a url", "malformed database URL"),
        ("mysql://u@h/db", "unsupported database"),
        ("postgresql://postgres@127.0.0.1:1/test", "cannot reach database"),
    ],
)
def test_bad_database_url_is_one_clear_line(capsys, url, needle, data_dir):
    result = cli(capsys, "--db", url, "db", "current")
    assert result.code != 0
    assert needle in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert "Traceback" not in result.err
    assert not (data_dir / "spacetraders.db").exists()


def test_password_never_shown(capsys):
    result = cli(capsys, "--db", "postgresql://u:hunter2@127.0.0.1:1/x", "db", "current")
    assert result.code != 0 and "hunter2" not in result.err


def test_unknown_option_is_one_line_without_traceback(capsys):
    result = cli(capsys, "--frobnicate", "db", "current")
    assert result.code == 2
    assert result.err.strip().startswith("error: No such option")
    assert len(result.err.strip().splitlines()) == 1


def test_traceback_only_with_verbose(capsys):
    result = cli(capsys, "-v", "--db", "not a url", "db", "current")
    assert result.code != 0
    assert "Traceback" in result.err
