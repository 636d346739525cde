"""POST /register, tokens and authentication errors."""

from __future__ import annotations

import pytest

from spacetraders.domain.navigation import system_of
from spacetraders.sim.agents import make_token
from tests.sim.helpers import error, harness


def test_register_gives_a_frigate_and_probes_docked_at_headquarters():
    h = harness(probes=3)
    data = h.register("Cooper", faction="cosmic")
    agent = data["agent"]
    assert agent["symbol"] == "COOPER" and agent["credits"] == 175_000
    assert agent["headquarters"] == h.sim.universe.headquarters and agent["shipCount"] == 4
    assert data["faction"]["symbol"] == "COSMIC" and data["contract"]["factionSymbol"] == "COSMIC"
    ships = data["ships"]
    assert [s["symbol"] for s in ships] == ["COOPER-1", "COOPER-2", "COOPER-3", "COOPER-4"]
    frigate, *probes = ships
    assert frigate["registration"]["role"] == "COMMAND"
    assert frigate["engine"]["speed"] == 36 and frigate["fuel"] == {"current": 400, "capacity": 400}
    for probe in probes:
        assert probe["registration"]["role"] == "SATELLITE"
        assert probe["engine"]["speed"] == 9 and probe["fuel"]["capacity"] == 0
    for ship in ships:
        nav = ship["nav"]
        assert nav["status"] == "DOCKED" and nav["waypointSymbol"] == agent["headquarters"]
        assert nav["systemSymbol"] == system_of(agent["headquarters"])
        assert nav["route"]["origin"] == nav["route"]["destination"]
    # the token is a three-part JWT-looking string that authenticates the new agent
    assert data["token"].count(".") == 2
    me = h.get("/my/agent").json()["data"]
    assert me["symbol"] == "COOPER" and me["shipCount"] == 4


def test_probes_per_agent_is_configurable():
    h = harness(probes=0)
    assert [s["registration"]["role"] for s in h.register()["ships"]] == ["COMMAND"]


def test_duplicate_symbol_same_account_4109_other_account_4111():
    h = harness()
    h.register("DUPE", account="one")
    same = h.client.post("/v2/register", json={"symbol": "dupe", "faction": "VOID"}, headers={"Authorization": "Bearer one"})
    other = h.client.post("/v2/register", json={"symbol": "DUPE", "faction": "VOID"}, headers={"Authorization": "Bearer two"})
    assert same.status_code == 409 and error(same)["code"] == 4109
    assert other.status_code == 409 and error(other)["code"] == 4111


@pytest.mark.parametrize(
    "body, field",
    [
        ({"symbol": "AB", "faction": "COSMIC"}, "symbol"),
        ({"symbol": "A" * 15, "faction": "COSMIC"}, "symbol"),
        ({"symbol": "BAD NAME", "faction": "COSMIC"}, "symbol"),
        ({"symbol": "DASH-ED", "faction": "COSMIC"}, "symbol"),
        ({"symbol": "GOODNAME", "faction": "NOBODY"}, "faction"),
        ({"faction": "COSMIC"}, "symbol"),
        ([], "body"),
    ],
)
def test_bad_registration_is_a_422_validation_error(body, field):
    h = harness()
    r = h.client.post("/v2/register", json=body, headers={"Authorization": "Bearer acct"})
    assert r.status_code == 422
    err = error(r)
    assert err["code"] == 422 and field in err["data"]


def test_register_needs_an_account_token():
    h = harness()
    r = h.client.post("/v2/register", json={"symbol": "NOAUTH", "faction": "COSMIC"})
    assert r.status_code == 401 and error(r)["code"] == 4103


def test_my_routes_need_a_valid_agent_token():
    h = harness()
    h.register()
    missing = h.client.get("/v2/my/agent")
    garbage = h.client.get("/v2/my/agent", headers={"Authorization": "Bearer not-a-token"})
    assert missing.status_code == 401 and error(missing)["code"] == 4103
    assert garbage.status_code == 401 and error(garbage)["code"] == 4104


def test_token_from_another_reset_is_401_with_expected_and_actual():
    h = harness()
    old = make_token("OLDTIMER", "2020-01-01", 0)
    r = h.client.get("/v2/my/ships", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401
    err = error(r)
    assert err["code"] == 401 and err["data"] == {"expected": h.sim.reset_date, "actual": "2020-01-01"}


def test_tokens_never_show_in_reprs_or_errors():
    h = harness()
    data = h.register("SECRETIVE")
    agent = h.sim.agents["SECRETIVE"]
    assert data["token"] not in repr(agent)
    assert data["token"] not in repr(h)
    r = h.post("/my/ships/SECRETIVE-1/navigate", json={"waypointSymbol": "X1-NOPE-A1"})
    assert data["token"] not in r.text


def test_status_route_is_not_wrapped_and_counts_agents():
    h = harness()
    h.register()
    body = h.client.get("/v2/").json()
    assert "data" not in body and body["resetDate"] == h.sim.reset_date
    assert body["stats"]["agents"] == 1 and body["stats"]["ships"] == 4
    assert body["stats"]["systems"] == 3 and body["serverResets"]["frequency"] == "weekly"
