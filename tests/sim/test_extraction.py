"""Survey, extract, siphon, refine: preconditions, error codes, yields and cooldowns."""

from __future__ import annotations

from spacetraders.sim.extraction import deposits_at
from spacetraders.sim.outfit import action_cooldown
from spacetraders.sim.ships import IN_ORBIT
from tests.sim.helpers import Harness, error, harness

FRIGATE, PROBE = "MINER-1", "MINER-2"


def _setup() -> Harness:
    h = harness()
    h.register("MINER")
    return h


def _move(h: Harness, ship_symbol: str, waypoint_type: str) -> str:
    ship = h.sim.agents["MINER"].ships[ship_symbol]
    wp = next(w for w in h.sim.universe.systems[ship.location.system_symbol].waypoints if w.type == waypoint_type)
    h.sim.relocate(ship, wp)
    ship.status = IN_ORBIT
    return wp.symbol


def test_extract_preconditions_yield_and_cooldown():
    h = _setup()
    assert error(h.post(f"/my/ships/{FRIGATE}/extract"))["code"] == 4236  # docked at HQ
    h.post(f"/my/ships/{FRIGATE}/orbit")
    assert error(h.post(f"/my/ships/{FRIGATE}/extract"))["code"] == 4205  # a planet
    rock = _move(h, FRIGATE, "ASTEROID")
    _move(h, PROBE, "ASTEROID")
    assert error(h.post(f"/my/ships/{PROBE}/extract"))["code"] == 4243  # no lasers
    r = h.post(f"/my/ships/{FRIGATE}/extract")
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    got = data["extraction"]["yield"]
    assert got["symbol"] in deposits_at(h.sim.universe.waypoints[rock]) and 3 <= got["units"] <= 5  # laser II
    assert data["cargo"]["units"] == got["units"]
    expected = action_cooldown(["MOUNT_MINING_LASER_II"])
    assert expected == 80 and data["cooldown"]["remainingSeconds"] == expected  # ECONOMY.md §16: frigate 80 s
    again = h.post(f"/my/ships/{FRIGATE}/extract")
    assert again.status_code == 409 and error(again)["code"] == 4000
    h.clock.advance(expected)
    ship = h.sim.agents["MINER"].ships[FRIGATE]
    ship.cargo = {"IRON_ORE": ship.cargo_capacity}
    assert error(h.post(f"/my/ships/{FRIGATE}/extract"))["code"] == 4228


def test_surveys_steer_extraction_until_exhausted_or_expired():
    h = _setup()
    h.post(f"/my/ships/{FRIGATE}/orbit")
    assert error(h.post(f"/my/ships/{FRIGATE}/survey"))["code"] == 4222  # not minable
    _move(h, FRIGATE, "ASTEROID")
    r = h.post(f"/my/ships/{FRIGATE}/survey")
    assert r.status_code == 201, r.text
    surveys = r.json()["data"]["surveys"]
    assert len(surveys) == 2  # surveyor II strength 2
    assert r.json()["data"]["cooldown"]["totalSeconds"] == action_cooldown(["MOUNT_SURVEYOR_II"]) == 90
    survey = surveys[0]
    deposits = {d["symbol"] for d in survey["deposits"]}
    h.clock.advance(90)
    tampered = {**survey, "deposits": [{"symbol": "GOLD_ORE"}] * 5}
    assert error(h.post(f"/my/ships/{FRIGATE}/extract/survey", json=tampered))["code"] == 4220
    live = h.sim.world.surveys[survey["signature"]]
    live.uses_left = 1
    r = h.post(f"/my/ships/{FRIGATE}/extract/survey", json=survey)
    assert r.status_code == 201, r.text
    assert r.json()["data"]["extraction"]["yield"]["symbol"] in deposits
    h.clock.advance(80)
    spent = h.post(f"/my/ships/{FRIGATE}/extract", json={"survey": survey})
    assert spent.status_code == 409 and error(spent)["code"] == 4224
    h.clock.advance(10**5)
    old = h.post(f"/my/ships/{FRIGATE}/extract/survey", json=surveys[1])
    assert old.status_code == 409 and error(old)["code"] == 4221


def test_siphon_and_refine():
    h = _setup()
    h.post(f"/my/ships/{FRIGATE}/orbit")
    assert error(h.post(f"/my/ships/{FRIGATE}/siphon"))["code"] == 4259
    _move(h, FRIGATE, "GAS_GIANT")
    r = h.post(f"/my/ships/{FRIGATE}/siphon")
    assert r.status_code == 201, r.text
    got = r.json()["data"]["siphon"]["yield"]
    assert got["symbol"] in ("LIQUID_HYDROGEN", "LIQUID_NITROGEN", "HYDROCARBON") and 12 <= got["units"] <= 20
    assert h.post(f"/my/ships/{FRIGATE}/refine", json={"produce": "STEEL"}).status_code == 422
    h.clock.advance(100)
    assert error(h.post(f"/my/ships/{FRIGATE}/refine", json={"produce": "IRON"}))["code"] == 4239
    ship = h.sim.agents["MINER"].ships[FRIGATE]
    ship.modules.append("MODULE_ORE_REFINERY_I")
    ship.cargo = {"IRON_ORE": 99}
    assert error(h.post(f"/my/ships/{FRIGATE}/refine", json={"produce": "IRON"}))["code"] == 4219
    ship.cargo = {"IRON_ORE": 100}
    data = h.post(f"/my/ships/{FRIGATE}/refine", json={"produce": "IRON"}).json()["data"]
    assert data["produced"] == [{"tradeSymbol": "IRON", "units": 10}] and ship.cargo == {"IRON": 10}


def test_scans_need_a_sensor_array_and_see_the_neighbourhood():
    h = _setup()
    assert error(h.post(f"/my/ships/{PROBE}/scan/systems"))["code"] == 4215
    systems = h.post(f"/my/ships/{FRIGATE}/scan/systems").json()["data"]["systems"]
    assert len(systems) == 3 and systems[0]["distance"] == 0
    assert [s["distance"] for s in systems] == sorted(s["distance"] for s in systems)
    assert error(h.post(f"/my/ships/{FRIGATE}/scan/waypoints"))["code"] == 4000
    h.clock.advance(60)
    waypoints = h.post(f"/my/ships/{FRIGATE}/scan/waypoints").json()["data"]["waypoints"]
    assert len(waypoints) == len(h.sim.universe.systems[h.sim.universe.headquarters.rsplit("-", 1)[0]].waypoints)
    h.clock.advance(60)
    ships = h.post(f"/my/ships/{FRIGATE}/scan/ships").json()["data"]["ships"]
    assert {s["symbol"] for s in ships} == {"MINER-2", "MINER-3", "MINER-4"}
