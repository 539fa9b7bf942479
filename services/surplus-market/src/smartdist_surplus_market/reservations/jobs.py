"""Background work of reservations: no-shows settle, and couriers are booked after the commit.

``book_delivery`` is the job a supplier reservation queues in its own transaction: it calls the
delivery broker with no transaction of ours open (service.book_delivery_after_commit).
``retry_bookings`` is the service's loop that queues the attempts that are due again (a failed
booking, or a job that was lost), and ``sweep_no_shows`` settles reservations nobody reads.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import structlog

from smartdist.jobs import JobContext, job_task
from smartdist_surplus_market.config import get_settings
from smartdist_surplus_market.reservations.service import (
    BOOK_DELIVERY,
    book_delivery_after_commit,
    due_bookings,
    get_reservation,
    retry_booking,
    settle_no_shows,
)

if TYPE_CHECKING:
    from smartdist.db import Database
    from smartdist.runtime import ServiceRuntime

log = structlog.get_logger(__name__)


@job_task(BOOK_DELIVERY)
def book_delivery(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    return book_delivery_after_commit(ctx.database, ctx.tenant_id, str(params["reservation_id"]))


def queue_due_bookings(database: Database) -> int:
    """One job per courier booking whose next attempt is due; each in its merchant's transaction."""
    with database.system_transaction(read_only=True) as session:
        due = due_bookings(session)
    for tenant_id, reservation_id in due:
        with database.tenant_transaction(tenant_id) as session:
            retry_booking(session, get_reservation(session, reservation_id))
    return len(due)


def retry_bookings(runtime: ServiceRuntime, stop: threading.Event) -> None:
    while not stop.wait(get_settings().delivery_retry_sweep_s):
        try:
            queued = queue_due_bookings(runtime.database)
        except Exception:  # noqa: BLE001 - the database may be away a while; the next round retries
            log.warning("delivery_retry_failed", exc_info=True)
            continue
        if queued:
            log.info("delivery_bookings_retried", count=queued)


def sweep_no_shows(runtime: ServiceRuntime, stop: threading.Event) -> None:
    """Pages settle overdue reservations as they read them; this catches the ones nobody reads."""
    while not stop.wait(get_settings().no_show_sweep_s):
        with runtime.database.system_transaction() as session:
            settled = settle_no_shows(session)
        if settled:
            log.info("no_shows_settled", count=settled)
