"""Platform tables every service database carries: KPI log, baselines, jobs, idempotency keys, revoked tokens.

Revision ID: p0001_platform
Revises: -
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import smartdist.db

revision = "p0001_platform"
down_revision = None
branch_labels = ("platform",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("endpoint", sa.String(length=300), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", smartdist.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("tenant_id", "key", name="uq_idempotency_key_tenant_key"),
    )
    op.create_index(op.f("ix_idempotency_key_tenant_id"), "idempotency_key", ["tenant_id"], unique=False)
    op.create_table(
        "job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", smartdist.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("started_at", smartdist.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", smartdist.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index(op.f("ix_job_status"), "job", ["status"], unique=False)
    op.create_index(op.f("ix_job_tenant_id"), "job", ["tenant_id"], unique=False)
    op.create_table(
        "kpi_baseline",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("entered_by", sa.String(length=64), nullable=False),
        sa.Column("entered_at", smartdist.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_baseline")),
    )
    op.create_index(op.f("ix_kpi_baseline_tenant_id"), "kpi_baseline", ["tenant_id"], unique=False)
    op.create_table(
        "kpi_record",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("doc_no", sa.String(length=80), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("receiver", sa.String(length=200), nullable=False),
        sa.Column("sent_at", smartdist.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("received_at", smartdist.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("at", smartdist.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("elapsed_s", sa.Float(), nullable=True),
        sa.Column("amount_twd", sa.BigInteger(), nullable=True),
        sa.Column("quantity", sa.BigInteger(), nullable=True),
        sa.Column("distance_m", sa.BigInteger(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_record")),
    )
    op.create_index(op.f("ix_kpi_record_tenant_id"), "kpi_record", ["tenant_id"], unique=False)
    op.create_index("ix_kpi_record_tenant_id_at", "kpi_record", ["tenant_id", "at"], unique=False)
    op.create_index("ix_kpi_record_tenant_id_doc", "kpi_record", ["tenant_id", "doc_type", "doc_no"], unique=False)
    op.create_table(
        "revoked_token",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", smartdist.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_revoked_token")),
    )


def downgrade() -> None:
    op.drop_table("revoked_token")
    op.drop_index("ix_kpi_record_tenant_id_doc", table_name="kpi_record")
    op.drop_index("ix_kpi_record_tenant_id_at", table_name="kpi_record")
    op.drop_index(op.f("ix_kpi_record_tenant_id"), table_name="kpi_record")
    op.drop_table("kpi_record")
    op.drop_index(op.f("ix_kpi_baseline_tenant_id"), table_name="kpi_baseline")
    op.drop_table("kpi_baseline")
    op.drop_index(op.f("ix_job_tenant_id"), table_name="job")
    op.drop_index(op.f("ix_job_status"), table_name="job")
    op.drop_table("job")
    op.drop_index(op.f("ix_idempotency_key_tenant_id"), table_name="idempotency_key")
    op.drop_table("idempotency_key")
