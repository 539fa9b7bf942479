"""vehicle break, working time and trips (the planner's breaks, max working time, reloads)

Revision ID: 9d2e2a707941
Revises: 16d9091c2b47
Create Date: 2026-11-26 09:11:10.279901
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9d2e2a707941"
down_revision = "16d9091c2b47"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("vehicle", schema=None) as batch_op:
        batch_op.add_column(sa.Column("break_start", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("break_end", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("break_minutes", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("max_working_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("max_trips", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("vehicle", schema=None) as batch_op:
        batch_op.drop_column("max_trips")
        batch_op.drop_column("max_working_minutes")
        batch_op.drop_column("break_minutes")
        batch_op.drop_column("break_end")
        batch_op.drop_column("break_start")
