"""surplus-market: start of the service's own migration branch.

Revision ID: surplus_market_0001
Revises: -
"""

from __future__ import annotations

revision = "surplus_market_0001"
down_revision = None
branch_labels = ("surplus_market",)
depends_on = None


def upgrade() -> None:
    """No tables of the service's own yet; the platform branch creates the shared ones."""


def downgrade() -> None:
    pass
