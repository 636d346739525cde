"""Supervisor (daemons, leases, status history), universe cache, market data, preferences.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('daemons',
    sa.Column('daemon_id', sa.String(length=64), nullable=False),
    sa.Column('hostname', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('daemon_id', name=op.f('pk_daemons'))
    )
    op.create_table('market_price_history',
    sa.Column('history_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('waypoint_symbol', sa.String(length=64), nullable=False),
    sa.Column('system_symbol', sa.String(length=32), nullable=False),
    sa.Column('symbol', sa.String(length=64), nullable=False),
    sa.Column('supply', sa.String(length=16), nullable=True),
    sa.Column('activity', sa.String(length=16), nullable=True),
    sa.Column('purchase_price', sa.Integer(), nullable=True),
    sa.Column('sell_price', sa.Integer(), nullable=True),
    sa.Column('trade_volume', sa.Integer(), nullable=True),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('player_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('history_id', name=op.f('pk_market_price_history'))
    )
    with op.batch_alter_table('market_price_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_market_price_history_observed_at'), ['observed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_market_price_history_waypoint_symbol_symbol_observed_at'), ['waypoint_symbol', 'symbol', 'observed_at'], unique=False)

    op.create_table('preferences',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_preferences'))
    )
    op.create_table('systems',
    sa.Column('system_symbol', sa.String(length=32), nullable=False),
    sa.Column('sector_symbol', sa.String(length=16), nullable=True),
    sa.Column('type', sa.String(length=32), nullable=True),
    sa.Column('x', sa.Integer(), nullable=False),
    sa.Column('y', sa.Integer(), nullable=False),
    sa.Column('waypoints_synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('system_symbol', name=op.f('pk_systems'))
    )
    op.create_table('waypoints',
    sa.Column('waypoint_symbol', sa.String(length=64), nullable=False),
    sa.Column('system_symbol', sa.String(length=32), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('x', sa.Integer(), nullable=False),
    sa.Column('y', sa.Integer(), nullable=False),
    sa.Column('traits', sa.Text(), nullable=False),
    sa.Column('orbits', sa.String(length=64), nullable=True),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('waypoint_symbol', name=op.f('pk_waypoints'))
    )
    with op.batch_alter_table('waypoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waypoints_system_symbol'), ['system_symbol'], unique=False)

    op.create_table('markets',
    sa.Column('waypoint_symbol', sa.String(length=64), nullable=False),
    sa.Column('system_symbol', sa.String(length=32), nullable=False),
    sa.Column('player_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['player_id'], ['players.player_id'], name=op.f('fk_markets_player_id_players'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('waypoint_symbol', name=op.f('pk_markets'))
    )
    with op.batch_alter_table('markets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_markets_system_symbol'), ['system_symbol'], unique=False)

    op.create_table('player_leases',
    sa.Column('player_id', sa.Integer(), nullable=False),
    sa.Column('daemon_id', sa.String(length=64), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['player_id'], ['players.player_id'], name=op.f('fk_player_leases_player_id_players'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('player_id', name=op.f('pk_player_leases'))
    )
    op.create_table('container_events',
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('container_id', sa.String(length=128), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['container_id'], ['containers.container_id'], name=op.f('fk_container_events_container_id_containers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_container_events'))
    )
    with op.batch_alter_table('container_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_container_events_container_id_event_id'), ['container_id', 'event_id'], unique=False)

    op.create_table('market_goods',
    sa.Column('waypoint_symbol', sa.String(length=64), nullable=False),
    sa.Column('symbol', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=True),
    sa.Column('supply', sa.String(length=16), nullable=True),
    sa.Column('activity', sa.String(length=16), nullable=True),
    sa.Column('purchase_price', sa.Integer(), nullable=True),
    sa.Column('sell_price', sa.Integer(), nullable=True),
    sa.Column('trade_volume', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['waypoint_symbol'], ['markets.waypoint_symbol'], name=op.f('fk_market_goods_waypoint_symbol_markets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('waypoint_symbol', 'symbol', name=op.f('pk_market_goods'))
    )


def downgrade() -> None:
    op.drop_table('market_goods')
    with op.batch_alter_table('container_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_container_events_container_id_event_id'))

    op.drop_table('container_events')
    op.drop_table('player_leases')
    with op.batch_alter_table('markets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_markets_system_symbol'))

    op.drop_table('markets')
    with op.batch_alter_table('waypoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waypoints_system_symbol'))

    op.drop_table('waypoints')
    op.drop_table('systems')
    op.drop_table('preferences')
    with op.batch_alter_table('market_price_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_market_price_history_waypoint_symbol_symbol_observed_at'))
        batch_op.drop_index(batch_op.f('ix_market_price_history_observed_at'))

    op.drop_table('market_price_history')
    op.drop_table('daemons')
