"""Delivery ETA: booking time + the booked quote's ETA, shown on the consumer tracking page.

Revision ID: delivery_broker_0003
Revises: delivery_broker_0002
Create Date: 2026-11-26 06:16:51.450518
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import smartdist.db

revision = "delivery_broker_0003"
down_revision = "delivery_broker_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("eta_at", smartdist.db.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery_order", schema=None) as batch_op:
        batch_op.drop_column("eta_at")
