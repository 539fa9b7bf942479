"""The outbox relay: moves committed outbox rows onto the bus.

At least once: a row is marked published only after the backend accepted it, so a crash between
the two re-publishes it and consumers drop the duplicate. Two relays on one database do not
double-publish in the normal case: PostgreSQL hands each row to one of them (``FOR UPDATE SKIP
LOCKED``); on SQLite the relay's ``BEGIN IMMEDIATE`` transaction makes them take turns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, func, select, update

from smartdist.bus.backends import BusBackend
from smartdist.bus.envelope import stream_for_type
from smartdist.bus.metrics import EVENTS_RELAYED, RELAY_FAILURES
from smartdist.bus.models import OutboxEvent, ProcessedEvent
from smartdist.bus.outbox import relay_wakeup
from smartdist.db import Database, utcnow

log = logging.getLogger(__name__)

PUBLISH_CHUNK = 100


class OutboxRelay:
    def __init__(self, database: Database, backend: BusBackend, *, name: str = "outbox") -> None:
        self.database = database
        self.backend = backend
        self.name = name
        # Why the last pass stopped early (bus down); None when it went through.
        self.last_error: str | None = None
        self._wakeup = relay_wakeup(database.engine)

    def run_once(self, batch: int = 500) -> int:
        """Publish up to ``batch`` unpublished events in outbox order; returns how many went out."""
        published = 0
        error: str | None = None
        with self.database.system_session() as session, session.begin():
            query = (
                select(OutboxEvent.id, OutboxEvent.type, OutboxEvent.payload)
                .where(OutboxEvent.published_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(batch)
            )
            if not self.database.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            for start in range(0, len(rows), PUBLISH_CHUNK):
                chunk = rows[start : start + PUBLISH_CHUNK]
                ids = [row.id for row in chunk]
                try:
                    self.backend.publish_batch([(stream_for_type(row.type), row.payload) for row in chunk])
                except Exception as exc:  # noqa: BLE001 - any bus failure: keep the rows, retry later
                    error = f"{type(exc).__name__}: {exc}"
                    session.execute(
                        update(OutboxEvent)
                        .where(OutboxEvent.id.in_(ids))
                        .values(attempts=OutboxEvent.attempts + 1, last_error=error[:2000])
                    )
                    log.warning("outbox relay %s: bus refused %d events: %s", self.name, len(ids), error)
                    break
                session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(published_at=utcnow()))
                published += len(chunk)
        self.last_error = error
        if published:
            EVENTS_RELAYED.labels(self.name).inc(published)
        if error is not None:
            RELAY_FAILURES.labels(self.name).inc()
        return published

    def pending_count(self) -> int:
        """Events committed but not yet on the bus (for /readyz details and the CLI)."""
        with self.database.system_session() as session, session.begin():
            return int(
                session.execute(
                    select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
                ).scalar_one()
            )

    def purge_published(self, keep: timedelta = timedelta(days=7)) -> int:
        """Drop relayed rows older than ``keep``; unpublished rows are never purged."""
        cutoff = utcnow() - keep
        with self.database.system_session() as session, session.begin():
            result = session.execute(
                delete(OutboxEvent).where(OutboxEvent.published_at.is_not(None), OutboxEvent.published_at < cutoff)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def purge_processed(self, keep: timedelta = timedelta(days=30)) -> int:
        """Forget handled event ids older than ``keep`` (far beyond any redelivery window)."""
        cutoff = utcnow() - keep
        with self.database.system_session() as session, session.begin():
            result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.processed_at < cutoff))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def run_forever(
        self,
        stop: threading.Event,
        idle_sleep: float = 0.1,
        *,
        batch: int = 500,
        max_backoff: float = 30.0,
        purge_every_s: float = 3600.0,
    ) -> None:
        """Relay until ``stop`` is set; backs off exponentially while the bus or database is down.

        Between passes it waits for a commit of this process that wrote events, or at most
        ``idle_sleep`` (writes of other processes, and noticing ``stop``).
        """
        backoff = idle_sleep
        next_purge = time.monotonic() + purge_every_s
        while not stop.is_set():
            self._wakeup.clear()  # before the pass: a commit during it triggers the next one
            try:
                published = self.run_once(batch)
            except Exception as exc:  # noqa: BLE001 - the database itself is unreachable
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("outbox relay %s: database error: %s", self.name, self.last_error)
                published = 0
            if self.last_error is not None:
                backoff = min(max(backoff * 2, idle_sleep), max_backoff)
                stop.wait(backoff)
                continue
            backoff = idle_sleep
            if time.monotonic() >= next_purge:
                next_purge = time.monotonic() + purge_every_s
                try:
                    self.purge_published()
                    self.purge_processed()
                except Exception:  # noqa: BLE001 - purging can wait for the next hour
                    log.exception("outbox relay %s: purge failed", self.name)
            if published < batch:
                self._idle(stop, idle_sleep)

    def _idle(self, stop: threading.Event, seconds: float) -> None:
        """Wait for a commit that wrote events, ``seconds`` at most, noticing ``stop`` within 0.25 s."""
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._wakeup.wait(min(remaining, 0.25)):
                return


def run_relays(relays: Sequence[OutboxRelay], stop: threading.Event, idle_sleep: float = 0.1) -> list[threading.Thread]:
    """Start one daemon thread per relay (one per service database); join them after ``stop``."""
    threads = [
        threading.Thread(target=relay.run_forever, args=(stop, idle_sleep), name=f"relay-{relay.name}", daemon=True)
        for relay in relays
    ]
    for thread in threads:
        thread.start()
    return threads
