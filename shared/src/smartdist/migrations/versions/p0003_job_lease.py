"""Jobs carry a lease: the worker running one renews it; an expired lease means the worker died.

Revision ID: p0003_job_lease
Revises: p0002_bus
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from smartdist.db import UtcDateTime

revision = "p0003_job_lease"
down_revision = "p0002_bus"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("lease_until", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("worker", sa.String(length=200), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.drop_column("worker")
        batch.drop_column("lease_until")
