"""geocoded address cache (addresses without coordinates located once per provider)

Revision ID: b7c1e3f2a9d4
Revises: 9d2e2a707941
Create Date: 2026-12-04 19:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from smartdist.db import UtcDateTime

revision = "b7c1e3f2a9d4"
down_revision = "9d2e2a707941"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "geocoded_address",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("address_key", sa.String(length=400), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_geocoded_address")),
        sa.UniqueConstraint(
            "tenant_id", "provider", "address_key", name=op.f("uq_geocoded_address_tenant_id_provider_address_key")
        ),
    )
    with op.batch_alter_table("geocoded_address", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_geocoded_address_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("geocoded_address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_geocoded_address_tenant_id"))
    op.drop_table("geocoded_address")
