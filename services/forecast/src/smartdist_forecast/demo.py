"""``ServiceDefinition.seed_demo``: invented sales history for the demo merchant.

Only the sales are seeded: training on them takes 4-13 s on this 2-core machine, too long to hold
up the demo's start, so the merchant starts the first training run (a background job) themselves.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from smartdist.db import utcnow
from smartdist_forecast.sales.repository import has_sales
from smartdist_forecast.sales.service import store_pos_rows
from smartdist_forecast.sales.synthetic import synthetic_pos_sales

DEMO_DAYS = 400


def seed_demo(runtime: Any, tenant_id: str) -> None:
    """Once per data folder: 400 days of 2 stores × 3 products up to yesterday."""
    with runtime.database.tenant_transaction(tenant_id) as session:
        if has_sales(session):
            return
        store_pos_rows(session, synthetic_pos_sales(DEMO_DAYS, (utcnow() - timedelta(days=1)).date()), tenant_id)
