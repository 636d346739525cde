"""Ledger: one row per credit change the bot caused.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCOME = "'sale','contract_accepted','contract_fulfilled'"
SPEND = "'purchase','refuel','ship_purchase','jump'"
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ledger",
        sa.Column("entry_id", BigId, autoincrement=True, nullable=False),
        sa.Column("player_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ship_symbol", sa.String(length=64), nullable=True),
        sa.Column("container_id", sa.String(length=128), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("good", sa.String(length=64), nullable=True),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("unit_price", sa.BigInteger(), nullable=True),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("credits_after", sa.BigInteger(), nullable=False),
        sa.Column("waypoint_symbol", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.CheckConstraint(f"kind IN ({INCOME},{SPEND})", name=op.f("ck_ledger_kind")),
        sa.CheckConstraint(
            f"(kind IN ({INCOME}) AND total >= 0) OR (kind IN ({SPEND}) AND total <= 0)",
            name=op.f("ck_ledger_total_sign"),
        ),
        sa.CheckConstraint("units IS NULL OR units > 0", name=op.f("ck_ledger_units_positive")),
        sa.CheckConstraint("unit_price IS NULL OR unit_price >= 0", name=op.f("ck_ledger_unit_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.player_id"], name=op.f("fk_ledger_player_id_players"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_ledger")),
    )
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_player_id_at"), ["player_id", "at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_player_id_ship_symbol_at"), ["player_id", "ship_symbol", "at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_container_id"), ["container_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_container_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_player_id_ship_symbol_at"))
        batch_op.drop_index(batch_op.f("ix_ledger_player_id_at"))
    op.drop_table("ledger")
