"""The visualiser answers only loopback Host names (plus --allow-host), sends security headers,
checks the range of every numeric query parameter, and writes every error body as JSON."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from spacetraders.errors import ConfigError
from spacetraders.persistence.database import Database
from spacetraders.web.app import create_app
from spacetraders.web.security import allowed_hosts
from tests.web.conftest import SYSTEM, World

PAGES = ["/", "/static/map.js", "/static/map.css", "/api/players", f"/api/bot/tours/{SYSTEM}", "/openapi.json"]


def _client(app: object, host: str) -> TestClient:
    return TestClient(app, base_url=f"http://{host}", raise_server_exceptions=False)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:4000", "localhost", "LOCALHOST:4000", "[::1]:4000"])
def test_loopback_host_names_are_answered(world: World, host: str) -> None:
    response = _client(create_app(world.db, clock=world.clock), host).get("/api/players")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("host", ["evil.example", "evil.example:4000", "127.0.0.1.evil.example", "192.168.1.9"])
def test_other_host_names_are_refused_in_json(world: World, host: str) -> None:
    """A DNS-rebinding page reaches 127.0.0.1 under its own name: it gets nothing."""
    client = _client(create_app(world.db, clock=world.clock), host)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 400, (path, response.text)
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"detail": "Invalid host header"}
        assert "COOPER" not in response.text


def test_allow_host_extends_the_list(world: World) -> None:
    app = create_app(world.db, clock=world.clock, allowed_hosts=allowed_hosts(["fleet.lan", "*.example.org"]))
    assert _client(app, "fleet.lan:4000").get("/api/players").status_code == 200
    assert _client(app, "map.example.org").get("/api/players").status_code == 200
    assert _client(app, "127.0.0.1").get("/api/players").status_code == 200
    assert _client(app, "other.lan").get("/api/players").status_code == 400


def test_a_specific_bind_address_is_allowed_but_not_the_wildcard() -> None:
    assert "10.0.0.5" in allowed_hosts(bind_host="10.0.0.5")
    assert "[fd00::5]" in allowed_hosts(bind_host="fd00::5")
    assert allowed_hosts(bind_host="0.0.0.0") == allowed_hosts()


@pytest.mark.parametrize("bad", ["", "  ", "fleet.lan:4000", "http://fleet.lan", "*", "a*.lan", "two words"])
def test_bad_allow_host_values_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="invalid --allow-host"):
        allowed_hosts([bad])


def test_security_headers_on_every_response(world: World) -> None:
    client = world.client()
    for path in [*PAGES, "/api/systems/X1-NOPE"]:
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "no-referrer", path
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, path
        assert "unsafe-inline" not in csp and "cdn" not in csp, path
    # The interactive docs load Swagger UI from its CDN: allowed there, and only there.
    docs = client.get("/docs")
    assert docs.status_code == 200 and "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]


def _integer_query_parameters(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    found = []
    for path, methods in spec["paths"].items():
        for parameter in methods["get"].get("parameters", []):
            schema = parameter["schema"]
            kinds = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
            if parameter["in"] == "query" and "integer" in kinds:
                found.append((path.replace("{system}", SYSTEM), parameter["name"]))
    return found


@pytest.mark.parametrize("value", [str(2**63), str(2**31), "-1", "0", "1e3", "nan", "inf", "9" * 400])
def test_every_integer_query_parameter_has_a_range(world: World, value: str) -> None:
    client = world.client()
    parameters = _integer_query_parameters(client)
    assert {name for _, name in parameters} >= {"player_id", "limit"}
    for path, name in parameters:
        response = client.get(path, params={name: value})
        assert response.status_code == 422, (path, name, value, response.status_code, response.text[:200])
        assert "detail" in response.json()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nope", 404), ("POST", "/api/players", 405), ("DELETE", "/", 405), ("GET", "/static/nope.js", 404),
     ("GET", "/static/../app.py", 404)],
)
def test_error_bodies_are_json(world: World, method: str, path: str, status: int) -> None:
    response = world.client().request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json") and "detail" in response.json()


def test_an_internal_error_is_a_json_500_without_details(tmp_path: Path) -> None:
    broken = Database(f"sqlite:///{tmp_path / 'no-tables.db'}")  # never migrated: every query fails
    try:
        response = _client(create_app(broken), "127.0.0.1").get("/api/players")
    finally:
        broken.dispose()
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "internal server error (see the server's log)"}
    assert "no such table" not in response.text
