"""own fleet: when the delivery's ETA was said (newer ETAs only); dispatch's refusal of a booking
and the platform delivery it was booked again as

Revision ID: delivery_broker_0007
Revises: delivery_broker_0006
Create Date: 2026-12-04 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import smartdist.db

revision = "delivery_broker_0007"
down_revision = "delivery_broker_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("eta_as_of", smartdist.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rebooked_as_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("dispatch_refusal", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("dispatch_refusal_code", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery_order", schema=None) as batch_op:
        batch_op.drop_column("dispatch_refusal_code")
        batch_op.drop_column("dispatch_refusal")
        batch_op.drop_column("rebooked_as_id")
        batch_op.drop_column("eta_as_of")
