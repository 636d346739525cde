"""The schema. Dashboards query these tables with raw SQL: keep names stable.

What must never exist is rejected by the database itself:
- a second active assignment for a ship: one row per (player_id, ship_symbol);
- an assignment pointing at a missing container, or at another player's container:
  a composite foreign key to containers (container_id, player_id);
- an active assignment without a container, or unknown status values: CHECK constraints.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from spacetraders.persistence.types import UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, but INTEGER on SQLite so the key is the rowid and autoincrements.
BigId = BigInteger().with_variant(Integer(), "sqlite")

_STATUSES = "'STARTING','RUNNING','STOPPING','INTERRUPTED','STOPPED','FAILED','COMPLETED'"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Player(Base):
    __tablename__ = "players"

    player_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_symbol: Mapped[str] = mapped_column(String(32), unique=True)
    token: Mapped[str] = mapped_column(Text)
    faction: Mapped[str | None] = mapped_column(String(32))
    headquarters: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_active: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:  # never the token
        return f"Player(player_id={self.player_id!r}, agent_symbol={self.agent_symbol!r})"


class Container(Base):
    __tablename__ = "containers"
    __table_args__ = (
        UniqueConstraint("container_id", "player_id"),
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        CheckConstraint("restart_policy IN ('no','on-failure','always')", name="restart_policy"),
        CheckConstraint("restart_count >= 0", name="restart_count"),
        Index(None, "status", "player_id"),
        Index(None, "restarted_from"),
        Index(None, "daemon_id", "status"),
    )

    container_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.player_id"))
    status: Mapped[str] = mapped_column(String(16))
    command_type: Mapped[str] = mapped_column(String(64))
    # JSON text {"command_type": ..., "params": {...}}; TEXT so that raw SQL can cast it.
    config: Mapped[str] = mapped_column(Text)
    restart_policy: Mapped[str] = mapped_column(String(16), default="on-failure")
    # Restart intensity: give up after this many failures within this many seconds.
    max_restarts: Mapped[int] = mapped_column(Integer, default=5)
    restart_window_s: Mapped[int] = mapped_column(Integer, default=600)
    restarted_from: Mapped[str | None] = mapped_column(ForeignKey("containers.container_id", ondelete="SET NULL"))
    restart_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Backoff: a STARTING container is not claimed before this time.
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    exit_code: Mapped[int | None] = mapped_column(Integer)
    exit_reason: Mapped[str | None] = mapped_column(Text)
    # The daemon that owns (runs) it; NULL while nobody has claimed it.
    daemon_id: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"Container({self.container_id!r}, status={self.status!r})"


class ShipAssignment(Base):
    __tablename__ = "ship_assignments"
    __table_args__ = (
        ForeignKeyConstraint(
            ["container_id", "player_id"],
            ["containers.container_id", "containers.player_id"],
            name="fk_ship_assignments_container",
        ),
        CheckConstraint("status IN ('active','idle')", name="status"),
        CheckConstraint("status = 'idle' OR container_id IS NOT NULL", name="active_has_container"),
        Index(None, "container_id"),
        Index(None, "status", "player_id"),
    )

    # One row per ship: a second active assignment for a ship cannot be written.
    player_id: Mapped[int] = mapped_column(ForeignKey("players.player_id"), primary_key=True)
    ship_symbol: Mapped[str] = mapped_column(String(64), primary_key=True)
    container_id: Mapped[str | None] = mapped_column(String(128))
    operation: Mapped[str] = mapped_column(String(32), default="command")
    status: Mapped[str] = mapped_column(String(8))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    release_reason: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"ShipAssignment({self.ship_symbol!r} -> {self.container_id!r}, {self.status})"


class ContainerLog(Base):
    __tablename__ = "container_logs"
    __table_args__ = (
        Index("ix_container_logs_latest", "container_id", "log_id"),
        Index(None, "timestamp"),
    )

    log_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    container_id: Mapped[str] = mapped_column(ForeignKey("containers.container_id", ondelete="CASCADE"))
    player_id: Mapped[int] = mapped_column(Integer)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    level: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text)


class ContainerEvent(Base):
    """Status history of a container, for `container inspect`."""

    __tablename__ = "container_events"
    __table_args__ = (Index(None, "container_id", "event_id"),)

    event_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    container_id: Mapped[str] = mapped_column(ForeignKey("containers.container_id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)


class Daemon(Base):
    """A supervisor process. Its heartbeat renews its lease; an expired lease means dead."""

    __tablename__ = "daemons"
    __table_args__ = (CheckConstraint("status IN ('running','stopping','stopped','dead')", name="status"),)

    daemon_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # running, stopping, stopped, dead (lease expired)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[str | None] = mapped_column(String(32))
    # <boot id>/<pid namespace>:<pid>:<start ticks> (supervisor/identity.py); NULL where unknown:
    # then only the lease can tell that this daemon is dead.
    process_key: Mapped[str | None] = mapped_column(String(160))


class PlayerLease(Base):
    """All containers of one player run on one daemon, so its rate limit holds."""

    __tablename__ = "player_leases"

    player_id: Mapped[int] = mapped_column(ForeignKey("players.player_id", ondelete="CASCADE"), primary_key=True)
    daemon_id: Mapped[str] = mapped_column(String(64))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Preference(Base):
    """Small per-database settings, e.g. the default player."""

    __tablename__ = "preferences"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SystemRow(Base):
    """Cached system (universe data, shared by all players)."""

    __tablename__ = "systems"

    system_symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    sector_symbol: Mapped[str | None] = mapped_column(String(16))
    type: Mapped[str | None] = mapped_column(String(32))
    x: Mapped[int] = mapped_column(Integer)
    y: Mapped[int] = mapped_column(Integer)
    waypoints_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WaypointRow(Base):
    """Cached waypoint; `traits` is a JSON list of trait symbols."""

    __tablename__ = "waypoints"
    __table_args__ = (Index(None, "system_symbol"),)

    waypoint_symbol: Mapped[str] = mapped_column(String(64), primary_key=True)
    system_symbol: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(32))
    x: Mapped[int] = mapped_column(Integer)
    y: Mapped[int] = mapped_column(Integer)
    traits: Mapped[str] = mapped_column(Text, default="[]")
    orbits: Mapped[str | None] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MarketRow(Base):
    """Latest snapshot of one market."""

    __tablename__ = "markets"
    __table_args__ = (Index(None, "system_symbol"),)

    waypoint_symbol: Mapped[str] = mapped_column(String(64), primary_key=True)
    system_symbol: Mapped[str] = mapped_column(String(32))
    player_id: Mapped[int | None] = mapped_column(ForeignKey("players.player_id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MarketGood(Base):
    """One trade good of a market's latest snapshot."""

    __tablename__ = "market_goods"

    waypoint_symbol: Mapped[str] = mapped_column(
        ForeignKey("markets.waypoint_symbol", ondelete="CASCADE"), primary_key=True
    )
    symbol: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str | None] = mapped_column(String(16))  # EXPORT, IMPORT, EXCHANGE
    supply: Mapped[str | None] = mapped_column(String(16))
    activity: Mapped[str | None] = mapped_column(String(16))
    purchase_price: Mapped[int | None] = mapped_column(Integer)
    sell_price: Mapped[int | None] = mapped_column(Integer)
    trade_volume: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MarketPriceHistory(Base):
    """Append-only record of every observed price."""

    __tablename__ = "market_price_history"
    __table_args__ = (Index(None, "waypoint_symbol", "symbol", "observed_at"), Index(None, "observed_at"))

    history_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    waypoint_symbol: Mapped[str] = mapped_column(String(64))
    system_symbol: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(64))
    supply: Mapped[str | None] = mapped_column(String(16))
    activity: Mapped[str | None] = mapped_column(String(16))
    purchase_price: Mapped[int | None] = mapped_column(Integer)
    sell_price: Mapped[int | None] = mapped_column(Integer)
    trade_volume: Mapped[int | None] = mapped_column(Integer)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    player_id: Mapped[int | None] = mapped_column(Integer)


class ShipRow(Base):
    """Last known state of a ship (position, nav, fuel), written whenever we see it.

    The map and the tours API read positions from here instead of calling the game.
    """

    __tablename__ = "ships"
    __table_args__ = (Index(None, "system_symbol"),)

    player_id: Mapped[int] = mapped_column(ForeignKey("players.player_id", ondelete="CASCADE"), primary_key=True)
    ship_symbol: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str | None] = mapped_column(String(32))
    frame: Mapped[str | None] = mapped_column(String(64))
    system_symbol: Mapped[str] = mapped_column(String(32))
    waypoint_symbol: Mapped[str] = mapped_column(String(64))  # destination while in transit
    nav_status: Mapped[str] = mapped_column(String(16))
    flight_mode: Mapped[str | None] = mapped_column(String(16))
    origin_symbol: Mapped[str | None] = mapped_column(String(64))
    departure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    arrival_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    engine_speed: Mapped[int | None] = mapped_column(Integer)
    fuel_current: Mapped[int | None] = mapped_column(Integer)
    fuel_capacity: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
