"""model_version.selection: the chosen combination per series group and its back-test scores

Revision ID: c4e1f2a9d7b3
Revises: b531d7eb9b1d
Create Date: 2026-12-04 18:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c4e1f2a9d7b3"
down_revision = "b531d7eb9b1d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model_version") as batch:
        batch.add_column(sa.Column("selection", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model_version") as batch:
        batch.drop_column("selection")
