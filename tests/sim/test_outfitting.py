"""Mounts, modules, repair, scrap, factions, public agents and the supply chain."""

from __future__ import annotations

from spacetraders.sim.outfitting import MODIFICATION_FEE
from tests.sim.helpers import Harness, error, harness

FRIGATE, PROBE = "FIT-1", "FIT-2"


def _setup() -> Harness:
    h = harness()
    h.register("FIT")
    return h


def test_mount_removal_and_install_round_trip_through_the_hold():
    h = _setup()
    credits = h.sim.agents["FIT"].credits
    r = h.post(f"/my/ships/{FRIGATE}/mounts/remove", json={"symbol": "MOUNT_SURVEYOR_II"})
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert "MOUNT_SURVEYOR_II" not in {m["symbol"] for m in data["mounts"]}
    assert {i["symbol"]: i["units"] for i in data["cargo"]["inventory"]} == {"MOUNT_SURVEYOR_II": 1}
    assert data["agent"]["credits"] == credits - MODIFICATION_FEE
    assert data["transaction"]["totalPrice"] == MODIFICATION_FEE
    assert error(h.post(f"/my/ships/{FRIGATE}/mounts/remove", json={"symbol": "MOUNT_SURVEYOR_II"}))["code"] == 4247
    r = h.post(f"/my/ships/{FRIGATE}/mounts/install", json={"symbol": "MOUNT_SURVEYOR_II"})
    assert r.status_code == 201 and r.json()["data"]["cargo"]["units"] == 0
    assert error(h.post(f"/my/ships/{FRIGATE}/mounts/install", json={"symbol": "MOUNT_TURRET_I"}))["code"] == 4218
    assert [m["symbol"] for m in h.get(f"/my/ships/{FRIGATE}/mounts").json()["data"]][-1] == "MOUNT_SURVEYOR_II"


def test_modules_respect_slots_and_installing_a_hold_grows_capacity():
    h = _setup()
    ship = h.sim.agents["FIT"].ships[FRIGATE]
    ship.cargo["MODULE_CARGO_HOLD_II"] = 1
    full = h.post(f"/my/ships/{FRIGATE}/modules/install", json={"symbol": "MODULE_CARGO_HOLD_II"})
    assert error(full)["code"] == 4250  # 8 of 8 slots in use
    h.post(f"/my/ships/{FRIGATE}/modules/remove", json={"symbol": "MODULE_GAS_PROCESSOR_I"})
    r = h.post(f"/my/ships/{FRIGATE}/modules/install", json={"symbol": "MODULE_CARGO_HOLD_II"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["cargo"]["capacity"] == 80
    assert h.get(f"/my/ships/{FRIGATE}").json()["data"]["cargo"]["capacity"] == 80


def test_outfitting_needs_a_docked_ship_at_a_shipyard_and_the_fee():
    h = _setup()
    h.post(f"/my/ships/{FRIGATE}/orbit")
    assert error(h.post(f"/my/ships/{FRIGATE}/mounts/remove", json={"symbol": "MOUNT_SURVEYOR_II"}))["code"] == 4244
    h.post(f"/my/ships/{FRIGATE}/dock")
    h.sim.agents["FIT"].credits = MODIFICATION_FEE - 1
    assert error(h.post(f"/my/ships/{FRIGATE}/mounts/remove", json={"symbol": "MOUNT_SURVEYOR_II"}))["code"] == 4248
    ship = h.sim.agents["FIT"].ships[FRIGATE]
    no_yard = next(w for w in h.sim.universe.waypoints.values() if w.market and w.shipyard is None)
    h.sim.relocate(ship, no_yard)
    assert error(h.get(f"/my/ships/{FRIGATE}/repair"))["code"] == 4246


def test_scrap_pays_and_removes_the_ship_repair_is_free():
    h = _setup()
    quote = h.get(f"/my/ships/{PROBE}/scrap").json()["data"]["transaction"]["totalPrice"]
    assert quote > 0
    assert h.get(f"/my/ships/{PROBE}/repair").json()["data"]["transaction"]["totalPrice"] == 0
    credits = h.sim.agents["FIT"].credits
    r = h.post(f"/my/ships/{PROBE}/scrap")
    assert r.status_code == 200 and r.json()["data"]["agent"]["credits"] == credits + quote
    assert h.get(f"/my/ships/{PROBE}").status_code == 404
    assert PROBE not in {s["symbol"] for s in h.get("/my/ships").json()["data"]}
    assert r.json()["data"]["agent"]["shipCount"] == 3


def test_factions_agents_and_supply_chain():
    h = _setup()
    factions = h.get("/factions?limit=20", headers={}).json()
    assert factions["meta"]["total"] == 19 and len(factions["data"]) == 19
    assert h.get("/factions/VOID", headers={}).json()["data"]["symbol"] == "VOID"
    assert h.get("/factions/NOPE", headers={}).status_code == 404
    agents = h.get("/agents", headers={}).json()["data"]
    assert [a["symbol"] for a in agents] == ["FIT"] and "accountId" not in agents[0]
    assert h.get("/agents/fit", headers={}).json()["data"]["credits"] == h.sim.agents["FIT"].credits
    assert h.get("/agents/NOBODY", headers={}).status_code == 404
    chain = h.get("/market/supply-chain", headers={}).json()["data"]["exportToImportMap"]
    assert chain["ELECTRONICS"] == ["SILICON_CRYSTALS", "COPPER"] and chain["IRON"] == ["IRON_ORE"]


def test_my_account_names_the_token_account():
    h = _setup()
    account = h.get("/my/account").json()["data"]["account"]
    assert account["id"] == h.sim.agents["FIT"].account_id and account["email"] is None
    assert account["createdAt"].endswith("Z")
    assert h.get("/my/account", headers={}).status_code == 401
