"""`spacetraders serve`: registered, binds loopback by default, prints the URL, serves the CLI's database."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from spacetraders.web import server
from tests.cli.helpers import cli
from tests.factories import make_player


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Capture what `serve` would run instead of blocking in uvicorn."""
    seen: dict[str, object] = {}

    def fake_serve(app: FastAPI, *, host: str, port: int) -> None:
        seen.update(app=app, host=host, port=port)

    monkeypatch.setattr(server, "serve", fake_serve)
    return seen


def test_serve_prints_the_url_and_serves_the_database(capsys, db, db_url, served) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        make_player(uow, "COOPER")

    result = cli(capsys, "--db", db_url, "serve", "--port", "4123")

    assert result.code == 0, result.err
    assert "http://127.0.0.1:4123/" in result.out
    assert (served["host"], served["port"]) == ("127.0.0.1", 4123)
    players = TestClient(served["app"]).get("/api/players").json()["players"]  # type: ignore[arg-type]
    assert [p["agent_symbol"] for p in players] == ["COOPER"]
    assert "tok-" not in result.out + result.err


def test_serve_json_and_non_loopback_warning(capsys, db_url, served) -> None:  # type: ignore[no-untyped-def]
    result = cli(capsys, "--db", db_url, "--json", "serve", "--host", "0.0.0.0", "--port", "4001")
    assert result.code == 0, result.err
    assert result.json()["url"] == "http://0.0.0.0:4001/"
    assert "not a loopback address" in result.err


@pytest.mark.parametrize("port", ["0", "70000", "abc"])
def test_serve_rejects_bad_ports_before_serving(capsys, db_url, served, port: str) -> None:  # type: ignore[no-untyped-def]
    result = cli(capsys, "--db", db_url, "serve", "--port", port)
    assert result.code != 0 and result.err.startswith("error:")
    assert served == {}
