"""reservation: booking state of the courier, booked after the reservation commits and retried

Revision ID: a3f1c2d4e5b6
Revises: ce5b162cd97f
Create Date: 2026-12-04 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import smartdist.db

revision = "a3f1c2d4e5b6"
down_revision = "ce5b162cd97f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reservation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("delivery_retry_at", smartdist.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_reservation_delivery_retry_at"), ["delivery_retry_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reservation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reservation_delivery_retry_at"))
        batch_op.drop_column("delivery_retry_at")
        batch_op.drop_column("delivery_attempts")
