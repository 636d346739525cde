"""Market refresh requests: a trader asks the scout tours to read a market again.

A trader whose plan rests on old prices files a request for the market (at most one pending
per player and market: a second asker joins it); a scout tour whose loop includes that market
visits it next; the snapshot that answers it marks the request served in the snapshot's own
transaction (persistence/markets.store_market_snapshot), so a request is never served without
the data, nor the data stored with the request left pending.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from spacetraders.domain.containers import ContainerStatus
from spacetraders.domain.navigation import system_of
from spacetraders.persistence.assignments import ACTIVE
from spacetraders.persistence.containers import config_param_sql, parse_params
from spacetraders.persistence.models import Container, MarketRefreshRequest, ShipAssignment

SCOUT_TOUR = "ScoutTourCommand"
# Tours that will visit a market: STOPPING ones are on their way out; INTERRUPTED ones resume
# when a daemon takes them back (the asker's timeout covers a daemon that never does).
SERVING = sorted(s.value for s in (ContainerStatus.STARTING, ContainerStatus.RUNNING, ContainerStatus.INTERRUPTED))
PENDING = MarketRefreshRequest.served_at.is_(None)


def request_refresh(session: Session, player_id: int, waypoint: str, *, requested_by: str, now: datetime) -> bool:
    """File a request for `waypoint`; True if filed now, False if one was already pending
    (the partial unique index decides, so two traders asking at once make one request)."""
    make_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = cast(Table, MarketRefreshRequest.__table__)
    statement = make_insert(table).values(
        player_id=player_id, waypoint_symbol=waypoint, requested_by=requested_by, requested_at=now
    ).on_conflict_do_nothing(
        index_elements=[table.c.player_id, table.c.waypoint_symbol], index_where=text("served_at IS NULL")
    ).returning(table.c.request_id)  # rowcount is not reliable with psycopg's RETURNING: a row is
    return session.execute(statement).first() is not None


def pending_requests(session: Session, player_id: int, waypoints: Iterable[str]) -> dict[str, datetime]:
    """The pending requests among these markets: waypoint -> when it was asked for."""
    symbols = sorted(set(waypoints))
    if not symbols:
        return {}
    rows = session.execute(
        select(MarketRefreshRequest.waypoint_symbol, MarketRefreshRequest.requested_at).where(
            MarketRefreshRequest.player_id == player_id,
            MarketRefreshRequest.waypoint_symbol.in_(symbols),
            PENDING,
        )
    )
    return {symbol: at for symbol, at in rows}


def mark_served(session: Session, waypoint: str, *, now: datetime) -> int:
    """A snapshot of `waypoint` was stored: every pending request for it is answered (market
    data is one row per waypoint, whoever read it, so every player's request is). Returns how many."""
    result = session.execute(
        update(MarketRefreshRequest)
        .where(MarketRefreshRequest.waypoint_symbol == waypoint, PENDING)
        .values(served_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def scouted_markets(session: Session, player_id: int, waypoints: Iterable[str]) -> dict[str, str]:
    """Which of these markets a live scout tour of the player visits: waypoint -> the tour's
    container id. A tour counts while it holds its ship (an ACTIVE assignment, as the tours
    read model joins them); its markets come from its params (one query per system)."""
    wanted = set(waypoints)
    if not wanted:
        return {}
    dialect = session.get_bind().dialect.name
    covered: dict[str, str] = {}
    for system in sorted({system_of(w) for w in wanted}):
        rows = session.execute(
            select(Container.container_id, Container.config)
            .join(ShipAssignment, and_(ShipAssignment.container_id == Container.container_id,
                                       ShipAssignment.player_id == Container.player_id))
            .where(
                Container.player_id == player_id,
                Container.command_type == SCOUT_TOUR,
                Container.status.in_(SERVING),
                ShipAssignment.status == ACTIVE,
                config_param_sql(dialect, "system") == system,
            )
            .order_by(Container.container_id)
        )
        for container_id, config in rows:
            try:
                markets = parse_params(config).get("markets")
            except ValueError:
                continue  # a bad row serves nothing (`assignments fix` names it)
            if isinstance(markets, list):
                for market in markets:
                    if market in wanted:
                        covered.setdefault(str(market), container_id)
    return covered
