"""The broker's background pump: sandbox couriers move on their own, old quote sets are dropped.

Sandbox platforms only *compute* their couriers' webhooks when asked (`due_webhooks`); something
must hand them to the webhook pipeline. Reads of the deliveries do it on the spot; this thread
does it every `SMARTDIST_DELIVERY_BROKER_SANDBOX_PUMP_S` seconds (default 2, 0 = off), so a
running demo's board, tracking pages, KPI records and events move without anyone asking. It is
started with the runtime's quoting context (first request, or the demo's start) and ends when
the runtime stops. It holds no Python lock across a database call.
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
    """A daemon thread that runs `deliver_due_sandbox_webhooks` every `interval_s` seconds."""

    def __init__(self, context: Any, runtime: Any, interval_s: float):
        self.context = context
        self.runtime = runtime
        self.interval_s = interval_s
        self.passes = 0
        self._stop = threading.Event()
        self._next_prune = time.monotonic()
        self.thread = threading.Thread(target=self._run, name=f"{runtime.name}-courier-pump", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            if not self.runtime.started:
                return  # the runtime stopped: its database is being closed
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - a failed pass is logged; the next one retries
                log.exception("courier_pump_failed", service=self.runtime.name)

    def run_once(self) -> dict[str, int]:
        database = self.runtime.database
        counts = deliver_due_sandbox_webhooks(self.context, database)
        if time.monotonic() >= self._next_prune:
            self._next_prune = time.monotonic() + PRUNE_EVERY_S
            with database.system_transaction() as session:
                counts["quote_sets_pruned"] = prune_quote_sets(session, datetime.now(UTC))
        self.passes += 1
        return counts


def start_pump(context: Any, runtime: Any) -> CourierPump | None:
    """Start the context's pump once (none when the interval setting is 0)."""
    if context.pump is not None:
        return context.pump  # type: ignore[no-any-return]
    interval = float(context.registry.settings.sandbox_pump_s)
    if interval <= 0:
        return None
    pump = CourierPump(context, runtime, interval)
    context.pump = pump
    pump.start()
    return pump
