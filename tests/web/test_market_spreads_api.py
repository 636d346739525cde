"""`/api/market/spreads` (the `market spreads` query over HTTP) and the map's dashed lane overlay."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from spacetraders.persistence.models import MarketGood, MarketRow
from spacetraders.web.app import create_app
from spacetraders.web.market import SpreadsResponse
from spacetraders.web.server import BackgroundServer
from tests.web.conftest import NOW, OTHER_SYSTEM, SYSTEM, World

CHROMIUM = Path("/usr/bin/chromium")


def _put(world: World, symbol: str, goods: list[tuple[str, str, int, int, str]], *, age: timedelta,
         system: str = SYSTEM) -> None:
    updated = NOW - age
    with world.db.transaction() as uow:
        uow.session.add(MarketRow(waypoint_symbol=symbol, system_symbol=system, player_id=None, updated_at=updated))
        uow.session.flush()
        for good, kind, ask, bid, supply in goods:
            uow.session.add(MarketGood(waypoint_symbol=symbol, symbol=good, type=kind, supply=supply, activity="WEAK",
                                       purchase_price=ask, sell_price=bid, trade_volume=20, updated_at=updated))


@pytest.fixture
def lanes(world: World) -> World:
    """IRON: exported at market 0, imported at 1 (fresh) and at 2 (3 h old); GOLD: 3 -> 1, thinner."""
    m = apart(world)
    _put(world, m[0], [("IRON", "EXPORT", 100, 50, "HIGH"), ("FUEL", "EXCHANGE", 72, 68, "MODERATE")],
         age=timedelta(minutes=5))
    _put(world, m[1], [("IRON", "IMPORT", 600, 300, "SCARCE"), ("GOLD", "IMPORT", 500, 250, "LIMITED")],
         age=timedelta(minutes=10))
    _put(world, m[2], [("IRON", "IMPORT", 900, 450, "SCARCE")], age=timedelta(hours=3))
    _put(world, m[3], [("GOLD", "EXPORT", 200, 100, "HIGH")], age=timedelta(minutes=1))
    return world


def apart(world: World) -> list[str]:
    """One market per location (orbitals share their planet's coordinates): lanes of visible length."""
    seen: dict[tuple[int, int], str] = {}
    for w in world.markets:
        seen.setdefault((w.x, w.y), w.symbol)
    return list(seen.values())


def get(world: World, **params: str | int) -> dict:
    response = world.client().get("/api/market/spreads", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_spreads_rank_fresh_lanes_best_first(lanes: World) -> None:
    m = apart(lanes)
    body = get(lanes, system=SYSTEM.lower())
    SpreadsResponse.model_validate(body)
    assert body["systems"] == [SYSTEM] and "light hauler" in body["ship"] and body["max_age_seconds"] == 3600
    assert body["fuel_price_per_unit"] == pytest.approx(0.72)
    found = [(lane["good"], lane["buy_at"], lane["sell_at"]) for lane in body["lanes"]]
    assert set(found) == {("IRON", m[0], m[1]), ("GOLD", m[3], m[1])}  # m[2] is stale
    rates = [lane["profit_per_hour"] for lane in body["lanes"]]
    assert rates == sorted(rates, reverse=True)
    assert all(lane["expected_profit"] == lane["revenue"] - lane["goods_cost"] - lane["fuel_cost"]
               for lane in body["lanes"])

    assert {lane["sell_at"] for lane in get(lanes, max_age=6 * 3600, good="IRON")["lanes"]} == {m[1], m[2]}
    assert len(get(lanes, limit=1)["lanes"]) == 1
    best = body["lanes"][0]["expected_profit"]
    assert all(lane["expected_profit"] > best - 1 for lane in get(lanes, min_profit=best - 1)["lanes"])
    assert get(lanes, system=OTHER_SYSTEM)["lanes"] == []
    assert get(lanes)["systems"] == [SYSTEM]  # every system with market data


@pytest.mark.parametrize("params", [
    {"system": "X1 TS98"}, {"good": "IRON ORE"}, {"min_profit": "0"}, {"max_age": str(31 * 86400)},
    {"limit": "1001"}, {"max_age": "1h"},
])
def test_bad_parameters_are_422(lanes: World, params: dict[str, str]) -> None:
    response = lanes.client().get("/api/market/spreads", params=params)
    assert response.status_code == 422 and "detail" in response.json()


def test_openapi_documents_spreads(lanes: World) -> None:
    spec = lanes.client().get("/openapi.json").json()
    names = {p["name"] for p in spec["paths"]["/api/market/spreads"]["get"]["parameters"]}
    assert names == {"system", "good", "min_profit", "max_age", "limit"}


@pytest.mark.slow
def test_map_draws_the_top_lanes_dashed(lanes: World) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser test")
    sync_api = pytest.importorskip("playwright.sync_api")
    m = apart(lanes)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            with BackgroundServer(create_app(lanes.db, clock=lanes.clock)) as server:
                page = browser.new_page(viewport={"width": 1200, "height": 800})
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.goto(f"{server.url}/?system={SYSTEM}&refresh=60000")
                page.wait_for_selector("body[data-loaded=true]")
                drawn = page.eval_on_selector_all(
                    ".trade-lane", "els => els.map(e => [e.dataset.good, e.dataset.buy, e.dataset.sell, "
                                   "e.getAttribute('stroke-dasharray') !== null])")
                assert sorted(map(tuple, drawn)) == sorted([("IRON", m[0], m[1], True), ("GOLD", m[3], m[1], True)])
                assert page.is_visible("#lane-overlay")  # (a vertical line alone has an empty box)
                page.uncheck("#lanes-toggle")
                assert page.is_hidden("#lane-overlay") and "lanes=0" in page.url
                assert errors == []
        finally:
            browser.close()
