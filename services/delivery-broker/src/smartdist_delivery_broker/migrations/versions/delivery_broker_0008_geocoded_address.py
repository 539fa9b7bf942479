"""geocoded address cache: a pickup or dropoff given by its address is located once per tenant and provider

Revision ID: delivery_broker_0008
Revises: delivery_broker_0007
Create Date: 2026-12-04 19:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import smartdist.db

revision = "delivery_broker_0008"
down_revision = "delivery_broker_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "geocoded_address",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("address_key", sa.String(length=500), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("created_at", smartdist.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_geocoded_address")),
        sa.UniqueConstraint("tenant_id", "provider", "address_key", name="uq_geocoded_address_key"),
    )
    with op.batch_alter_table("geocoded_address", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_geocoded_address_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("geocoded_address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_geocoded_address_tenant_id"))
    op.drop_table("geocoded_address")
