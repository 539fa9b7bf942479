"""listing.bag_value (what a surprise bag is worth) and markdown templates per category

Revision ID: c4d8e1f2a7b9
Revises: b7e2d9c1f0a3
Create Date: 2026-12-04 18:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import smartdist.db

revision = "c4d8e1f2a7b9"
down_revision = "b7e2d9c1f0a3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bag_value", sa.Integer(), nullable=True))
    op.create_table(
        "markdown_template",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("markdown", sa.JSON(), nullable=False),
        sa.Column("floor_percent", sa.Integer(), nullable=True),
        sa.Column("updated_at", smartdist.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_markdown_template")),
        sa.UniqueConstraint("tenant_id", "category", name=op.f("uq_markdown_template_tenant_id_category")),
    )
    with op.batch_alter_table("markdown_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_markdown_template_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("markdown_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_markdown_template_tenant_id"))
    op.drop_table("markdown_template")
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.drop_column("bag_value")
