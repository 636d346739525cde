"""Buying ships (ECONOMY.md §14): listing prices, POST /my/ships, price rise per sale."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spacetraders.sim.ship_templates import TEMPLATES
from tests.sim.helpers import Harness, error, harness
from tests.sim.trade_helpers import system_of

PROBE = "YRD-2"


def _setup(**kw) -> tuple[Harness, str]:
    h = harness(**kw)
    h.register("YRD")
    return h, h.sim.universe.headquarters


def _yard(h: Harness, wp: str, **kw) -> dict:
    r = h.get(f"/systems/{system_of(wp)}/waypoints/{wp}/shipyard", **kw)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def _price(h: Harness, wp: str, ship_type: str) -> int:
    return next(s["purchasePrice"] for s in _yard(h, wp)["ships"] if s["type"] == ship_type)


def test_buying_a_ship_charges_the_listed_price_docks_it_at_the_yard_and_lifts_the_price():
    h, hq = _setup()
    agent = h.sim.agents["YRD"]
    price = _price(h, hq, "SHIP_LIGHT_SHUTTLE")
    credits, fleet = agent.credits, len(agent.ships)
    r = h.post("/my/ships", json={"shipType": "SHIP_LIGHT_SHUTTLE", "waypointSymbol": hq})
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["agent"]["credits"] == credits - price and data["agent"]["shipCount"] == fleet + 1
    tx = data["transaction"]
    assert tx == {**tx, "waypointSymbol": hq, "shipType": "SHIP_LIGHT_SHUTTLE", "shipSymbol": "SHIP_LIGHT_SHUTTLE",
                  "price": price, "agentSymbol": "YRD"}
    ship = data["ship"]
    template = TEMPLATES["SHIP_LIGHT_SHUTTLE"]
    assert ship["symbol"] == f"YRD-{fleet + 1:X}"
    assert ship["nav"]["waypointSymbol"] == hq and ship["nav"]["status"] == "DOCKED"
    assert ship["frame"]["symbol"] == template.frame and ship["engine"]["symbol"] == template.engine
    assert [m["symbol"] for m in ship["modules"]] == list(template.modules)
    assert ship["fuel"]["current"] == ship["fuel"]["capacity"] == template.fuel_capacity
    assert ship["cargo"] == {"capacity": template.cargo_capacity, "units": 0, "inventory": []}
    assert h.get(f"/my/ships/{ship['symbol']}").json()["data"]["symbol"] == ship["symbol"]
    assert abs(_price(h, hq, "SHIP_LIGHT_SHUTTLE") - price * 1.025) <= 1
    assert _yard(h, hq)["transactions"] == [tx]
    h.post("/my/ships", json={"shipType": "SHIP_LIGHT_SHUTTLE", "waypointSymbol": hq})
    assert abs(_price(h, hq, "SHIP_LIGHT_SHUTTLE") - price * 1.025**2) <= 2
    h.clock.advance(timedelta(days=10).total_seconds())  # the rise wears off
    assert abs(_price(h, hq, "SHIP_LIGHT_SHUTTLE") - price) <= 1


def test_ship_purchase_errors_change_nothing():
    h, hq = _setup()
    agent = h.sim.agents["YRD"]
    credits, fleet = agent.credits, len(agent.ships)
    other_yard = next(w.symbol for w in h.sim.universe.waypoints.values() if w.shipyard and w.symbol != hq)
    not_sold = next(t for t in TEMPLATES if t not in h.sim.universe.waypoints[hq].shipyard)
    no_yard = next(w.symbol for w in h.sim.universe.systems[system_of(hq)].waypoints if w.shipyard is None)
    cases = [
        ({"shipType": "SHIP_PROBE", "waypointSymbol": other_yard}, 400, 4245),
        ({"shipType": not_sold, "waypointSymbol": hq}, 400, 400),
        ({"shipType": "SHIP_PROBE", "waypointSymbol": no_yard}, 404, 404),
        ({"shipType": "SHIP_PROBE", "waypointSymbol": "X1-NOPE-A1"}, 404, 404),
        ({"shipType": "SHIP_PROBE"}, 422, 422),
        ({"waypointSymbol": hq}, 422, 422),
    ]
    for body, status, code in cases:
        r = h.post("/my/ships", json=body)
        assert r.status_code == status and error(r)["code"] == code, (body, r.text)
    agent.credits = 100
    r = h.post("/my/ships", json={"shipType": "SHIP_PROBE", "waypointSymbol": hq})
    assert r.status_code == 400 and error(r)["code"] == 4216
    assert error(r)["data"] == {"creditsAvailable": 100, "creditsNeeded": _price(h, hq, "SHIP_PROBE")}
    assert agent.credits == 100 and len(agent.ships) == fleet and credits > 100


@pytest.mark.parametrize("present", [True, False])
def test_listing_shows_ships_and_transactions_only_with_a_ship_present(present):
    h, hq = _setup()
    yard = _yard(h, hq, headers=h.auth if present else {})
    assert {t["type"] for t in yard["shipTypes"]} == set(h.sim.universe.waypoints[hq].shipyard)
    assert yard["modificationsFee"] == 100
    assert ("ships" in yard) == present and ("transactions" in yard) == present
