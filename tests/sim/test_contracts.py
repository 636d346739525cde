"""Contracts in the simulator (ECONOMY.md §13): the starting one, accept, deliver, fulfil, negotiate."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.sim.helpers import Harness, error, harness
from tests.sim.trade_helpers import fly

FRIGATE = "CTR-1"


def _setup(**kw) -> tuple[Harness, dict[str, Any]]:
    h = harness(**kw)
    registered = h.register("CTR")
    return h, registered["contract"]


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _deliver(h: Harness, contract: dict, units: int, good: str | None = None, ship: str = FRIGATE):
    good = good or contract["terms"]["deliver"][0]["tradeSymbol"]
    return h.post(f"/my/contracts/{contract['id']}/deliver",
                  json={"shipSymbol": ship, "tradeSymbol": good, "units": units})


def test_a_new_agent_gets_an_offered_ore_contract_with_observed_terms():
    h, contract = _setup()
    line = contract["terms"]["deliver"][0]
    assert contract["type"] == "PROCUREMENT" and not contract["accepted"] and not contract["fulfilled"]
    assert line["tradeSymbol"].endswith("_ORE") and 45 <= line["unitsRequired"] <= 80 and line["unitsFulfilled"] == 0
    assert line["destinationSymbol"] in h.sim.universe.waypoints
    importer = h.sim.markets.get(line["destinationSymbol"])
    assert importer is not None and importer.rows[line["tradeSymbol"]].type == "IMPORT"
    pay = contract["terms"]["payment"]
    total = pay["onAccepted"] + pay["onFulfilled"]
    assert 0.12 <= pay["onAccepted"] / total <= 0.27
    # Pay is 3.5-6x what the goods cost at their exporters (the median ask in the system).
    game_now = h.sim.game_now()
    asks = sorted(
        g["purchasePrice"]
        for wp in h.sim.universe.systems[h.sim.universe.waypoints[line["destinationSymbol"]].system_symbol].waypoints
        if (m := h.sim.markets.get(wp.symbol)) is not None
        for g in m.trade_goods(game_now)
        if g["symbol"] == line["tradeSymbol"] and g["type"] == "EXPORT"
    )
    assert asks, "the contract's good is exported in its system"
    ask = asks[len(asks) // 2] if len(asks) % 2 else (asks[len(asks) // 2 - 1] + asks[len(asks) // 2]) / 2
    assert 3.5 * 0.99 <= total / (line["unitsRequired"] * ask) <= 6 * 1.01
    now = h.clock.now()
    assert _time(contract["deadlineToAccept"]) == now + timedelta(hours=24) == _time(contract["expiration"])
    assert _time(contract["terms"]["deadline"]) == now + timedelta(days=7)
    listed = h.get("/my/contracts").json()
    assert listed["data"] == [contract] and listed["meta"] == {"total": 1, "page": 1, "limit": 10}
    assert h.get(f"/my/contracts/{contract['id']}").json()["data"] == contract


def test_accept_pays_once_then_deliver_and_fulfil_pay_the_rest_and_free_the_slot():
    h, contract = _setup()
    agent = h.sim.agents["CTR"]
    start = agent.credits
    r = h.post(f"/my/contracts/{contract['id']}/accept")
    assert r.status_code == 200 and r.json()["data"]["contract"]["accepted"] is True
    assert r.json()["data"]["agent"]["credits"] == start + contract["terms"]["payment"]["onAccepted"]
    again = h.post(f"/my/contracts/{contract['id']}/accept")
    assert again.status_code == 400 and error(again)["code"] == 4501
    assert error(h.post(f"/my/contracts/{contract['id']}/fulfill"))["code"] == 4502

    line = contract["terms"]["deliver"][0]
    good, needed, destination = line["tradeSymbol"], line["unitsRequired"], line["destinationSymbol"]
    ship = agent.ships[FRIGATE]
    assert error(_deliver(h, contract, 1, "GOLD"))["code"] == 4508
    assert error(_deliver(h, contract, 5))["code"] == 4510  # still at the HQ
    fly(h, FRIGATE, destination)
    assert error(_deliver(h, contract, 5))["code"] == 4218  # nothing aboard
    ship.cargo[good] = 40
    h.post(f"/my/ships/{FRIGATE}/orbit")
    assert error(_deliver(h, contract, 5))["code"] == 4244
    h.post(f"/my/ships/{FRIGATE}/dock")
    assert error(_deliver(h, contract, 41))["code"] == 4219
    first = _deliver(h, contract, 30)
    assert first.status_code == 200, first.text
    assert first.json()["data"]["contract"]["terms"]["deliver"][0]["unitsFulfilled"] == 30
    assert first.json()["data"]["cargo"]["units"] == 10
    ship.cargo[good] = needed
    over = _deliver(h, contract, needed - 29)
    assert over.status_code == 400 and error(over)["code"] == 4509
    assert _deliver(h, contract, needed - 30).status_code == 200
    assert error(_deliver(h, contract, 1))["code"] == 4509  # the line is met
    before = agent.credits
    done = h.post(f"/my/contracts/{contract['id']}/fulfill")
    assert done.status_code == 200 and done.json()["data"]["contract"]["fulfilled"] is True
    assert agent.credits == before + contract["terms"]["payment"]["onFulfilled"]
    assert error(h.post(f"/my/contracts/{contract['id']}/fulfill"))["code"] == 4504
    negotiated = h.post(f"/my/ships/{FRIGATE}/negotiate/contract")
    assert negotiated.status_code == 201, negotiated.text
    assert h.get("/my/contracts").json()["meta"]["total"] == 2


def test_one_offered_or_active_contract_at_a_time():
    h, contract = _setup()
    r = h.post(f"/my/ships/{FRIGATE}/negotiate/contract")
    assert r.status_code == 400 and error(r)["code"] == 4511
    assert error(r)["data"] == {"agentSymbol": "CTR", "contractId": contract["id"]}
    h.post(f"/my/contracts/{contract['id']}/accept")
    assert error(h.post(f"/my/ships/{FRIGATE}/negotiate/contract"))["code"] == 4511
    h.clock.advance(timedelta(days=7, seconds=1).total_seconds())  # the accepted contract expires
    expired = _deliver(h, contract, 1)
    assert expired.status_code == 400 and error(expired)["code"] == 4503
    assert error(h.post(f"/my/contracts/{contract['id']}/fulfill"))["code"] == 4503
    r = h.post(f"/my/ships/{FRIGATE}/negotiate/contract")
    assert r.status_code == 201, r.text
    offered = r.json()["data"]["contract"]
    assert offered["id"] != contract["id"] and not offered["accepted"]
    assert offered["terms"]["deliver"][0]["unitsRequired"] >= 1


def test_an_offer_left_past_its_deadline_to_accept_cannot_be_accepted_and_frees_the_slot():
    h, contract = _setup()
    h.clock.advance(timedelta(hours=24).total_seconds())
    r = h.post(f"/my/contracts/{contract['id']}/accept")
    assert r.status_code == 400 and error(r)["code"] == 4503
    assert h.post(f"/my/ships/{FRIGATE}/negotiate/contract").status_code == 201


def test_deadlines_are_game_durations_scaled_like_travel():
    h, contract = _setup(time_scale=100)
    now = h.clock.now()
    assert _time(contract["deadlineToAccept"]) == now + timedelta(hours=24) / 100
    assert _time(contract["terms"]["deadline"]) == now + timedelta(days=7) / 100


@pytest.mark.parametrize("case", ["not_accepted", "foreign", "unknown", "orbit", "no_faction"])
def test_contract_errors(case):
    h, contract = _setup()
    cid = contract["id"]
    if case == "not_accepted":
        assert error(_deliver(h, contract, 1))["code"] == 4505
        assert error(h.post(f"/my/contracts/{cid}/fulfill"))["code"] == 4505
    elif case == "foreign":
        h.register("THIEF")
        assert error(h.post(f"/my/contracts/{cid}/accept"))["code"] == 4500
        assert error(h.post(f"/my/contracts/{cid}/fulfill"))["code"] == 4506
        assert h.get(f"/my/contracts/{cid}").status_code == 404
    elif case == "unknown":
        r = h.get("/my/contracts/nope")
        assert r.status_code == 404 and error(r)["code"] == 404
        assert h.post("/my/contracts/nope/accept").status_code == 404
    elif case == "orbit":
        h.post(f"/my/ships/{FRIGATE}/orbit")
        assert error(h.post(f"/my/ships/{FRIGATE}/negotiate/contract"))["code"] == 4244
    elif case == "no_faction":
        asteroid = next(w.symbol for w in h.sim.universe.systems[h.sim.universe.headquarters.rsplit("-", 1)[0]].waypoints
                        if w.faction is None)
        fly(h, FRIGATE, asteroid)
        assert error(h.post(f"/my/ships/{FRIGATE}/negotiate/contract"))["code"] == 4700
    for bad in ({}, {"shipSymbol": FRIGATE, "tradeSymbol": "X", "units": 0}):
        r = h.post(f"/my/contracts/{cid}/deliver", json=bad)
        assert r.status_code == 422 and error(r)["code"] == 422
