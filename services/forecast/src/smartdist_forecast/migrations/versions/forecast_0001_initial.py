"""forecast: start of the service's own migration branch.

Revision ID: forecast_0001
Revises: -
"""

from __future__ import annotations

revision = "forecast_0001"
down_revision = None
branch_labels = ("forecast",)
depends_on = None


def upgrade() -> None:
    """No tables of the service's own yet; the platform branch creates the shared ones."""


def downgrade() -> None:
    pass
