"""campaigns: generic (shared) codes with their redemption count, ended early; redemptions of a
generic code carry the customer instead of a coupon

Revision ID: d5e6f7a8b9c0
Revises: 46821844f52f
Create Date: 2026-12-04 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import smartdist.db

revision = "d5e6f7a8b9c0"
down_revision = "46821844f52f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_type", sa.String(length=10), server_default="unique", nullable=False))
        batch_op.add_column(sa.Column("code", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("redeemed_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("ended_at", smartdist.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_campaign_tenant_id_code"), ["tenant_id", "code"])
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.alter_column("coupon_id", existing_type=sa.String(length=32), nullable=True)
        batch_op.add_column(sa.Column("customer_ref", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_redemption_customer_ref"), ["customer_ref"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_redemption_customer_ref"))
        batch_op.drop_column("customer_ref")
        batch_op.alter_column("coupon_id", existing_type=sa.String(length=32), nullable=False)
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_campaign_tenant_id_code"), type_="unique")
        batch_op.drop_column("ended_at")
        batch_op.drop_column("redeemed_count")
        batch_op.drop_column("code")
        batch_op.drop_column("code_type")
