"""`spacetraders serve`: registered, binds loopback by default, prints the URL, serves the CLI's database."""

from __future__ import annotations

import socket

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from spacetraders.web import server
from tests.cli.helpers import cli
from tests.factories import make_player
from tests.simserver import free_port


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Capture what `serve` would run instead of blocking in uvicorn."""
    seen: dict[str, object] = {}

    def fake_serve(app: FastAPI, sock: socket.socket, **options: object) -> None:
        host, port = sock.getsockname()[:2]
        sock.close()
        seen.update(app=app, host=host, port=port)

    monkeypatch.setattr(server, "serve", fake_serve)
    return seen


def test_serve_prints_the_url_and_serves_the_database(capsys, db, db_url, served) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        make_player(uow, "COOPER")

    port = free_port()
    result = cli(capsys, "--db", db_url, "serve", "--port", str(port))

    assert result.code == 0, result.err
    assert f"http://127.0.0.1:{port}/" in result.out
    assert (served["host"], served["port"]) == ("127.0.0.1", port)
    client = TestClient(served["app"], base_url=f"http://127.0.0.1:{port}")  # type: ignore[arg-type]
    players = client.get("/api/players").json()["players"]
    assert [p["agent_symbol"] for p in players] == ["COOPER"]
    assert "tok-" not in result.out + result.err


def test_serve_json_and_non_loopback_warning(capsys, db_url, served) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    result = cli(capsys, "--db", db_url, "--json", "serve", "--host", "0.0.0.0", "--port", str(port))
    assert result.code == 0, result.err
    assert result.json()["url"] == f"http://0.0.0.0:{port}/"
    assert "not a loopback address" in result.err


@pytest.mark.parametrize("port", ["0", "70000", "abc"])
def test_serve_rejects_bad_ports_before_serving(capsys, db_url, served, port: str) -> None:  # type: ignore[no-untyped-def]
    result = cli(capsys, "--db", db_url, "serve", "--port", port)
    assert result.code != 0 and result.err.startswith("error:")
    assert served == {}


def test_a_busy_port_is_one_line_before_any_url(capsys, db_url, served) -> None:  # type: ignore[no-untyped-def]
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = cli(capsys, "--db", db_url, "serve", "--port", str(port))
    assert result.code == 2 and result.out == ""
    assert result.err == f"error: port {port} on 127.0.0.1 is already in use: stop what uses it or pick another --port\n"
    assert served == {}


@pytest.mark.parametrize(("args", "needle"), [
    (["--host", "no-such-host.invalid"], "cannot listen on 'no-such-host.invalid'"),
    (["--allow-host", "fleet.lan:4000"], "invalid --allow-host"),
])
def test_bad_host_options_are_one_line(capsys, db_url, served, args, needle) -> None:  # type: ignore[no-untyped-def]
    result = cli(capsys, "--db", db_url, "serve", "--port", str(free_port()), *args)
    assert result.code == 2 and needle in result.err and len(result.err.splitlines()) == 1
    assert result.out == "" and served == {}


def test_allow_host_reaches_the_app(capsys, db_url, served) -> None:  # type: ignore[no-untyped-def]
    result = cli(capsys, "--db", db_url, "--json", "serve", "--port", str(free_port()), "--allow-host", "Fleet.LAN")
    assert result.code == 0, result.err
    assert "fleet.lan" in result.json()["allowed_hosts"]
    app = served["app"]
    assert TestClient(app, base_url="http://fleet.lan").get("/api/players").status_code == 200  # type: ignore[arg-type]
    assert TestClient(app, base_url="http://other.lan").get("/api/players").status_code == 400  # type: ignore[arg-type]
