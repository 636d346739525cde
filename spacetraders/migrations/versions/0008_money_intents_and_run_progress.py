"""Money intents (restart-safe money steps) and per-run progress of long operations.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "money_intents",
        sa.Column("intent_id", BigId, autoincrement=True, nullable=False),
        sa.Column("player_id", sa.Integer(), nullable=False),
        sa.Column("ship_symbol", sa.String(length=64), nullable=False),
        sa.Column("container_id", sa.String(length=128), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("good", sa.String(length=64), nullable=True),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("waypoint_symbol", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("server_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('open','done','not_done')", name=op.f("ck_money_intents_status")),
        sa.CheckConstraint("units IS NULL OR units > 0", name=op.f("ck_money_intents_units_positive")),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.player_id"], name=op.f("fk_money_intents_player_id_players"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("intent_id", name=op.f("pk_money_intents")),
    )
    with op.batch_alter_table("money_intents", schema=None) as batch_op:
        batch_op.create_index(
            "uq_money_intents_open_ship", ["player_id", "ship_symbol"], unique=True,
            sqlite_where=OPEN, postgresql_where=OPEN,
        )
        batch_op.create_index(
            batch_op.f("ix_money_intents_player_id_ship_symbol_intent_id"),
            ["player_id", "ship_symbol", "intent_id"], unique=False,
        )
    op.create_table(
        "run_progress",
        sa.Column("player_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("ship_symbol", sa.String(length=64), nullable=False),
        sa.Column("command_type", sa.String(length=64), nullable=False),
        sa.Column("container_id", sa.String(length=128), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.player_id"], name=op.f("fk_run_progress_player_id_players"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("player_id", "run_id", name=op.f("pk_run_progress")),
    )


def downgrade() -> None:
    op.drop_table("run_progress")
    with op.batch_alter_table("money_intents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_money_intents_player_id_ship_symbol_intent_id"))
        batch_op.drop_index("uq_money_intents_open_ship")
    op.drop_table("money_intents")
