"""push: the installation's VAPID key and consumers' Web Push subscriptions

Revision ID: b7e2d9c1f0a3
Revises: a3f1c2d4e5b6
Create Date: 2026-12-04 18:40:00
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import smartdist.db

revision = "b7e2d9c1f0a3"
down_revision = "a3f1c2d4e5b6"
branch_labels = None
depends_on = None


def _new_vapid_key() -> tuple[str, str]:
    """This installation's own VAPID key pair (RFC 8292, P-256): PKCS#8 PEM and the public point."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return pem, base64.urlsafe_b64encode(point).rstrip(b"=").decode()


def upgrade() -> None:
    vapid = op.create_table(
        "push_vapid_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("public_key", sa.String(length=100), nullable=False),
        sa.Column("created_at", smartdist.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_vapid_key")),
    )
    pem, public_key = _new_vapid_key()
    op.bulk_insert(vapid, [{"id": 1, "private_pem": pem, "public_key": public_key, "created_at": datetime.now(UTC)}])
    op.create_table(
        "push_subscription",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("consumer_id", sa.String(length=64), nullable=False),
        sa.Column("endpoint", sa.String(length=1000), nullable=False),
        sa.Column("p256dh", sa.String(length=100), nullable=False),
        sa.Column("auth", sa.String(length=40), nullable=False),
        sa.Column("lang", sa.String(length=10), nullable=False),
        sa.Column("created_at", smartdist.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", smartdist.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscription")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscription_endpoint")),
    )
    with op.batch_alter_table("push_subscription", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_push_subscription_consumer_id"), ["consumer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("push_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_subscription_consumer_id"))
    op.drop_table("push_subscription")
    op.drop_table("push_vapid_key")
