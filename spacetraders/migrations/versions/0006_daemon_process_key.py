"""Daemons: a process key (boot id, pid namespace, pid, start time) so a daemon is declared dead
by pid only on its own machine, boot and pid namespace, never on hostname + pid alone.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("daemons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("process_key", sa.String(length=160), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("daemons", schema=None) as batch_op:
        batch_op.drop_column("process_key")
