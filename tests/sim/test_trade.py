"""Buying, selling, cargo, jettison and transfer in the simulator (ECONOMY.md §12.2)."""

from __future__ import annotations

import pytest

from tests.sim.helpers import Harness, error, harness
from tests.sim.trade_helpers import fly, market, row, system_of

FRIGATE, PROBE = "TRD-1", "TRD-2"


def _setup(**kw) -> tuple[Harness, str]:
    h = harness(**kw)
    h.register("TRD")
    return h, h.sim.universe.headquarters


def _buy(h: Harness, symbol: str, units: int, ship: str = FRIGATE):
    return h.post(f"/my/ships/{ship}/purchase", json={"symbol": symbol, "units": units})


def _sell(h: Harness, symbol: str, units: int, ship: str = FRIGATE):
    return h.post(f"/my/ships/{ship}/sell", json={"symbol": symbol, "units": units})


def _at_exporter(h: Harness) -> tuple[str, str]:
    """The frigate docked at the exporter of the dearest good whose full tradeVolume fits its hold."""
    system = system_of(h.sim.universe.headquarters)
    _, wp, good = max(
        (r.reference, w, s) for w, m in h.sim.markets.items() if w.startswith(system + "-")
        for s, r in m.rows.items() if r.type == "EXPORT" and r.trade_volume <= 20
    )
    fly(h, FRIGATE, wp)
    h.sim.agents["TRD"].credits = 10_000_000  # enough for a few full-volume buys
    return wp, good


def test_buy_charges_the_ask_fills_the_hold_logs_a_transaction_and_moves_the_price():
    h, hq = _setup()
    before = row(h, hq, "FUEL")
    credits = h.get("/my/agent").json()["data"]["credits"]
    r = _buy(h, "FUEL", 30)
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    tx = data["transaction"]
    assert tx == {**tx, "type": "PURCHASE", "tradeSymbol": "FUEL", "units": 30, "shipSymbol": FRIGATE,
                  "waypointSymbol": hq, "pricePerUnit": before["purchasePrice"], "totalPrice": 30 * before["purchasePrice"]}
    assert data["agent"]["credits"] == credits - tx["totalPrice"] == h.get("/my/agent").json()["data"]["credits"]
    assert data["cargo"]["units"] == 30 and data["cargo"]["inventory"][0]["symbol"] == "FUEL"
    assert h.get(f"/my/ships/{FRIGATE}/cargo").json()["data"] == data["cargo"]
    assert market(h, hq)["transactions"][-1] == tx
    sold = _sell(h, "FUEL", 30).json()["data"]
    assert sold["transaction"]["type"] == "SELL" and sold["transaction"]["pricePerUnit"] < tx["pricePerUnit"]
    assert sold["agent"]["credits"] == data["agent"]["credits"] + sold["transaction"]["totalPrice"]
    assert sold["cargo"] == {"capacity": 40, "units": 0, "inventory": []}


def test_repeated_full_volume_buys_climb_the_ask_and_it_recovers_over_game_time():
    h, _ = _setup()
    wp, good = _at_exporter(h)
    reset = row(h, wp, good)
    tv = reset["tradeVolume"]
    prices: list[int] = []
    for _ in range(3):
        r = _buy(h, good, tv)
        assert r.status_code == 201, r.text
        prices.append(r.json()["data"]["transaction"]["pricePerUnit"])
        assert h.post(f"/my/ships/{FRIGATE}/jettison", json={"symbol": good, "units": tv}).status_code == 200
    after = row(h, wp, good)["purchasePrice"]
    assert prices[0] == reset["purchasePrice"] and prices[0] < prices[1] < prices[2] < after
    h.clock.advance(4 * 24 * 3600)  # many half-lives later, it quotes what an untraded twin market quotes
    twin = harness()
    twin.clock.advance((h.clock.now() - twin.clock.now()).total_seconds())
    untraded = twin.sim.markets[wp].quote(good, twin.sim.game_now())
    assert untraded is not None and row(h, wp, good)["purchasePrice"] == untraded[0]


def test_time_scale_speeds_up_recovery():
    # Against an untouched twin of the same seed, so that the random supply shocks that a
    # hundred game hours bring fall alike on both sides and only the trades' effect is left.
    def displaced_after_one_real_hour(scale: float, trade: bool) -> float:
        h, _ = _setup(time_scale=scale)
        wp, good = _at_exporter(h)
        tv = row(h, wp, good)["tradeVolume"]
        for _ in range(3 if trade else 0):
            assert _buy(h, good, tv).status_code == 201
            h.post(f"/my/ships/{FRIGATE}/jettison", json={"symbol": good, "units": tv})
        h.clock.advance(3600)
        return row(h, wp, good)["purchasePrice"]

    def displacement(scale: float) -> float:
        return displaced_after_one_real_hour(scale, True) / displaced_after_one_real_hour(scale, False)

    slow, fast = displacement(1.0), displacement(100.0)
    assert slow > 1.0 and slow > fast


@pytest.mark.parametrize("case", ["orbit", "transit", "no_market", "not_traded", "over_volume", "credits", "hold"])
def test_purchase_preconditions_answer_the_real_codes_and_change_nothing(case):
    h, hq = _setup()
    agent = h.sim.agents["TRD"]
    symbol, units, ship = "FUEL", 10, FRIGATE
    expected = {"orbit": 4244, "transit": 4214, "no_market": 4603, "not_traded": 4601, "over_volume": 4604,
                "credits": 4600, "hold": 4217}[case]
    if case == "orbit":
        h.post(f"/my/ships/{FRIGATE}/orbit")
    elif case == "transit":
        h.post(f"/my/ships/{FRIGATE}/orbit")
        target = next(w for w in h.sim.markets if w.startswith(system_of(hq)) and w != hq)
        assert h.post(f"/my/ships/{FRIGATE}/navigate", json={"waypointSymbol": target}).status_code == 200
    elif case == "no_market":
        asteroid = next(w.symbol for w in h.sim.universe.systems[system_of(hq)].waypoints if w.market is None)
        fly(h, FRIGATE, asteroid)
    elif case == "not_traded":
        symbol = "IRON_ORE"
    elif case == "over_volume":
        units = row(h, hq, "FUEL")["tradeVolume"] + 1
    elif case == "credits":
        agent.credits = 5
    elif case == "hold":
        ship = PROBE  # a probe has no cargo hold
    credits, cargo = agent.credits, h.get(f"/my/ships/{ship}/cargo").json()["data"]
    r = _buy(h, symbol, units, ship)
    assert r.status_code == 400 and error(r)["code"] == expected, r.text
    assert agent.credits == credits and h.get(f"/my/ships/{ship}/cargo").json()["data"] == cargo
    if case == "over_volume":
        assert error(r)["data"]["tradeVolume"] == units - 1
    if case == "credits":
        assert error(r)["data"]["agentCredits"] == 5


def test_sell_needs_the_units_aboard_and_a_market_that_trades_the_good():
    h, hq = _setup()
    r = _sell(h, "FUEL", 5)
    assert r.status_code == 400 and error(r)["code"] == 4218
    _buy(h, "FUEL", 5)
    r = _sell(h, "FUEL", 6)
    assert r.status_code == 400 and error(r)["code"] == 4219 and error(r)["data"]["cargoUnits"] == 5
    h.sim.agents["TRD"].ships[FRIGATE].cargo["IRON_ORE"] = 3  # not traded at the HQ
    r = _sell(h, "IRON_ORE", 3)
    assert r.status_code == 400 and error(r)["code"] == 4602
    for bad in ({"symbol": "FUEL"}, {"symbol": "FUEL", "units": 0}, {"units": 1}, {"symbol": "FUEL", "units": "1"}):
        r = h.post(f"/my/ships/{FRIGATE}/sell", json=bad)
        assert r.status_code == 422 and error(r)["code"] == 422


def test_selling_into_an_import_cuts_the_bid_and_feeds_the_exports_made_from_it():
    h, hq = _setup()
    # A market importing an input of one of its own exports (a factory).
    from spacetraders.sim.economy import SUPPLY_CHAIN

    wp, export, good = next(
        (w, s, g) for w, m in sorted(h.sim.markets.items()) if w.startswith(system_of(hq))
        for s, r in m.rows.items() if r.type == "EXPORT"
        for g in SUPPLY_CHAIN.get(s, ()) if g in m.rows and m.rows[g].type == "IMPORT"
    )
    fly(h, FRIGATE, wp)
    agent = h.sim.agents["TRD"]
    ship = agent.ships[FRIGATE]
    before_import, before_export = row(h, wp, good), row(h, wp, export)
    units = min(40, before_import["tradeVolume"])
    bids = []
    for _ in range(3):
        ship.cargo[good] = units
        r = _sell(h, good, units)
        assert r.status_code == 201, r.text
        bids.append(r.json()["data"]["transaction"]["pricePerUnit"])
    assert bids[0] == before_import["sellPrice"] and bids == sorted(bids, reverse=True) and bids[-1] < bids[0]
    assert row(h, wp, export)["purchasePrice"] < before_export["purchasePrice"]


def test_jettison_anywhere_and_transfer_between_own_ships_at_the_same_place():
    h, hq = _setup()
    _buy(h, "FUEL", 20)
    h.post(f"/my/ships/{FRIGATE}/orbit")
    r = h.post(f"/my/ships/{FRIGATE}/jettison", json={"symbol": "FUEL", "units": 5})
    assert r.status_code == 200 and r.json()["data"]["cargo"]["units"] == 15
    r = h.post(f"/my/ships/{FRIGATE}/jettison", json={"symbol": "FUEL", "units": 16})
    assert r.status_code == 400 and error(r)["code"] == 4219
    h.register("OTHER")
    other_ship = next(iter(h.sim.agents["OTHER"].ships))
    h.token = h.sim.agents["TRD"].token

    def transfer(to: str, units: int = 5):
        return h.post(f"/my/ships/{FRIGATE}/transfer", json={"tradeSymbol": "FUEL", "units": units, "shipSymbol": to})

    assert error(transfer(FRIGATE))["code"] == 4233
    assert error(transfer(other_ship))["code"] == 4232
    assert transfer("NOBODY-1").status_code == 404 and error(transfer("NOBODY-1"))["code"] == 4231
    assert error(transfer(PROBE))["code"] == 4234  # the probe is docked, the frigate in orbit
    h.post(f"/my/ships/{PROBE}/orbit")
    assert error(transfer(PROBE))["code"] == 4228  # probes carry nothing
    # A second frigate-like hold: buy a shuttle at the HQ yard and transfer to it.
    bought = h.post("/my/ships", json={"shipType": "SHIP_LIGHT_SHUTTLE", "waypointSymbol": hq})
    assert bought.status_code == 201, bought.text
    shuttle = bought.json()["data"]["ship"]["symbol"]
    h.post(f"/my/ships/{shuttle}/orbit")
    r = transfer(shuttle, 15)
    assert r.status_code == 200 and r.json()["data"]["cargo"]["units"] == 0
    assert h.get(f"/my/ships/{shuttle}/cargo").json()["data"]["inventory"][0]["units"] == 15

