"""Couriers booked after the ship transaction: the job, and the loop that retries what is still waiting."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import structlog

from smartdist.jobs import JobContext, job_task
from smartdist_wms.config import get_settings
from smartdist_wms.deliveries.domain import BOOK_JOB
from smartdist_wms.deliveries.service import book_courier, retry_waiting_bookings

if TYPE_CHECKING:
    from smartdist.runtime import ServiceRuntime

log = structlog.get_logger(__name__)


@job_task(BOOK_JOB)
def book_courier_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Book the courier of one shipped order (safe to rerun: the broker replays the same key)."""
    runtime = ctx.services.get("runtime")

    def report(attempt: int) -> None:
        ctx.progress(0.1 + 0.2 * attempt, f"booking a courier, try {attempt + 1}", force=True)

    status = book_courier(ctx.database, ctx.tenant_id, int(params["delivery_id"]), runtime, before_try=report)
    return {"status": status}


def courier_retry_watch(runtime: ServiceRuntime, stop: threading.Event) -> None:
    """Every ``courier_retry_s`` seconds, one more try for shipped orders still without a courier."""
    interval = get_settings().courier_retry_s
    while not stop.wait(interval):
        try:
            retried = retry_waiting_bookings(runtime.database, runtime)
            if retried:
                log.info("courier_bookings_retried", count=retried)
        except Exception:  # noqa: BLE001 - a failed round is retried at the next one
            log.exception("courier_retry_failed")
