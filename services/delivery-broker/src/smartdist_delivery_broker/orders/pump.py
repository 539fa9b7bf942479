"""The broker's background pump: sandbox couriers move on their own, old quote sets are dropped.

Sandbox platforms only *compute* their couriers' webhooks when asked (`due_webhooks`); something
must hand them to the webhook pipeline. Reads of the deliveries do it on the spot; this loop does
it every `SMARTDIST_DELIVERY_BROKER_SANDBOX_PUMP_S` seconds (default 2, 0 = off), so a running
demo's board, tracking pages, KPI records and events move without anyone asking. It is one of the
service's `background_tasks` (`run_courier_pump`): the platform runs it in a thread beside the
outbox relay and the event consumer while the service runs in the background, and stops it with
them. It holds no Python lock across a database call.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import structlog

from smartdist.db import Database
from smartdist_delivery_broker.orders.service import UnknownDelivery, ingest_status_updates
from smartdist_delivery_broker.quotes.store import prune_quote_sets

log = structlog.get_logger(__name__)
PRUNE_EVERY_S = 3600.0


def deliver_due_sandbox_webhooks(context: Any, database: Database) -> dict[str, int]:
    """Hand every simulated courier webhook that is due to the webhook pipeline; outcome counts."""
    counts: dict[str, int] = {}
    for sandbox in context.registry.sandboxes():
        for hook in sandbox.due_webhooks():
            try:
                result = ingest_status_updates(database, sandbox.parse_webhook(hook.headers, hook.body))
            except UnknownDelivery:
                # Booked but not committed yet (or rolled back); the sandbox sends it again
                # on a later pass only as a duplicate, so count it and move on.
                counts["unknown"] = counts.get("unknown", 0) + 1
                continue
            for key, n in result.items():
                counts[key] = counts.get(key, 0) + n
    return counts


class CourierPump:
    """One pass of the pump over the runtime's quoting context, and how many passes were made."""

    def __init__(self, runtime: Any):
        self.runtime = runtime
        self.passes = 0
        self._next_prune = time.monotonic()

    @property
    def context(self) -> Any:
        from smartdist_delivery_broker.quotes.api import context_for_runtime

        # Looked up on every pass: the context the requests use is the one whose couriers move.
        return context_for_runtime(self.runtime)

    def run_once(self) -> dict[str, int]:
        database = self.runtime.database
        counts = deliver_due_sandbox_webhooks(self.context, database)
        if time.monotonic() >= self._next_prune:
            self._next_prune = time.monotonic() + PRUNE_EVERY_S
            with database.system_transaction() as session:
                counts["quote_sets_pruned"] = prune_quote_sets(session, datetime.now(UTC))
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
