"""Travel between systems: the gate network, jump, warp, cooldown, chart, construction."""

from __future__ import annotations

from collections import deque

import pytest

from spacetraders.sim.gates import gate_of
from spacetraders.sim.generator import generate_universe
from spacetraders.sim.ships import IN_ORBIT
from spacetraders.sim.travel import galaxy_distance, jump_cooldown
from tests.sim.helpers import Harness, error, harness

FRIGATE, PROBE = "TRAV-1", "TRAV-2"


def _reachable(gates: dict[str, tuple[str, ...]], start: str, allowed: set[str]) -> set[str]:
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in gates[todo.popleft()]:
            if nxt in allowed and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize(("seed", "systems"), [(1, 2), (1, 3), (2, 5), (7, 12), (33, 20)])
def test_gate_graph_is_connected_symmetric_and_deterministic(seed, systems):
    universe = generate_universe(seed, systems)
    gates = universe.gates
    assert len(gates) == systems and all(universe.waypoints[g].type == "JUMP_GATE" for g in gates)
    for gate, links in gates.items():
        assert gate not in links
        assert all(gate in gates[other] for other in links), "links go both ways"
    home_gate = gate_of(universe.systems[universe.headquarters.rsplit("-", 1)[0]])
    assert home_gate is not None and not home_gate.is_under_construction
    assert _reachable(gates, home_gate.symbol, set(gates)) == set(gates)
    finished = {g for g in gates if not universe.waypoints[g].is_under_construction}
    assert _reachable(gates, home_gate.symbol, finished) == finished, "finished gates form one network"
    unfinished = set(gates) - finished
    assert (len(unfinished) >= 1) == (systems >= 3)
    assert all("UNDER_CONSTRUCTION" in universe.waypoints[g].trait_symbols for g in unfinished)
    again = generate_universe(seed, systems)
    assert again.gates == gates
    assert [(s.x, s.y) for s in again.systems.values()] == [(s.x, s.y) for s in universe.systems.values()]


def _at_gate(h: Harness, ship_symbol: str = FRIGATE) -> str:
    """Put the ship in orbit at its home gate (setup shortcut); the gate's symbol."""
    ship = h.sim.agents["TRAV"].ships[ship_symbol]
    gate = gate_of(h.sim.universe.systems[ship.location.system_symbol])
    assert gate is not None
    h.sim.relocate(ship, gate)
    ship.status = IN_ORBIT
    return gate.symbol


def _setup() -> Harness:
    h = harness(systems=3)
    h.register("TRAV")
    return h


def test_jump_gate_and_construction_reads():
    h = _setup()
    sim = h.sim
    for gate, links in sim.universe.gates.items():
        system = gate.rsplit("-", 1)[0]
        r = h.get(f"/systems/{system}/waypoints/{gate}/jump-gate", headers={})
        assert r.status_code == 200 and r.json()["data"] == {"symbol": gate, "connections": list(links)}
        site = h.get(f"/systems/{system}/waypoints/{gate}/construction", headers={}).json()["data"]
        unfinished = sim.universe.waypoints[gate].is_under_construction
        assert site["isComplete"] is not unfinished
        assert {m["tradeSymbol"] for m in site["materials"]} == {"FAB_MATS", "ADVANCED_CIRCUITRY", "QUANTUM_STABILIZERS"}
    hq = sim.universe.headquarters
    system = hq.rsplit("-", 1)[0]
    assert error(h.get(f"/systems/{system}/waypoints/{hq}/jump-gate", headers={}))["code"] == 404
    assert h.get(f"/systems/{system}/waypoints/{hq}/construction", headers={}).status_code == 404


def test_jump_rules_fee_cooldown_and_arrival():
    h = _setup()
    sim = h.sim
    assert error(h.post(f"/my/ships/{FRIGATE}/jump", json={"waypointSymbol": "X1-NOPE-A1"}))["code"] == 4236
    h.post(f"/my/ships/{FRIGATE}/orbit")
    assert error(h.post(f"/my/ships/{FRIGATE}/jump", json={"waypointSymbol": "X1-NOPE-A1"}))["code"] == 4254
    gate = _at_gate(h)
    assert h.post(f"/my/ships/{FRIGATE}/jump", json={}).status_code == 422
    assert error(h.post(f"/my/ships/{FRIGATE}/jump", json={"waypointSymbol": sim.universe.headquarters}))["code"] == 4208
    links = sim.universe.gates[gate]
    unconnected = [g for g in sim.universe.gates if g != gate and g not in links]
    for g in unconnected:
        assert error(h.post(f"/my/ships/{FRIGATE}/jump", json={"waypointSymbol": g}))["code"] == 4255
    open_links = [g for g in links if not sim.universe.waypoints[g].is_under_construction]
    closed_links = [g for g in links if sim.universe.waypoints[g].is_under_construction]
    for g in closed_links:
        assert error(h.post(f"/my/ships/{FRIGATE}/jump", json={"waypointSymbol": g}))["code"] == 4262
    target = open_links[0]
    credits = sim.agents["TRAV"].credits
    r = h.post(f"/my/ships/{FRIGATE}/jump", json={"waypointSymbol": target})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["nav"]["waypointSymbol"] == target and data["nav"]["status"] == "IN_ORBIT"
    assert data["nav"]["systemSymbol"] == target.rsplit("-", 1)[0]
    assert data["nav"]["route"]["origin"]["symbol"] == gate
    fee = data["transaction"]["totalPrice"]
    assert data["transaction"]["tradeSymbol"] == "ANTIMATTER" and data["transaction"]["units"] == 1
    assert 4000 <= fee <= 7000 and data["agent"]["credits"] == credits - fee == sim.agents["TRAV"].credits
    here, there = (sim.universe.systems[s.rsplit("-", 1)[0]] for s in (gate, target))
    expected = jump_cooldown(galaxy_distance(here, there))
    assert data["cooldown"]["totalSeconds"] == data["cooldown"]["remainingSeconds"] == expected
    assert h.get(f"/my/ships/{FRIGATE}/cooldown").json()["data"]["remainingSeconds"] == expected
    back = h.post(f"/my/ships/{FRIGATE}/jump", json={"waypointSymbol": gate})
    assert back.status_code == 409 and error(back)["code"] == 4000
    assert error(back)["data"]["cooldown"]["remainingSeconds"] == expected
    assert h.get(f"/my/ships/{FRIGATE}").json()["data"]["cooldown"]["remainingSeconds"] == expected
    h.clock.advance(expected)
    assert h.get(f"/my/ships/{FRIGATE}/cooldown").status_code == 204
    assert h.post(f"/my/ships/{FRIGATE}/jump", json={"waypointSymbol": gate}).status_code == 200
    # the market at the origin gate booked the fee as a purchase
    assert any(t["tradeSymbol"] == "ANTIMATTER" for t in sim.markets[gate].transactions)


def test_jump_without_credits_is_4600_and_changes_nothing():
    h = _setup()
    gate = _at_gate(h)
    h.sim.agents["TRAV"].credits = 10
    target = next(g for g in h.sim.universe.gates[gate] if not h.sim.universe.waypoints[g].is_under_construction)
    assert error(h.post(f"/my/ships/{FRIGATE}/jump", json={"waypointSymbol": target}))["code"] == 4600
    assert h.get(f"/my/ships/{FRIGATE}/nav").json()["data"]["waypointSymbol"] == gate
    assert h.get(f"/my/ships/{FRIGATE}/cooldown").status_code == 204


def test_supplying_a_construction_finishes_the_gate():
    h = _setup()
    sim = h.sim
    gate = next(g for g in sim.universe.gates if sim.universe.waypoints[g].is_under_construction)
    system = gate.rsplit("-", 1)[0]
    ship = sim.agents["TRAV"].ships[FRIGATE]
    url = f"/systems/{system}/waypoints/{gate}/construction/supply"
    ship.cargo["FAB_MATS"] = 40
    body = {"shipSymbol": FRIGATE, "tradeSymbol": "FAB_MATS", "units": 40}
    assert error(h.post(url, json=body))["code"] == 4802  # docked elsewhere
    sim.relocate(ship, sim.universe.waypoints[gate])
    assert error(h.post(url, json={**body, "tradeSymbol": "FOOD"}))["code"] == 4800
    assert error(h.post(url, json={**body, "tradeSymbol": "QUANTUM_STABILIZERS"}))["code"] == 4801
    assert error(h.post(url, json={**body, "units": 41}))["code"] == 4219
    r = h.post(url, json=body)
    assert r.status_code == 201, r.text
    fab = next(m for m in r.json()["data"]["construction"]["materials"] if m["tradeSymbol"] == "FAB_MATS")
    assert fab["fulfilled"] == 40 and r.json()["data"]["cargo"]["units"] == 0
    # the rest arrives: the gate opens
    ship.cargo.update({"FAB_MATS": 1560, "ADVANCED_CIRCUITRY": 400})
    h.post(url, json={**body, "units": 1560})
    done = h.post(url, json={**body, "tradeSymbol": "ADVANCED_CIRCUITRY", "units": 500}).json()["data"]
    assert done["construction"]["isComplete"] is True
    assert ship.cargo == {}  # never more than needed is taken
    wp = h.get(f"/systems/{system}/waypoints/{gate}", headers={}).json()["data"]
    assert wp["isUnderConstruction"] is False
    assert "UNDER_CONSTRUCTION" not in {t["symbol"] for t in wp["traits"]}


def test_warp_needs_a_drive_and_fuel_then_flies():
    h = _setup()
    sim = h.sim
    h.post(f"/my/ships/{FRIGATE}/orbit")
    here = sim.agents["TRAV"].ships[FRIGATE].location
    other = next(s for s in sim.universe.systems.values() if s.symbol != here.system_symbol)
    target = other.waypoints[0].symbol
    assert error(h.post(f"/my/ships/{FRIGATE}/warp", json={"waypointSymbol": here.symbol}))["code"] == 4235
    assert error(h.post(f"/my/ships/{FRIGATE}/warp", json={"waypointSymbol": target}))["code"] == 4241
    ship = sim.agents["TRAV"].ships[FRIGATE]
    ship.modules.append("MODULE_WARP_DRIVE_I")
    d = galaxy_distance(sim.universe.systems[here.system_symbol], other)
    if round(d) > ship.fuel:
        assert error(h.post(f"/my/ships/{FRIGATE}/warp", json={"waypointSymbol": target}))["code"] == 4203
    h.patch(f"/my/ships/{FRIGATE}/nav", json={"flightMode": "DRIFT"})
    r = h.post(f"/my/ships/{FRIGATE}/warp", json={"waypointSymbol": target})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["nav"]["status"] == "IN_TRANSIT" and data["nav"]["systemSymbol"] == other.symbol
    assert data["fuel"]["consumed"]["amount"] == 1
    assert error(h.post(f"/my/ships/{FRIGATE}/orbit"))["code"] == 4214
    h.clock.advance(10**6)
    assert h.get(f"/my/ships/{FRIGATE}/nav").json()["data"]["status"] == "IN_ORBIT"


def test_chart_reveals_an_uncharted_waypoint_once():
    h = _setup()
    sim = h.sim
    home = sim.universe.headquarters.rsplit("-", 1)[0]
    hidden = next(w for w in sim.universe.waypoints.values() if w.system_symbol != home and w.hidden_traits)
    system = hidden.system_symbol
    before = h.get(f"/systems/{system}/waypoints/{hidden.symbol}", headers={}).json()["data"]
    assert [t["symbol"] for t in before["traits"]] == ["UNCHARTED"] and "chart" not in before
    ship = sim.agents["TRAV"].ships[PROBE]
    sim.relocate(ship, hidden)
    ship.status = IN_ORBIT
    r = h.post(f"/my/ships/{PROBE}/chart")
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["chart"]["submittedBy"] == "TRAV" and data["waypoint"]["chart"] == data["chart"]
    after = h.get(f"/systems/{system}/waypoints/{hidden.symbol}", headers={}).json()["data"]
    assert "UNCHARTED" not in {t["symbol"] for t in after["traits"]} and after["traits"]
    assert error(h.post(f"/my/ships/{PROBE}/chart"))["code"] == 4230
