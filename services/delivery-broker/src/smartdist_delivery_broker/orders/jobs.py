"""The broker's background work: sandbox couriers move on their own, bookings a stopped process
left `placing` are finished or released, old quote sets are dropped.

Sandbox platforms only *compute* their couriers' webhooks when asked (`due_webhooks`); something
must hand them to the webhook pipeline. Reads of the deliveries do it on the spot; this loop does
it every `SMARTDIST_DELIVERY_BROKER_SANDBOX_PUMP_S` seconds (default 2, 0 = off), so a running
demo's board, tracking pages, KPI records and events move without anyone asking. It is one of the
service's `background_tasks` (`run_courier_pump`): the platform runs it in a thread beside the
outbox relay and the event consumer while the service runs in the background, and stops it with
them. It holds no Python lock across a database call, and one webhook (or row) that cannot be
applied is logged and counted, never allowed to stop a pass.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import structlog

from smartdist_delivery_broker.orders.service import deliver_due_sandbox_webhooks, finish_interrupted_bookings
from smartdist_delivery_broker.quotes.repository import prune_quote_sets
from smartdist_delivery_broker.quotes.service import QuotingContext, context_for_runtime

log = structlog.get_logger(__name__)
PRUNE_EVERY_S = 3600.0


class CourierPump:
    """One pass of the pump over the runtime's quoting context, and how many passes were made."""

    def __init__(self, runtime: Any):
        self.runtime = runtime
        self.passes = 0
        self._next_prune = time.monotonic()

    @property
    def context(self) -> QuotingContext:
        # Looked up on every pass: the context the requests use is the one whose couriers move.
        return context_for_runtime(self.runtime)

    def run_once(self) -> dict[str, int]:
        database = self.runtime.database
        counts = deliver_due_sandbox_webhooks(self.context, database)
        try:
            for outcome, n in finish_interrupted_bookings(self.context, database).items():
                counts[f"bookings_{outcome}"] = n
        except Exception:  # noqa: BLE001 - retried on the next pass
            log.exception("interrupted_bookings_failed")
        if time.monotonic() >= self._next_prune:
            self._next_prune = time.monotonic() + PRUNE_EVERY_S
            try:
                with database.system_transaction() as session:
                    counts["quote_sets_pruned"] = prune_quote_sets(session, datetime.now(UTC))
            except Exception:  # noqa: BLE001 - pruning is retried at the next hour
                log.exception("quote_set_prune_failed")
        self.passes += 1
        return counts


def run_courier_pump(runtime: Any, stop: threading.Event) -> None:
    """`ServiceDefinition.background_tasks` entry: a pass every `sandbox_pump_s` seconds until
    `stop` is set; returns at once when the setting is 0. A failed pass is logged and retried."""
    pump = CourierPump(runtime)
    context = pump.context
    interval = float(context.registry.settings.sandbox_pump_s)
    if interval <= 0:
        return
    context.pump = pump
    while not stop.wait(interval):
        try:
            pump.run_once()
        except Exception:  # noqa: BLE001 - a failed pass is logged; the next one retries
            log.exception("courier_pump_failed", service=runtime.name)
