"""``ServiceDefinition.seed_demo``: invented sales history for the demo merchant.

Only the sales are seeded: training on them takes 4-13 s on this 2-core machine, too long to hold
up the demo's start, so the merchant starts the first training run (a background job) themselves.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import structlog

from smartdist.db import utcnow
from smartdist.jobs import Job
from smartdist_forecast.publishing.schemas import TrainingRunIn
from smartdist_forecast.publishing.service import start_training_run
from smartdist_forecast.replenishment.schemas import RecommendationsIn, StockIn
from smartdist_forecast.replenishment.service import recommend
from smartdist_forecast.sales.repository import has_sales
from smartdist_forecast.sales.service import store_pos_rows
from smartdist_forecast.sales.synthetic import DEMO_PRODUCTS, DEMO_STORES, synthetic_pos_sales

log = structlog.get_logger(__name__)

DEMO_DAYS = 400


def seed_demo(runtime: Any, tenant_id: str) -> None:
    """Once per data folder: 400 days of 2 stores × 3 products up to yesterday."""
    with runtime.database.tenant_transaction(tenant_id) as session:
        if has_sales(session):
            return
        store_pos_rows(session, synthetic_pos_sales(DEMO_DAYS, (utcnow() - timedelta(days=1)).date()), tenant_id)
    # SPEC §5 flow 2 on show: once a first model is trained (a background job, so the demo does
    # not wait for it), one replenishment recommendation; the WMS drafts an inbound order from it.
    # Only where the bus runs (the demo): nothing would carry the suggestion anyway.
    if runtime.settings.run_background:
        worker = threading.Thread(target=first_recommendation, args=(runtime, tenant_id), daemon=True)
        worker.start()


def first_recommendation(runtime: Any, tenant_id: str, *, timeout_s: float = 900.0) -> None:
    try:
        with runtime.database.tenant_transaction(tenant_id) as session:
            job_id = start_training_run(session, TrainingRunIn(horizon_days=14), created_by="demo")
        deadline, status = time.monotonic() + timeout_s, "queued"
        while status not in ("succeeded", "failed") and time.monotonic() < deadline:
            time.sleep(2.0)
            with runtime.database.tenant_transaction(tenant_id) as session:
                job = session.get(Job, job_id)
                status = job.status if job is not None else "failed"
        if status != "succeeded":
            log.warning("forecast_demo_training_unfinished", job_id=job_id, status=status)
            return
        stock = [StockIn(store=store, sku=sku, on_hand=4) for store, _ in DEMO_STORES for sku, *_ in DEMO_PRODUCTS]
        body = RecommendationsIn(lead_time_days=2, review_days=7, service_level=0.95, stock=stock)
        with runtime.database.tenant_transaction(tenant_id) as session:
            recommend(session, body, tenant_id)
    except Exception:  # noqa: BLE001 - the demo runs on without its first recommendation
        log.exception("forecast_demo_recommendation_failed")
