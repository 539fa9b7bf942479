"""The service's own loop: reservations past their pickup window turn no-show (see service.py)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import structlog

from smartdist_surplus_market.config import get_settings
from smartdist_surplus_market.reservations.service import settle_no_shows

if TYPE_CHECKING:
    from smartdist.runtime import ServiceRuntime

log = structlog.get_logger(__name__)


def sweep_no_shows(runtime: ServiceRuntime, stop: threading.Event) -> None:
    """Pages settle overdue reservations as they read them; this catches the ones nobody reads."""
    while not stop.wait(get_settings().no_show_sweep_s):
        with runtime.database.system_transaction() as session:
            settled = settle_no_shows(session)
        if settled:
            log.info("no_shows_settled", count=settled)
