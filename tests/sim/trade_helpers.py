"""Moving a ship and finding markets in the simulator, for the trade, contract and shipyard tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from spacetraders.sim.timefmt import iso
from tests.sim.helpers import Harness


def system_of(waypoint: str) -> str:
    return waypoint.rsplit("-", 1)[0]


def market(h: Harness, waypoint: str) -> dict[str, Any]:
    r = h.get(f"/systems/{system_of(waypoint)}/waypoints/{waypoint}/market")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def row(h: Harness, waypoint: str, symbol: str) -> dict[str, Any]:
    return next(g for g in market(h, waypoint)["tradeGoods"] if g["symbol"] == symbol)


def fly(h: Harness, ship: str, waypoint: str, *, dock: bool = True) -> None:
    """Orbit, drift there (1 fuel), wait for arrival on the fake clock, dock."""
    assert h.post(f"/my/ships/{ship}/orbit").status_code == 200
    nav = h.get(f"/my/ships/{ship}/nav").json()["data"]
    if nav["waypointSymbol"] != waypoint:
        assert h.patch(f"/my/ships/{ship}/nav", json={"flightMode": "DRIFT"}).status_code == 200
        r = h.post(f"/my/ships/{ship}/navigate", json={"waypointSymbol": waypoint})
        assert r.status_code == 200, r.text
        arrival = datetime.fromisoformat(r.json()["data"]["nav"]["route"]["arrival"].replace("Z", "+00:00"))
        h.clock.advance((arrival - h.clock.now()).total_seconds() + 1)
    if dock:
        assert h.post(f"/my/ships/{ship}/dock").status_code == 200


def exporters(h: Harness, system: str, symbol: str) -> list[str]:
    return sorted(w for w, m in h.sim.markets.items() if w.startswith(system + "-") and m.rows.get(symbol)
                  and m.rows[symbol].type == "EXPORT")


def now_iso(h: Harness) -> str:
    return iso(h.clock.now())
