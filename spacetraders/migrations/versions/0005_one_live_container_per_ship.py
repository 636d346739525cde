"""The database rejects two live containers for one ship, and an active assignment whose
container is not live or drives another ship.

- containers.ship_symbol: the ship a container drives, backfilled from its JSON config
  (`params.ship_symbol`); a config that is not a JSON object, or names no usable ship, gives NULL.
- containers.live_ship (generated): ship_symbol while the container is live, else NULL;
  unique per player, and with (container_id, player_id) the target of the key below.
- ship_assignments.active_ship (generated): ship_symbol while active, else NULL; the
  deferrable foreign key (container_id, player_id, active_ship) -> containers.
- PostgreSQL: spacetraders_config_param(config, key), a config parameter or NULL (never an
  error) for a config that is not JSON.

Rows that break the new rules are repaired before the constraints are made, never dropped:
of several live containers of one ship, the one holding its active assignment (else the
newest) keeps it and the others are STOPPED; an active assignment whose container is not
live or drives another ship is released. Each repair gets a container_events row and is
reported: logged as a warning and returned to `spacetraders db upgrade`, which prints it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger("spacetraders.migrations")

LIVE = ("STARTING", "RUNNING", "STOPPING", "INTERRUPTED")
# Spelled here rather than imported: a migration must not change when the models do.
LIVE_SHIP_SQL = "CASE WHEN status IN ('STARTING','RUNNING','STOPPING','INTERRUPTED') THEN ship_symbol END"
ACTIVE_SHIP_SQL = "CASE WHEN status = 'active' THEN ship_symbol END"
SHIP_MAX = 64
# config::jsonb->'params'->>key, or NULL for a config that is not JSON: queries over all
# containers (the tours map) must not fail on one hand-written row.
CONFIG_PARAM_FUNCTION = """
CREATE OR REPLACE FUNCTION spacetraders_config_param(config text, key text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (config::jsonb) -> 'params' ->> key;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$
"""
TAG = "db upgrade 0005"


def upgrade() -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    op.add_column("containers", sa.Column("ship_symbol", sa.String(length=SHIP_MAX), nullable=True))
    ships = _backfill(bind)
    _end_extra_live_containers(bind, ships, now)
    _release_unbound_assignments(bind, ships, now)

    # STORED on PostgreSQL (an index and a foreign key need it); VIRTUAL on SQLite, whose
    # ALTER TABLE can add only that kind (rebuilding `containers` would cascade-delete its logs).
    persisted = None if bind.dialect.name == "sqlite" else True
    op.add_column(
        "containers",
        sa.Column("live_ship", sa.String(length=SHIP_MAX), sa.Computed(LIVE_SHIP_SQL, persisted=persisted),
                  nullable=True),
    )
    op.create_index("uq_containers_live_ship", "containers", ["player_id", "live_ship"], unique=True)
    op.create_index(
        "uq_containers_live_key", "containers", ["container_id", "player_id", "live_ship"], unique=True
    )
    if bind.dialect.name == "postgresql":
        op.execute(CONFIG_PARAM_FUNCTION)
    active_ship = sa.Column("active_ship", sa.String(length=SHIP_MAX), sa.Computed(ACTIVE_SHIP_SQL, persisted=persisted),
                            nullable=True)
    name, local = "fk_ship_assignments_live_container", ["container_id", "player_id", "active_ship"]
    remote = ["container_id", "player_id", "live_ship"]
    if bind.dialect.name == "sqlite":
        # SQLite adds a foreign key only by rebuilding the table (nothing references it).
        with op.batch_alter_table("ship_assignments", recreate="always") as batch_op:
            batch_op.add_column(active_ship)
            batch_op.create_foreign_key(name, "containers", local, remote, deferrable=True, initially="DEFERRED")
    else:
        op.add_column("ship_assignments", active_ship)
        op.create_foreign_key(name, "ship_assignments", "containers", local, remote,
                              deferrable=True, initially="DEFERRED")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS spacetraders_config_param(text, text)")
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table("ship_assignments", recreate="always") as batch_op:
            batch_op.drop_constraint("fk_ship_assignments_live_container", type_="foreignkey")
            batch_op.drop_column("active_ship")
    else:
        op.drop_constraint("fk_ship_assignments_live_container", "ship_assignments", type_="foreignkey")
        op.drop_column("ship_assignments", "active_ship")
    op.drop_index("uq_containers_live_key", table_name="containers")
    op.drop_index("uq_containers_live_ship", table_name="containers")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): rebuilding `containers` on SQLite
    # would cascade-delete its logs and events through their foreign keys.
    op.execute("ALTER TABLE containers DROP COLUMN live_ship")
    op.execute("ALTER TABLE containers DROP COLUMN ship_symbol")


# ------------------------------------------------------------------------------- data repairs

_when = sa.DateTime(timezone=True)
containers = sa.table(
    "containers", sa.column("container_id"), sa.column("player_id"), sa.column("status"), sa.column("config"),
    sa.column("ship_symbol"), sa.column("created_at", _when), sa.column("stopped_at", _when),
    sa.column("exit_reason"),
)
assignments = sa.table(
    "ship_assignments", sa.column("player_id"), sa.column("ship_symbol"), sa.column("container_id"),
    sa.column("status"), sa.column("released_at", _when), sa.column("release_reason"),
)
events = sa.table(
    "container_events", sa.column("container_id"), sa.column("at", _when), sa.column("status"), sa.column("detail")
)


def ship_from_config(config: Any) -> str | None:
    """params.ship_symbol of a config, or None when the config cannot name a usable ship
    (not JSON, NaN/Infinity, not an object, no params object, not a short string)."""
    try:
        parsed = json.loads(config, parse_constant=_reject_constant)
    except (TypeError, ValueError):
        return None
    params = parsed.get("params") if isinstance(parsed, dict) else None
    ship = params.get("ship_symbol") if isinstance(params, dict) else None
    if isinstance(ship, str) and 0 < len(ship) <= SHIP_MAX:
        return ship
    return None


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _backfill(bind: sa.engine.Connection) -> dict[str, str | None]:
    ships = {
        cid: ship_from_config(config)
        for cid, config in bind.execute(sa.select(containers.c.container_id, containers.c.config))
    }
    rows = [{"cid": cid, "ship": ship} for cid, ship in ships.items() if ship is not None]
    if rows:
        bind.execute(
            containers.update()
            .where(containers.c.container_id == sa.bindparam("cid"))
            .values(ship_symbol=sa.bindparam("ship")),
            rows,
        )
    return ships


def _end_extra_live_containers(bind: sa.engine.Connection, ships: dict[str, str | None], now: datetime) -> None:
    """Several live containers drive one ship: the assignment's holder (else the newest) keeps it."""
    live = bind.execute(
        sa.select(containers.c.container_id, containers.c.player_id, containers.c.status, containers.c.created_at)
        .where(containers.c.status.in_(LIVE))
    ).all()
    holders = {
        (p, s): c
        for p, s, c in bind.execute(
            sa.select(assignments.c.player_id, assignments.c.ship_symbol, assignments.c.container_id)
            .where(assignments.c.status == "active")
        )
    }
    by_ship: dict[tuple[int, str], list[Any]] = {}
    for row in live:
        ship = ships.get(row.container_id)
        if ship is not None:
            by_ship.setdefault((row.player_id, ship), []).append(row)
    for (player_id, ship), rows in sorted(by_ship.items()):
        if len(rows) < 2:
            continue
        rows.sort(key=lambda r: (r.created_at, r.container_id), reverse=True)
        keeper = next((r for r in rows if r.container_id == holders.get((player_id, ship))), rows[0])
        for row in rows:
            if row is keeper:
                continue
            reason = f"{TAG}: stopped, {ship} is driven by live container {keeper.container_id}"
            bind.execute(
                containers.update()
                .where(containers.c.container_id == row.container_id)
                .values(status="STOPPED", stopped_at=now, exit_reason=reason)
            )
            _event(bind, row.container_id, "STOPPED", reason, now)
            _report(f"container {row.container_id} (player {player_id}) was {row.status}: {reason}")


def _release_unbound_assignments(bind: sa.engine.Connection, ships: dict[str, str | None], now: datetime) -> None:
    """Active assignments whose container is no longer live, or drives another ship (or none)."""
    joined = assignments.join(
        containers,
        sa.and_(
            containers.c.container_id == assignments.c.container_id,
            containers.c.player_id == assignments.c.player_id,
        ),
    )
    rows = bind.execute(
        sa.select(assignments.c.player_id, assignments.c.ship_symbol, assignments.c.container_id, containers.c.status)
        .select_from(joined)
        .where(assignments.c.status == "active")
        .order_by(assignments.c.player_id, assignments.c.ship_symbol)
    ).all()
    for player_id, ship, container_id, status in rows:
        drives = ships.get(container_id)
        if status in LIVE and drives == ship:
            continue
        why = f"container is {status}" if status not in LIVE else f"container drives {drives or 'no ship'}"
        reason = f"{TAG}: released, {why}"
        bind.execute(
            assignments.update()
            .where(assignments.c.player_id == player_id, assignments.c.ship_symbol == ship)
            .values(status="idle", released_at=now, release_reason=reason)
        )
        _event(bind, container_id, status, f"{TAG}: its active assignment of {ship} was released ({why})", now)
        _report(f"assignment of {ship} (player {player_id}) to container {container_id}: {reason}")


def _event(bind: sa.engine.Connection, container_id: str, status: str, detail: str, now: datetime) -> None:
    bind.execute(events.insert().values(container_id=container_id, at=now, status=status, detail=detail))


def _report(line: str) -> None:
    """Logged, and handed to the caller of the upgrade (`spacetraders db upgrade` prints it)."""
    logger.warning("%s", line)
    context.config.attributes.setdefault("upgrade_notes", []).append(line)
