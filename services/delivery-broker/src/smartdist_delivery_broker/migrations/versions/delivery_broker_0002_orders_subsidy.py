"""delivery-broker: delivery orders, their status events, and the subsidy ledger.

Revision ID: delivery_broker_0002
Revises: delivery_broker_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from smartdist.db import UtcDateTime

revision = "delivery_broker_0002"
down_revision = "delivery_broker_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_order",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("tenant_id", sa.String(32), nullable=False),
        sa.Column("no", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(100), nullable=True),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("platform_ref", sa.String(100), nullable=True),
        sa.Column("quote_set_id", sa.String(32), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("raw_status", sa.String(60), nullable=True),
        sa.Column("status_at", UtcDateTime(), nullable=False),
        sa.Column("courier_accepted_at", UtcDateTime(), nullable=True),
        sa.Column("pickup", sa.JSON(), nullable=False),
        sa.Column("dropoff", sa.JSON(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("cod_amount", sa.Integer(), nullable=False),
        sa.Column("goods_value", sa.Integer(), nullable=False),
        sa.Column("fee", sa.Integer(), nullable=False),
        sa.Column("fee_breakdown", sa.JSON(), nullable=False),
        sa.Column("platform_fee", sa.Integer(), nullable=True),
        sa.Column("subsidised", sa.Boolean(), nullable=False),
        sa.Column("tracking_url", sa.String(500), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_delivery_order"),
        sa.UniqueConstraint("tenant_id", "no", name="uq_delivery_order_tenant_no"),
        sa.UniqueConstraint("provider", "platform_ref", name="uq_delivery_order_provider_platform_ref"),
    )
    op.create_index("ix_delivery_order_tenant_id", "delivery_order", ["tenant_id"])
    op.create_index("ix_delivery_order_tenant_created", "delivery_order", ["tenant_id", "created_at"])

    op.create_table(
        "delivery_status_event",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(32), nullable=False),
        sa.Column("order_id", sa.String(32), nullable=False),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("event_key", sa.String(100), nullable=False),
        sa.Column("raw_status", sa.String(60), nullable=False),
        sa.Column("status", sa.String(20), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_delivery_status_event"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["delivery_order.id"], name="fk_delivery_status_event_order_id_delivery_order"
        ),
        sa.UniqueConstraint("order_id", "event_key", name="uq_delivery_status_event_order_key"),
    )
    op.create_index("ix_delivery_status_event_tenant_id", "delivery_status_event", ["tenant_id"])
    op.create_index("ix_delivery_status_event_order_id", "delivery_status_event", ["order_id"])

    op.create_table(
        "subsidy_account",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(32), nullable=False),
        sa.Column("cap", sa.Integer(), nullable=False),
        sa.Column("spent", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subsidy_account"),
        sa.UniqueConstraint("tenant_id", name="uq_subsidy_account_tenant"),
        sa.CheckConstraint("spent <= cap", name="ck_subsidy_account_within_cap"),
    )
    op.create_index("ix_subsidy_account_tenant_id", "subsidy_account", ["tenant_id"])

    op.create_table(
        "subsidy_entry",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(32), nullable=False),
        sa.Column("booking_ref", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("delivery_fee", sa.Integer(), nullable=False),
        sa.Column("cod_fee", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("balance_after", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subsidy_entry"),
        sa.UniqueConstraint("tenant_id", "booking_ref", "kind", name="uq_subsidy_entry_booking_kind"),
    )
    op.create_index("ix_subsidy_entry_tenant_id", "subsidy_entry", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("subsidy_entry")
    op.drop_table("subsidy_account")
    op.drop_table("delivery_status_event")
    op.drop_table("delivery_order")
