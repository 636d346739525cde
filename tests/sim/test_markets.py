"""Market and shipyard visibility (NOTES.md §5), prices, pagination and filters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spacetraders.domain.navigation import distance
from tests.sim.helpers import Harness, error, harness

PROBE = "MKT-2"


def _setup() -> tuple[Harness, str, str]:
    h = harness()
    h.register("MKT")
    hq = h.sim.universe.headquarters
    return h, hq.rsplit("-", 1)[0], hq


def _market(h: Harness, system: str, wp: str, **kw) -> dict:
    r = h.get(f"/systems/{system}/waypoints/{wp}/market", **kw)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def test_market_catalogue_always_prices_only_with_own_ship_present():
    h, system, hq = _setup()
    anonymous = _market(h, system, hq, headers={})
    assert set(anonymous) == {"symbol", "exports", "imports", "exchange"}
    assert any(g["symbol"] == "FUEL" for g in anonymous["exchange"] + anonymous["exports"])
    mine = _market(h, system, hq)
    assert {g["symbol"] for g in mine["tradeGoods"]} == {
        g["symbol"] for g in anonymous["exports"] + anonymous["imports"] + anonymous["exchange"]
    }
    assert mine["transactions"] == []
    hq_point = h.sim.universe.waypoints[hq].point
    far = next(w for w in h.sim.universe.systems[system].waypoints if w.market and w.point != hq_point)
    assert "tradeGoods" not in _market(h, system, far.symbol)
    h.register("OTHER")  # an agent whose ships are elsewhere... all start at HQ, so hide them
    for ship in h.sim.agents["OTHER"].ships.values():
        ship.location = far
    assert "tradeGoods" in _market(h, system, hq, headers={"Authorization": f"Bearer {h.sim.agents['MKT'].token}"})


def test_ship_in_transit_does_not_reveal_prices_until_it_arrives():
    h, system, hq = _setup()
    here = h.sim.universe.waypoints[hq]
    target = min(
        (w for w in h.sim.universe.systems[system].waypoints if w.market and w.point != here.point),
        key=lambda w: distance(here.point, w.point),
    )
    h.post(f"/my/ships/{PROBE}/orbit")
    nav = h.post(f"/my/ships/{PROBE}/navigate", json={"waypointSymbol": target.symbol}).json()["data"]["nav"]
    assert "tradeGoods" not in _market(h, system, target.symbol)
    h.clock.advance(10_000)
    assert nav["status"] == "IN_TRANSIT"
    goods = _market(h, system, target.symbol)["tradeGoods"]
    assert goods and all(g["sellPrice"] < g["purchasePrice"] for g in goods)


def test_trade_goods_have_valid_levels_and_drift_deterministically_with_game_time():
    h, system, hq = _setup()
    first = _market(h, system, hq)["tradeGoods"]
    for g in first:
        assert g["supply"] in {"SCARCE", "LIMITED", "MODERATE", "HIGH", "ABUNDANT"}
        assert g["type"] in {"EXPORT", "IMPORT", "EXCHANGE"} and g["tradeVolume"] > 0
        assert 0 < g["sellPrice"] < g["purchasePrice"]
    assert _market(h, system, hq)["tradeGoods"] == first, "stable between reads at the same time"
    twin = harness()
    twin.register("MKT")
    assert _market(twin, system, hq)["tradeGoods"] == first, "same seed, same game time, same prices"
    seen = set()
    for _ in range(12):  # untraded rows still move: each takes a supply shock every ~6 game hours
        h.clock.advance(timedelta(hours=1).total_seconds())
        seen.add(tuple(g["purchasePrice"] for g in _market(h, system, hq)["tradeGoods"]))
    assert len(seen) > 1


def test_market_at_a_waypoint_without_one_is_404_4603_unknown_system_404():
    h, system, _ = _setup()
    asteroid = next(w for w in h.sim.universe.systems[system].waypoints if w.type == "ASTEROID")
    r = h.get(f"/systems/{system}/waypoints/{asteroid.symbol}/market")
    assert r.status_code == 404 and error(r)["code"] == 4603
    r = h.get("/systems/X1-NOWHERE/waypoints/X1-NOWHERE-A1/market")
    assert r.status_code == 404 and error(r)["code"] == 404


def test_shipyard_lists_types_always_ships_with_prices_only_when_present():
    h, system, hq = _setup()
    anonymous = h.get(f"/systems/{system}/waypoints/{hq}/shipyard", headers={}).json()["data"]
    assert "ships" not in anonymous and {"type": "SHIP_PROBE"} in anonymous["shipTypes"]
    mine = h.get(f"/systems/{system}/waypoints/{hq}/shipyard").json()["data"]
    assert [s["type"] for s in mine["ships"]] == [t["type"] for t in anonymous["shipTypes"]]
    assert all(s["purchasePrice"] > 0 for s in mine["ships"])
    no_yard = next(w for w in h.sim.universe.systems[system].waypoints if w.shipyard is None)
    assert h.get(f"/systems/{system}/waypoints/{no_yard.symbol}/shipyard").status_code == 404


def test_ship_list_pagination_and_limits():
    h = harness(probes=24)
    h.register("FLEET")
    first = h.get("/my/ships", params={"limit": 20}).json()
    second = h.get("/my/ships", params={"limit": 20, "page": 2}).json()
    assert first["meta"] == {"total": 25, "page": 1, "limit": 20} and len(first["data"]) == 20
    assert second["meta"]["page"] == 2 and len(second["data"]) == 5
    assert {s["symbol"] for s in first["data"]}.isdisjoint({s["symbol"] for s in second["data"]})
    assert h.get("/my/ships").json()["meta"]["limit"] == 10
    assert h.get("/my/ships", params={"page": 9, "limit": 20}).json()["data"] == []
    for params in ({"limit": 21}, {"limit": 0}, {"page": 0}, {"page": "x"}):
        r = h.get("/my/ships", params=params)
        assert r.status_code == 422 and error(r)["code"] == 422


def test_systems_and_waypoints_pagination_and_filters():
    h = harness(systems=3)
    systems = h.get("/systems", params={"limit": 2}, headers={}).json()
    assert systems["meta"] == {"total": 3, "page": 1, "limit": 2} and len(systems["data"]) == 2
    system = systems["data"][0]["symbol"]
    one = h.get(f"/systems/{system}", headers={}).json()["data"]
    total = len(one["waypoints"])
    seen = []
    for page in range(1, total // 20 + 2):
        body = h.get(f"/systems/{system}/waypoints", params={"limit": 20, "page": page}, headers={}).json()
        assert body["meta"]["total"] == total
        seen += [w["symbol"] for w in body["data"]]
    assert seen == [w["symbol"] for w in one["waypoints"]]
    markets = h.get(f"/systems/{system}/waypoints", params={"traits": "MARKETPLACE", "limit": 20}, headers={}).json()
    assert all("MARKETPLACE" in {t["symbol"] for t in w["traits"]} for w in markets["data"])
    assert 25 <= markets["meta"]["total"] <= 30
    both = h.get(f"/systems/{system}/waypoints?traits=MARKETPLACE&traits=SHIPYARD&limit=20", headers={}).json()
    assert both["meta"]["total"] == 3
    gates = h.get(f"/systems/{system}/waypoints", params={"type": "JUMP_GATE"}, headers={}).json()
    assert [w["type"] for w in gates["data"]] == ["JUMP_GATE"]
    wp = seen[0]
    assert h.get(f"/systems/{system}/waypoints/{wp}", headers={}).json()["data"]["symbol"] == wp
    assert h.get(f"/systems/{system}/waypoints/{system}-QQ1", headers={}).status_code == 404


@pytest.mark.parametrize("path", ["/systems/X1-NOPE", "/systems/X1-NOPE/waypoints", "/no/such/route"])
def test_unknown_things_are_404_in_the_error_envelope(path):
    h = harness()
    r = h.get(path, headers={})
    assert r.status_code == 404 and error(r)["code"] == 404
