"""The orbit/dock/navigate status machine, its error codes, timing, fuel and refuel."""

from __future__ import annotations

import math
from datetime import datetime
from email.utils import parsedate_to_datetime

import pytest

from spacetraders.domain.navigation import FlightMode, distance, fuel_cost, travel_time
from tests.sim.helpers import Harness, error, harness

FRIGATE = "NAV-1"
PROBE = "NAV-2"


def _parse(ts: str) -> datetime:
    assert ts.endswith("Z") and len(ts.split(".")[-1]) == 4, f"ISO with milliseconds and Z: {ts}"
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _setup(time_scale: float = 1.0) -> Harness:
    h = harness(time_scale=time_scale)
    h.register("NAV")
    return h


def _market_targets(h: Harness, ship: str) -> list[str]:
    """Other markets of the ship's system within a frigate's tank (350), nearest first."""
    here = h.sim.universe.waypoints[h.get(f"/my/ships/{ship}/nav").json()["data"]["waypointSymbol"]]
    system = h.sim.universe.systems[here.system_symbol]
    others = [w for w in system.waypoints if w.market and w.point != here.point and distance(here.point, w.point) <= 350]
    return [w.symbol for w in sorted(others, key=lambda w: distance(here.point, w.point))]


def test_orbit_and_dock_are_idempotent():
    h = _setup()
    for _ in range(2):
        r = h.post(f"/my/ships/{FRIGATE}/orbit")
        assert r.status_code == 200 and r.json()["data"]["nav"]["status"] == "IN_ORBIT"
    for _ in range(2):
        r = h.post(f"/my/ships/{FRIGATE}/dock")
        assert r.status_code == 200 and r.json()["data"]["nav"]["status"] == "DOCKED"


def test_navigate_from_dock_is_4236_and_to_current_waypoint_is_4204():
    h = _setup()
    target = _market_targets(h, FRIGATE)[0]
    docked = h.post(f"/my/ships/{FRIGATE}/navigate", json={"waypointSymbol": target})
    assert docked.status_code == 400 and error(docked)["code"] == 4236
    h.post(f"/my/ships/{FRIGATE}/orbit")
    here = h.sim.universe.headquarters
    same = h.post(f"/my/ships/{FRIGATE}/navigate", json={"waypointSymbol": here})
    assert same.status_code == 400 and error(same)["code"] == 4204


def test_navigate_outside_system_4202_unknown_waypoint_404_bad_body_422():
    h = _setup()
    h.post(f"/my/ships/{FRIGATE}/orbit")
    systems = list(h.sim.universe.systems.values())
    elsewhere = systems[1].waypoints[0].symbol
    r = h.post(f"/my/ships/{FRIGATE}/navigate", json={"waypointSymbol": elsewhere})
    assert r.status_code == 400 and error(r)["code"] == 4202
    r = h.post(f"/my/ships/{FRIGATE}/navigate", json={"waypointSymbol": f"{systems[0].symbol}-ZZ999"})
    assert r.status_code == 404 and error(r)["code"] == 404
    r = h.post(f"/my/ships/{FRIGATE}/navigate", json={})
    assert r.status_code == 422 and "waypointSymbol" in error(r)["data"]
    r = h.post("/my/ships/NAV-99/orbit")
    assert r.status_code == 404


def test_navigate_uses_the_shared_formulas_and_deducts_fuel():
    h = _setup()
    target = _market_targets(h, FRIGATE)[-1]
    h.post(f"/my/ships/{FRIGATE}/orbit")
    r = h.post(f"/my/ships/{FRIGATE}/navigate", json={"waypointSymbol": target})
    assert r.status_code == 200
    data = r.json()["data"]
    here = h.sim.universe.waypoints[h.sim.universe.headquarters]
    there = h.sim.universe.waypoints[target]
    d = distance(here.point, there.point)
    route = data["nav"]["route"]
    seconds = (_parse(route["arrival"]) - _parse(route["departureTime"])).total_seconds()
    assert seconds == travel_time(d, 36, FlightMode.CRUISE)
    assert _parse(route["departureTime"]) == h.clock.now()
    assert data["nav"]["status"] == "IN_TRANSIT" and data["nav"]["waypointSymbol"] == target
    assert route["origin"]["symbol"] == here.symbol and route["destination"]["symbol"] == target
    assert data["fuel"]["consumed"]["amount"] == fuel_cost(d, FlightMode.CRUISE, 400)
    assert data["fuel"]["current"] == 400 - fuel_cost(d, FlightMode.CRUISE, 400)
    assert data["events"] == []


def test_burn_mode_doubles_fuel_and_halves_the_time_probe_uses_no_fuel():
    h = _setup()
    target = _market_targets(h, FRIGATE)[0]
    patched = h.patch(f"/my/ships/{FRIGATE}/nav", json={"flightMode": "BURN"})
    assert patched.status_code == 200 and patched.json()["data"]["nav"]["flightMode"] == "BURN"
    assert h.patch(f"/my/ships/{FRIGATE}/nav", json={"flightMode": "WARP9"}).status_code == 422
    for ship in (FRIGATE, PROBE):
        h.post(f"/my/ships/{ship}/orbit")
    frigate = h.post(f"/my/ships/{FRIGATE}/navigate", json={"waypointSymbol": target}).json()["data"]
    probe = h.post(f"/my/ships/{PROBE}/navigate", json={"waypointSymbol": target}).json()["data"]
    d = distance(h.sim.universe.waypoints[h.sim.universe.headquarters].point, h.sim.universe.waypoints[target].point)
    assert frigate["fuel"]["consumed"]["amount"] == 2 * round(d)
    route = frigate["nav"]["route"]
    assert (_parse(route["arrival"]) - _parse(route["departureTime"])).total_seconds() == travel_time(d, 36, FlightMode.BURN)
    assert probe["fuel"] == {"current": 0, "capacity": 0, "consumed": probe["fuel"]["consumed"]}
    assert probe["fuel"]["consumed"]["amount"] == 0
    route = probe["nav"]["route"]
    assert (_parse(route["arrival"]) - _parse(route["departureTime"])).total_seconds() == travel_time(d, 9)


def test_insufficient_fuel_is_4203():
    h = _setup()
    target = _market_targets(h, FRIGATE)[-1]
    h.sim.agents["NAV"].ships[FRIGATE].fuel = 1
    h.post(f"/my/ships/{FRIGATE}/orbit")
    r = h.post(f"/my/ships/{FRIGATE}/navigate", json={"waypointSymbol": target})
    assert r.status_code == 400
    err = error(r)
    assert err["code"] == 4203 and err["data"]["fuelAvailable"] == 1 and err["data"]["fuelRequired"] > 1


def test_in_transit_actions_are_4214_then_arrival_is_lazy():
    h = _setup()
    target = _market_targets(h, PROBE)[0]
    h.post(f"/my/ships/{PROBE}/orbit")
    nav = h.post(f"/my/ships/{PROBE}/navigate", json={"waypointSymbol": target}).json()["data"]["nav"]
    total = (_parse(nav["route"]["arrival"]) - h.clock.now()).total_seconds()
    h.clock.advance(10)
    for method, path, body in [
        ("post", "dock", None), ("post", "orbit", None), ("post", "navigate", {"waypointSymbol": target}),
        ("post", "refuel", None),
    ]:
        r = getattr(h, method)(f"/my/ships/{PROBE}/{path}", json=body)
        assert r.status_code == 400, path
        err = error(r)
        assert err["code"] == 4214 and err["data"]["secondsToArrival"] == math.ceil(total - 10)
        assert err["data"]["destinationSymbol"] == target
    h.clock.advance(total - 10 - 0.001)
    r = h.get(f"/my/ships/{PROBE}/nav")
    assert r.json()["data"]["status"] == "IN_TRANSIT"
    # clients sleep until arrival by the server's Date header, which follows the sim clock
    assert parsedate_to_datetime(r.headers["date"]) == h.clock.now().replace(microsecond=0)
    h.clock.advance(0.001)
    nav = h.get(f"/my/ships/{PROBE}/nav").json()["data"]
    assert nav["status"] == "IN_ORBIT" and nav["waypointSymbol"] == target
    assert h.post(f"/my/ships/{PROBE}/dock").json()["data"]["nav"]["status"] == "DOCKED"


def test_time_scale_shortens_real_durations():
    h = _setup(time_scale=100)
    target = _market_targets(h, PROBE)[-1]
    h.post(f"/my/ships/{PROBE}/orbit")
    route = h.post(f"/my/ships/{PROBE}/navigate", json={"waypointSymbol": target}).json()["data"]["nav"]["route"]
    d = distance(h.sim.universe.waypoints[h.sim.universe.headquarters].point, h.sim.universe.waypoints[target].point)
    real = (_parse(route["arrival"]) - _parse(route["departureTime"])).total_seconds()
    assert real == pytest.approx(travel_time(d, 9) / 100, abs=0.001)
    h.clock.advance(real)
    assert h.get(f"/my/ships/{PROBE}").json()["data"]["nav"]["status"] == "IN_ORBIT"
    assert (h.sim.game_now() - h.sim.started_at).total_seconds() == pytest.approx(real * 100)


def test_refuel_rules_and_price():
    h = _setup()
    hq = h.sim.universe.headquarters
    ship = h.sim.agents["NAV"].ships[FRIGATE]
    ship.fuel = 150
    h.post(f"/my/ships/{FRIGATE}/orbit")
    r = h.post(f"/my/ships/{FRIGATE}/refuel")
    assert r.status_code == 400 and error(r)["code"] == 4244
    h.post(f"/my/ships/{FRIGATE}/dock")
    assert h.post(f"/my/ships/{FRIGATE}/refuel", json={"units": 0}).status_code == 422
    price = h.sim.markets[hq].purchase_price("FUEL", h.sim.game_now())
    r = h.post(f"/my/ships/{FRIGATE}/refuel", json={"units": 120})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["fuel"]["current"] == 270
    assert data["transaction"]["units"] == 2 and data["transaction"]["pricePerUnit"] == price
    assert data["transaction"]["totalPrice"] == 2 * price
    assert data["agent"]["credits"] == 175_000 - 2 * price
    full = h.post(f"/my/ships/{FRIGATE}/refuel").json()["data"]
    assert full["fuel"]["current"] == 400 and full["transaction"]["units"] == 2  # 130 fuel -> 2 market units
    market = h.get(f"/systems/{hq.rsplit('-', 1)[0]}/waypoints/{hq}/market").json()["data"]
    assert [t["units"] for t in market["transactions"]] == [2, 2]


def test_refuel_where_no_fuel_is_sold_is_4226_and_without_credits_4600():
    h = _setup()
    sim = h.sim
    ship = sim.agents["NAV"].ships[FRIGATE]
    dry = next(w for w in sim.universe.waypoints.values() if w.market and not w.market.sells_fuel
               and w.system_symbol == ship.location.system_symbol)
    ship.location = dry
    ship.fuel = 0
    r = h.post(f"/my/ships/{FRIGATE}/refuel")
    assert r.status_code == 400 and error(r)["code"] == 4226
    ship.location = sim.universe.waypoints[sim.universe.headquarters]
    sim.agents["NAV"].credits = 5
    r = h.post(f"/my/ships/{FRIGATE}/refuel")
    assert r.status_code == 400 and error(r)["code"] == 4600
    assert ship.fuel == 0 and sim.agents["NAV"].credits == 5
