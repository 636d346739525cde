"""Market refresh requests: a trader asks the scout tours to read a market again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PENDING = sa.text("served_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "market_refresh_requests",
        sa.Column("request_id", BigId, autoincrement=True, nullable=False),
        sa.Column("player_id", sa.Integer(), nullable=False),
        sa.Column("waypoint_symbol", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.player_id"], name=op.f("fk_market_refresh_requests_player_id_players"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_market_refresh_requests")),
    )
    with op.batch_alter_table("market_refresh_requests", schema=None) as batch_op:
        batch_op.create_index(
            "uq_market_refresh_requests_pending", ["player_id", "waypoint_symbol"], unique=True,
            sqlite_where=PENDING, postgresql_where=PENDING,
        )
        batch_op.create_index(
            batch_op.f("ix_market_refresh_requests_waypoint_symbol_served_at"),
            ["waypoint_symbol", "served_at"], unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("market_refresh_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_refresh_requests_waypoint_symbol_served_at"))
        batch_op.drop_index("uq_market_refresh_requests_pending")
    op.drop_table("market_refresh_requests")
