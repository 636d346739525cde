"""Fidelity fixes found by schema-driven testing: malformed bodies and enum queries."""

from __future__ import annotations

import pytest

from tests.sim.helpers import error, harness


@pytest.mark.parametrize("mode", [{}, [], 3, None, "cruise", "WARP"])
def test_flight_mode_of_the_wrong_type_or_value_is_422(mode):
    h = harness()
    h.register("FID")
    r = h.patch("/my/ships/FID-1/nav", json={"flightMode": mode} if mode is not None else {"flightMode": None})
    if mode is None:  # explicit null: treated like an absent optional field
        assert r.status_code == 200, r.text
        return
    assert r.status_code == 422, r.text
    assert "flightMode" in error(r)["data"]


def test_patch_nav_without_flight_mode_changes_nothing():
    h = harness()
    h.register("FID")
    assert h.patch("/my/ships/FID-1/nav", json={"flightMode": "DRIFT"}).json()["data"]["nav"]["flightMode"] == "DRIFT"
    r = h.patch("/my/ships/FID-1/nav", json={})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["nav"]["flightMode"] == "DRIFT"
    assert set(r.json()["data"]) == {"nav", "fuel", "events"}
    assert h.patch("/my/ships/FID-1/nav", json=[]).status_code == 422


def test_unknown_waypoint_type_or_trait_is_a_validation_error():
    h = harness()
    system = h.sim.universe.headquarters.rsplit("-", 1)[0]
    r = h.get(f"/systems/{system}/waypoints?type=AAA", headers={})
    assert r.status_code == 422 and "type" in error(r)["data"]
    r = h.get(f"/systems/{system}/waypoints?traits=MARKETPLACE&traits=NOPE", headers={})
    assert r.status_code == 422 and "NOPE" in error(r)["data"]["traits"][0]
    # a valid value no waypoint has is an empty page, not an error
    r = h.get(f"/systems/{system}/waypoints?type=NEBULA", headers={})
    assert r.status_code == 200 and r.json()["data"] == [] and r.json()["meta"]["total"] == 0
    r = h.get(f"/systems/{system}/waypoints?type=JUMP_GATE", headers={})
    assert [w["type"] for w in r.json()["data"]] == ["JUMP_GATE"]


def test_refuel_from_cargo_with_a_full_tank_and_non_object_bodies():
    h = harness()
    h.register("FID")
    r = h.post("/my/ships/FID-1/refuel", json={"fromCargo": True})  # was a 500 KeyError
    assert r.status_code == 200, r.text
    assert r.json()["data"]["transaction"]["units"] == 0
    assert h.post("/my/ships/FID-1/refuel", json=None, content=b"null",
                  headers={**h.auth, "content-type": "application/json"}).status_code == 422
    assert h.post("/my/ships/FID-1/refuel", json=[1]).status_code == 422


@pytest.mark.parametrize("email", [None, 3, {}])
def test_register_email_must_be_a_string(email):
    h = harness()
    r = h.client.post("/v2/register", json={"symbol": "MAILER", "faction": "COSMIC", "email": email},
                      headers={"Authorization": "Bearer account"})
    assert r.status_code == 422 and "email" in error(r)["data"]
