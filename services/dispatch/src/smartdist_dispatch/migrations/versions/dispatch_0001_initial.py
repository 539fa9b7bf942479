"""dispatch: start of the service's own migration branch.

Revision ID: dispatch_0001
Revises: -
"""

from __future__ import annotations

revision = "dispatch_0001"
down_revision = None
branch_labels = ("dispatch",)
depends_on = None


def upgrade() -> None:
    """No tables of the service's own yet; the platform branch creates the shared ones."""


def downgrade() -> None:
    pass
