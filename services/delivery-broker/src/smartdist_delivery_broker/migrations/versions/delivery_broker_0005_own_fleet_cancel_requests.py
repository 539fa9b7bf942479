"""own-fleet cancellation asked of dispatch: when, why, its answer and the refusal reason

Revision ID: delivery_broker_0005
Revises: delivery_broker_0004
Create Date: 2026-11-26 08:27:35.496083
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import smartdist.db

revision = "delivery_broker_0005"
down_revision = "delivery_broker_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_requested_at", smartdist.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("cancel_answered_at", smartdist.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancel_refusal", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery_order", schema=None) as batch_op:
        batch_op.drop_column("cancel_refusal")
        batch_op.drop_column("cancel_answered_at")
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("cancel_requested_at")
