"""The map page in a real browser (Debian's chromium, driven by Playwright; nothing downloads one).

Set SPACETRADERS_MAP_SCREENSHOT=docs/map.png to refresh the screenshot in the docs.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from spacetraders.domain.containers import ContainerStatus
from spacetraders.web.app import create_app
from spacetraders.web.server import BackgroundServer
from tests.web.conftest import NOW, SYSTEM, World, put_market, put_ship, start_tour
from tests.web.universe import greedy_loop

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.slow

# Market ages -> the freshness class the legend promises for them.
AGES = {timedelta(minutes=3): "fresh", timedelta(minutes=40): "recent", timedelta(hours=3): "aging",
        timedelta(hours=20): "stale"}


@pytest.fixture
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (CI does) to run the browser test")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def sector_routes(world: World, tours: int) -> list[list[str]]:
    """How a planner splits a system between scouts: neighbouring market locations by bearing."""
    spots: dict[tuple[int, int], list[str]] = {}
    for w in world.markets:
        spots.setdefault((w.x, w.y), []).append(w.symbol)
    ordered = sorted(spots, key=lambda xy: math.atan2(xy[1], xy[0]))
    routes = []
    for k in range(tours):
        first = round(k * len(ordered) / tours)
        chosen = [ordered[(first + i) % len(ordered)] for i in range(4)]
        symbols = [s for xy in chosen for s in spots[xy]]
        routes.append([w.symbol for w in greedy_loop([w for w in world.markets if w.symbol in symbols])])
    return routes


def fleet(world: World) -> tuple[list[str], list[str]]:
    """Seven tours in several states over the ~80-waypoint system; markets of every age."""
    markets = [w.symbol for w in world.markets]
    tours, with_ship = [], []
    with world.db.transaction() as uow:
        for n, route in enumerate(sector_routes(world, 7)):
            status = ContainerStatus.STARTING if n == 6 else ContainerStatus.RUNNING
            ship = f"COOPER-{n + 2}"
            tours.append(start_tour(uow, world.player_id, ship, route, status=status, iterations=10).container_id)
            if n == 6:
                continue  # no known position yet: a route without a ship marker
            if n % 2 == 0:
                put_ship(uow, world.player_id, ship, route[2], nav_status="IN_TRANSIT", origin=route[1],
                         departure_at=NOW - timedelta(seconds=30 + 10 * n), arrival_at=NOW + timedelta(seconds=60))
            else:
                put_ship(uow, world.player_id, ship, route[n % len(route)])
            with_ship.append(tours[-1])
        for index, symbol in enumerate(markets[:-3]):  # the last three markets were never seen
            put_market(uow, symbol, age=list(AGES)[index % len(AGES)])
    return tours, with_ship


def test_map_draws_tours_filters_them_and_toggles_market_freshness(world: World, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tours, with_ship = fleet(world)
    with BackgroundServer(create_app(world.db, clock=world.clock)) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # The page's Content-Security-Policy must not block anything the map uses.
        page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"{server.url}/?refresh=700")
        page.wait_for_selector("body[data-loaded=true]")

        assert page.input_value("#system-select") == SYSTEM
        assert page.locator(".waypoint").count() == len(world.waypoints)
        assert page.locator(".waypoint.market").count() == len(world.markets)
        drawn = page.eval_on_selector_all(".tour-route", "els => els.map(e => e.dataset.containerId)")
        assert sorted(drawn) == sorted(tours)
        ships = page.eval_on_selector_all(".ship-marker", "els => els.map(e => e.dataset.containerId)")
        assert sorted(ships) == sorted(with_ship)
        colours = page.eval_on_selector_all(".tour-route", "els => els.map(e => e.getAttribute('stroke'))")
        assert len(set(colours)) == len(tours)  # each tour in its own colour
        assert page.locator(".tour-item").count() == len(tours)

        # The filter hides one tour (route and ship) and keeps it hidden across refreshes.
        hidden = with_ship[0]
        page.uncheck(f".tour-filter[data-container-id='{hidden}']")
        assert page.is_hidden(f".tour-route[data-container-id='{hidden}']")
        assert page.is_hidden(f".ship-marker[data-container-id='{hidden}']")
        assert page.is_visible(f".tour-route[data-container-id='{with_ship[1]}']")
        page.wait_for_timeout(1600)
        assert page.is_hidden(f".tour-route[data-container-id='{hidden}']")

        # The Markets toggle shows and hides the freshness overlay and its legend.
        assert page.is_hidden(".market-marker >> nth=0") and page.is_hidden("#market-legend")
        page.check("#markets-toggle")
        assert page.is_visible(".market-marker >> nth=0") and page.is_visible("#market-legend")
        classes = Counter(page.eval_on_selector_all(".market-marker", "els => els.map(e => e.dataset.ageClass)"))
        markets = [w.symbol for w in world.markets]
        expected = Counter(list(AGES.values())[i % len(AGES)] for i in range(len(markets) - 3))
        expected["none"] = 3
        assert classes == expected

        page.check(f".tour-filter[data-container-id='{hidden}']")
        page.mouse.move(10, 10)
        shot = Path(os.environ.get("SPACETRADERS_MAP_SCREENSHOT") or tmp_path / "map.png")
        page.screenshot(path=str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

        page.uncheck("#markets-toggle")
        assert page.is_hidden(".market-marker >> nth=0") and page.is_hidden("#market-legend")
        assert errors == []


def test_unknown_system_in_the_url_shows_an_error(world: World, browser) -> None:  # type: ignore[no-untyped-def]
    with BackgroundServer(create_app(world.db, clock=world.clock)) as server:
        page = browser.new_page()
        page.goto(f"{server.url}/?system=X1-NOPE")
        page.wait_for_selector("#status.error")
        assert "unknown system" in page.text_content("#status")


def test_markets_on_a_tour_are_judged_by_its_loop(world: World, browser) -> None:  # type: ignore[no-untyped-def]
    from spacetraders.application.containers import create_container

    toured = [w.symbol for w in world.markets[:3]]
    elsewhere = world.markets[3].symbol
    with world.db.transaction() as uow:
        tour = create_container(
            uow, player_id=world.player_id, command_type="ScoutTourCommand", id_prefix="scout-tour-cooper-2",
            params={"ship_symbol": "COOPER-2", "system": SYSTEM, "markets": toured, "iterations": -1,
                    "period_seconds": 600}, now=NOW)
        # A 10-minute loop (+2 min slack): 5 min is fresh, 15 min due, 40 min overdue.
        for symbol, minutes in zip(toured, (5, 15, 40)):
            put_market(uow, symbol, age=timedelta(minutes=minutes))
        put_market(uow, elsewhere, age=timedelta(minutes=40))  # on no tour: the absolute scale
    with BackgroundServer(create_app(world.db, clock=world.clock)) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server.url}/?markets=1&refresh=700")
        page.wait_for_selector("body[data-loaded=true]")

        def age_class(symbol: str) -> str | None:
            return page.get_attribute(f".market-marker[data-symbol='{symbol}']", "data-age-class")

        assert [age_class(s) for s in toured] == ["fresh", "due", "overdue"]
        assert age_class(elsewhere) == "recent"
        panel = page.text_content(f".tour-item[data-container-id='{tour.container_id}']") or ""
        assert "refreshed every 10m00s" in panel
        assert errors == []


def test_other_runs_are_drawn_with_their_route_and_next_stop(world: World, browser) -> None:  # type: ignore[no-untyped-def]
    from spacetraders.application.containers import claim_start, create_container
    from spacetraders.persistence.progress import save_progress

    a, b, c = (w.symbol for w in world.markets[:3])
    with world.db.transaction() as uow:
        run = create_container(uow, player_id=world.player_id, command_type="TradeCommand", id_prefix="trade-cooper-9",
                               params={"ship_symbol": "COOPER-9", "run_id": "trip-1"}, now=NOW)
        claim_start(uow, run.container_id, daemon_id="daemon-web-tests", now=NOW)
        put_ship(uow, world.player_id, "COOPER-9", a)
        save_progress(uow, world.player_id, "trip-1", ship_symbol="COOPER-9", command_type="TradeCommand",
                      container_id=run.container_id, now=NOW,
                      state={"phase": "flying", "next_stop": b, "route": [a, b, c]})
    with BackgroundServer(create_app(world.db, clock=world.clock)) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server.url}/?system={SYSTEM}&refresh=700")
        page.wait_for_selector("body[data-loaded=true]")
        group = f".run[data-container-id='{run.container_id}']"
        assert len(page.query_selector_all(f"{group} .run-route")) == 1
        assert len(page.query_selector_all(f"{group} .run-next")) == 1
        label = page.text_content(".run-marker[data-ship='COOPER-9'] .ship-label") or ""
        assert label == "9 trade"
        assert errors == []
