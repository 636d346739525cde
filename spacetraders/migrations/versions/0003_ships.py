"""Ships: last known position, nav and fuel of each ship.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ships',
    sa.Column('player_id', sa.Integer(), nullable=False),
    sa.Column('ship_symbol', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=True),
    sa.Column('frame', sa.String(length=64), nullable=True),
    sa.Column('system_symbol', sa.String(length=32), nullable=False),
    sa.Column('waypoint_symbol', sa.String(length=64), nullable=False),
    sa.Column('nav_status', sa.String(length=16), nullable=False),
    sa.Column('flight_mode', sa.String(length=16), nullable=True),
    sa.Column('origin_symbol', sa.String(length=64), nullable=True),
    sa.Column('departure_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('arrival_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('engine_speed', sa.Integer(), nullable=True),
    sa.Column('fuel_current', sa.Integer(), nullable=True),
    sa.Column('fuel_capacity', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['player_id'], ['players.player_id'], name=op.f('fk_ships_player_id_players'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('player_id', 'ship_symbol', name=op.f('pk_ships'))
    )
    with op.batch_alter_table('ships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ships_system_symbol'), ['system_symbol'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ships_system_symbol'))

    op.drop_table('ships')
