"""Initial schema: players, containers, ship_assignments, container_logs.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('players',
    sa.Column('player_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('agent_symbol', sa.String(length=32), nullable=False),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('faction', sa.String(length=32), nullable=True),
    sa.Column('headquarters', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_active', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('player_id', name=op.f('pk_players')),
    sa.UniqueConstraint('agent_symbol', name=op.f('uq_players_agent_symbol'))
    )
    op.create_table('containers',
    sa.Column('container_id', sa.String(length=128), nullable=False),
    sa.Column('player_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('command_type', sa.String(length=64), nullable=False),
    sa.Column('config', sa.Text(), nullable=False),
    sa.Column('restart_policy', sa.String(length=16), nullable=False),
    sa.Column('max_restarts', sa.Integer(), nullable=False),
    sa.Column('restart_window_s', sa.Integer(), nullable=False),
    sa.Column('restarted_from', sa.String(length=128), nullable=True),
    sa.Column('restart_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('exit_code', sa.Integer(), nullable=True),
    sa.Column('exit_reason', sa.Text(), nullable=True),
    sa.Column('daemon_id', sa.String(length=64), nullable=True),
    sa.CheckConstraint("restart_policy IN ('no','on-failure','always')", name=op.f('ck_containers_restart_policy')),
    sa.CheckConstraint("status IN ('STARTING','RUNNING','STOPPING','INTERRUPTED','STOPPED','FAILED','COMPLETED')", name=op.f('ck_containers_status')),
    sa.CheckConstraint('restart_count >= 0', name=op.f('ck_containers_restart_count')),
    sa.ForeignKeyConstraint(['player_id'], ['players.player_id'], name=op.f('fk_containers_player_id_players')),
    sa.ForeignKeyConstraint(['restarted_from'], ['containers.container_id'], name=op.f('fk_containers_restarted_from_containers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('container_id', name=op.f('pk_containers')),
    sa.UniqueConstraint('container_id', 'player_id', name=op.f('uq_containers_container_id_player_id'))
    )
    with op.batch_alter_table('containers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_containers_daemon_id_status'), ['daemon_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_containers_restarted_from'), ['restarted_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_containers_status_player_id'), ['status', 'player_id'], unique=False)

    op.create_table('container_logs',
    sa.Column('log_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('container_id', sa.String(length=128), nullable=False),
    sa.Column('player_id', sa.Integer(), nullable=False),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['container_id'], ['containers.container_id'], name=op.f('fk_container_logs_container_id_containers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('log_id', name=op.f('pk_container_logs'))
    )
    with op.batch_alter_table('container_logs', schema=None) as batch_op:
        batch_op.create_index('ix_container_logs_latest', ['container_id', 'log_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_container_logs_timestamp'), ['timestamp'], unique=False)

    op.create_table('ship_assignments',
    sa.Column('player_id', sa.Integer(), nullable=False),
    sa.Column('ship_symbol', sa.String(length=64), nullable=False),
    sa.Column('container_id', sa.String(length=128), nullable=True),
    sa.Column('operation', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('release_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status = 'idle' OR container_id IS NOT NULL", name=op.f('ck_ship_assignments_active_has_container')),
    sa.CheckConstraint("status IN ('active','idle')", name=op.f('ck_ship_assignments_status')),
    sa.ForeignKeyConstraint(['container_id', 'player_id'], ['containers.container_id', 'containers.player_id'], name='fk_ship_assignments_container'),
    sa.ForeignKeyConstraint(['player_id'], ['players.player_id'], name=op.f('fk_ship_assignments_player_id_players')),
    sa.PrimaryKeyConstraint('player_id', 'ship_symbol', name=op.f('pk_ship_assignments'))
    )
    with op.batch_alter_table('ship_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ship_assignments_container_id'), ['container_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ship_assignments_status_player_id'), ['status', 'player_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ship_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ship_assignments_status_player_id'))
        batch_op.drop_index(batch_op.f('ix_ship_assignments_container_id'))

    op.drop_table('ship_assignments')
    with op.batch_alter_table('container_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_container_logs_timestamp'))
        batch_op.drop_index('ix_container_logs_latest')

    op.drop_table('container_logs')
    with op.batch_alter_table('containers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_containers_status_player_id'))
        batch_op.drop_index(batch_op.f('ix_containers_restarted_from'))
        batch_op.drop_index(batch_op.f('ix_containers_daemon_id_status'))

    op.drop_table('containers')
    op.drop_table('players')
