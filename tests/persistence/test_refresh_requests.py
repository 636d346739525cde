"""Market refresh requests on both databases: one pending request per (player, market) whoever
writes it, a snapshot serves it in its own transaction, and the live tours that cover a market."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from spacetraders.domain.containers import ContainerStatus
from spacetraders.persistence.database import Database
from spacetraders.persistence.markets import store_market_snapshot
from spacetraders.persistence.migrations import current_revision, downgrade, upgrade
from spacetraders.persistence.models import MarketRefreshRequest, MarketRow
from spacetraders.persistence.refresh_requests import (
    mark_served,
    pending_requests,
    request_refresh,
    scouted_markets,
)
from tests.factories import make_container, make_player
from tests.persistence.test_markets import snapshot

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
A1, B2 = "X1-TS98-A1", "X1-TS98-B2"
INSERT = text(
    "INSERT INTO market_refresh_requests (player_id, waypoint_symbol, requested_by, requested_at, served_at) "
    "VALUES (:p, :w, 'trade-x', :at, :served)"
)


def players(db: Database, n: int = 2) -> list[int]:
    with db.transaction() as uow:
        return [make_player(uow, f"P{i}").player_id for i in range(n)]


def test_one_pending_request_per_player_and_market_even_with_raw_sql(db: Database) -> None:
    me, other = players(db)
    at = T0.replace(tzinfo=None)
    with db.transaction() as uow:
        uow.session.execute(INSERT, {"p": me, "w": A1, "at": at, "served": None})
    with pytest.raises(IntegrityError):
        with db.transaction() as uow:
            uow.session.execute(INSERT, {"p": me, "w": A1, "at": at, "served": None})
    with db.transaction() as uow:  # served ones, other markets and other players do not collide
        uow.session.execute(INSERT, {"p": me, "w": A1, "at": at, "served": at})
        uow.session.execute(INSERT, {"p": me, "w": B2, "at": at, "served": None})
        uow.session.execute(INSERT, {"p": other, "w": A1, "at": at, "served": None})
    with db.read() as session:
        count = session.execute(text("SELECT count(*) FROM market_refresh_requests")).scalar_one()
    assert count == 4


def test_a_second_asker_joins_the_pending_request(db: Database) -> None:
    (me,) = players(db, 1)
    with db.transaction() as uow:
        assert request_refresh(uow.session, me, A1, requested_by="trade-a", now=T0)
        assert not request_refresh(uow.session, me, A1, requested_by="trade-b", now=T0 + timedelta(seconds=5))
    with db.read() as session:
        assert pending_requests(session, me, [A1, B2]) == {A1: T0}
        assert session.scalars(select(MarketRefreshRequest.requested_by)).all() == ["trade-a"]


def test_a_snapshot_serves_the_request_in_its_own_transaction(db: Database) -> None:
    me, other = players(db)
    with db.transaction() as uow:
        request_refresh(uow.session, me, A1, requested_by="trade-a", now=T0)
        request_refresh(uow.session, other, A1, requested_by="trade-b", now=T0)
        request_refresh(uow.session, me, B2, requested_by="trade-a", now=T0)
    served_at = T0 + timedelta(minutes=3)

    class Crash(Exception):
        pass

    with pytest.raises(Crash):  # the snapshot's transaction fails: the request stays pending
        with db.transaction() as uow:
            store_market_snapshot(uow.session, snapshot(A1, {"IRON": 10}), player_id=me, now=served_at)
            raise Crash()
    with db.read() as session:
        assert set(pending_requests(session, me, [A1, B2])) == {A1, B2}

    with db.transaction() as uow:
        store_market_snapshot(uow.session, snapshot(A1, {"IRON": 10}), player_id=me, now=served_at)
    with db.read() as session:
        assert pending_requests(session, me, [A1, B2]) == {B2: T0}
        assert pending_requests(session, other, [A1]) == {}  # market data is shared: every asker is answered
        updated = session.scalars(select(MarketRow.updated_at).where(MarketRow.waypoint_symbol == A1)).one()
        served = session.scalars(select(MarketRefreshRequest.served_at).where(
            MarketRefreshRequest.waypoint_symbol == A1)).all()
    assert served == [updated, updated] == [served_at, served_at]
    with db.transaction() as uow:  # nothing pending: nothing to serve, and a new request may be filed
        assert mark_served(uow.session, A1, now=served_at) == 0
        assert request_refresh(uow.session, me, A1, requested_by="trade-a", now=served_at)


def test_scouted_markets_are_those_of_live_tours_holding_their_ship(db: Database) -> None:
    me, other = players(db)
    c1 = "X1-TS98-C1"
    with db.transaction() as uow:
        live = make_container(uow, me, "ME-1", params={"markets": [A1, B2]})
        uow.assignments.assign(me, "ME-1", live.container_id)
        make_container(uow, me, "ME-2", params={"markets": [c1]})  # no assignment: not a live tour
        make_container(uow, me, "ME-3", status=ContainerStatus.STOPPED, params={"markets": [c1]})
        theirs = make_container(uow, other, "THEM-1", params={"markets": [c1]})
        uow.assignments.assign(other, "THEM-1", theirs.container_id)
        elsewhere = make_container(uow, me, "ME-4", params={"system": "X1-ZZ9", "markets": ["X1-ZZ9-A1"]})
        uow.assignments.assign(me, "ME-4", elsewhere.container_id)
        live_id, elsewhere_id = live.container_id, elsewhere.container_id
    with db.read() as session:
        assert scouted_markets(session, me, [A1, c1, "X1-ZZ9-A1"]) == {A1: live_id, "X1-ZZ9-A1": elsewhere_id}
        assert scouted_markets(session, me, []) == {}


def test_migration_0009_up_and_down(empty_db_url: str) -> None:
    db = Database(empty_db_url)
    try:
        upgrade(db, "0008")
        assert "market_refresh_requests" not in inspect(db.engine).get_table_names()
        upgrade(db, "0009")
        indexes = {i["name"] for i in inspect(db.engine).get_indexes("market_refresh_requests")}
        assert "uq_market_refresh_requests_pending" in indexes
        downgrade(db, "0008")
        assert current_revision(db) == "0008"
        assert "market_refresh_requests" not in inspect(db.engine).get_table_names()
        upgrade(db)
        assert current_revision(db) == "0009"
    finally:
        db.dispose()
