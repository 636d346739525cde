"""Realistic rows for the web tests: a synthetic system, players, ships and live scout tours."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from spacetraders.application.containers import (
    claim_start,
    create_container,
    fail_container,
)
from spacetraders.clock import FakeClock
from spacetraders.domain.containers import ContainerStatus
from spacetraders.persistence.database import Database
from spacetraders.persistence.models import Container, MarketGood, MarketRow, ShipRow
from spacetraders.persistence.unit_of_work import UnitOfWork
from spacetraders.web.app import create_app
from tests.factories import make_player
from tests.web.universe import Waypoint, greedy_loop, insert_system, synthetic_system

SYSTEM = "X1-TS98"
OTHER_SYSTEM = "X1-KP23"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


DAEMON = "daemon-web-tests"


def start_tour(
    uow: UnitOfWork, player_id: int, ship: str, markets: list[str], *, system: str = SYSTEM,
    status: ContainerStatus = ContainerStatus.RUNNING, iterations: int | None = None,
    created_at: datetime | None = None, restart_policy: str = "on-failure",
) -> Container:
    """A scout tour as the application handlers leave it: created (ship assigned) and, if RUNNING, claimed."""
    now = created_at or NOW - timedelta(minutes=5)
    params = {"ship_symbol": ship, "system": system, "markets": markets, "iterations": iterations}
    container = create_container(uow, player_id=player_id, command_type="ScoutTourCommand", params=params,
                                 id_prefix=f"scout-tour-{ship}", restart_policy=restart_policy, now=now)
    if status is ContainerStatus.RUNNING:
        claimed = claim_start(uow, container.container_id, daemon_id=DAEMON, now=now)
        assert claimed is not None
        return claimed
    assert status is ContainerStatus.STARTING, "other states come from the handlers in the test itself"
    return container


def fail_tour(uow: UnitOfWork, container: Container, *, reason: str = "boom") -> Container | None:
    """The running tour raised: the new container if the policy restarts it, None if it gave up."""
    return fail_container(uow, container.container_id, daemon_id=DAEMON, reason=reason, now=NOW)


def put_ship(
    uow: UnitOfWork, player_id: int, ship: str, waypoint: str, *, nav_status: str = "DOCKED",
    origin: str | None = None, departure_at: datetime | None = None, arrival_at: datetime | None = None,
    system: str = SYSTEM,
) -> None:
    uow.session.merge(ShipRow(
        player_id=player_id, ship_symbol=ship, role="SATELLITE", frame="FRAME_PROBE", system_symbol=system,
        waypoint_symbol=waypoint, nav_status=nav_status, flight_mode="CRUISE", origin_symbol=origin,
        departure_at=departure_at, arrival_at=arrival_at, engine_speed=9, fuel_current=0, fuel_capacity=0,
        updated_at=NOW,
    ))
    uow.session.flush()


def put_market(uow: UnitOfWork, symbol: str, *, age: timedelta, system: str = SYSTEM) -> None:
    updated = NOW - age
    uow.session.add(MarketRow(waypoint_symbol=symbol, system_symbol=system, player_id=None, updated_at=updated))
    uow.session.flush()
    uow.session.add(MarketGood(waypoint_symbol=symbol, symbol="FUEL", type="EXCHANGE", supply="MODERATE",
                               activity="WEAK", purchase_price=72, sell_price=68, trade_volume=100,
                               updated_at=updated))
    uow.session.flush()


@dataclass
class World:
    db: Database
    clock: FakeClock
    waypoints: list[Waypoint]
    player_id: int
    other_player_id: int

    @property
    def markets(self) -> list[Waypoint]:
        return [w for w in self.waypoints if w.is_market]

    def coords(self, symbol: str) -> tuple[int, int]:
        w = next(w for w in self.waypoints if w.symbol == symbol)
        return w.x, w.y

    def client(self) -> httpx.Client:
        from fastapi.testclient import TestClient

        # A loopback Host: the app answers no other (see web/security.py).
        return TestClient(create_app(self.db, clock=self.clock), base_url="http://127.0.0.1",
                          raise_server_exceptions=False)


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    waypoints = synthetic_system(SYSTEM)
    with db.transaction() as uow:
        insert_system(uow.session, SYSTEM, waypoints, now=NOW)
        insert_system(uow.session, OTHER_SYSTEM, synthetic_system(OTHER_SYSTEM, seed=11, asteroids=5), now=NOW)
        cooper = make_player(uow, "COOPER").player_id
        brand = make_player(uow, "BRAND").player_id
    yield World(db, FakeClock(NOW), waypoints, cooper, brand)


def tour_markets(world: World, count: int, start: int = 0) -> list[str]:
    return [w.symbol for w in greedy_loop(world.markets[:count], start)]
