"""Event bus tables: transactional outbox and processed-event register.

Revision ID: p0002_bus
Revises: p0001_platform
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from smartdist.db import UtcDateTime

revision = "p0002_bus"
down_revision = "p0001_platform"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_event"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_event_id"),
    )
    op.create_index("ix_outbox_event_published_at_id", "outbox_event", ["published_at", "id"], unique=False)
    op.create_table(
        "processed_event",
        sa.Column("consumer", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("processed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_processed_event"),
    )
    op.create_index("ix_processed_event_processed_at", "processed_event", ["processed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_processed_event_processed_at", table_name="processed_event")
    op.drop_table("processed_event")
    op.drop_index("ix_outbox_event_published_at_id", table_name="outbox_event")
    op.drop_table("outbox_event")
