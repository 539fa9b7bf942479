"""a quote set is booked once: the delivery booked on it and when

Revision ID: delivery_broker_0006
Revises: delivery_broker_0005
Create Date: 2026-12-03 14:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import smartdist.db

revision = "delivery_broker_0006"
down_revision = "delivery_broker_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quote_set", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booked_order_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("booked_at", smartdist.db.UtcDateTime(timezone=True), nullable=True))
    # Sets booked before this revision: the first delivery booked on each one holds it.
    op.execute(
        "UPDATE quote_set SET booked_order_id = (SELECT MIN(d.id) FROM delivery_order d "
        "WHERE d.quote_set_id = quote_set.id) "
        "WHERE EXISTS (SELECT 1 FROM delivery_order d WHERE d.quote_set_id = quote_set.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("quote_set", schema=None) as batch_op:
        batch_op.drop_column("booked_at")
        batch_op.drop_column("booked_order_id")
