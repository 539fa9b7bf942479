"""The stock's own loop: announce lots as they enter their near-expiry window (SPEC §5 flow 1)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import select

from smartdist_wms.config import get_settings
from smartdist_wms.stock.models import StockItem
from smartdist_wms.stock.service import announce_lots_entering_window

if TYPE_CHECKING:
    from smartdist.db import Database
    from smartdist.runtime import ServiceRuntime

log = structlog.get_logger(__name__)


def scan_near_expiry(database: Database) -> int:
    """One look over every tenant's dated stock; each lot is announced once. Returns how many."""
    with database.system_transaction() as session:
        tenants = list(session.scalars(select(StockItem.tenant_id).where(StockItem.expiry != "").distinct()))
    announced = 0
    for tenant in tenants:
        with database.tenant_transaction(tenant) as session:
            announced += announce_lots_entering_window(session, tenant)
    return announced


def near_expiry_watch(runtime: ServiceRuntime, stop: threading.Event) -> None:
    """Look at once, then every ``near_expiry_scan_s`` seconds, until the service stops."""
    interval = get_settings().near_expiry_scan_s
    while True:
        try:
            count = scan_near_expiry(runtime.database)
            if count:
                log.info("near_expiry_announced", lots=count)
        except Exception:  # noqa: BLE001 - a failed look is retried at the next one
            log.exception("near_expiry_scan_failed")
        if stop.wait(interval):
            return
