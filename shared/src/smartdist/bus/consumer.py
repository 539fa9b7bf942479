"""Idempotent consumers: each event's effect happens once per consumer group.

The handler runs in a database transaction that also records ``ProcessedEvent(group, event
id)``. Both commit together, so a redelivered event (relay re-publish, consumer killed before its
ack, replay from the dead letters) finds its row and is skipped. The message is acknowledged only
after the commit.
"""

from __future__ import annotations

import enum
import logging
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartdist.bus.backends import BusBackend, BusUnavailable, Message
from smartdist.bus.envelope import CloudEvent, InvalidEvent, stream_for_type
from smartdist.bus.models import ProcessedEvent
from smartdist.db import Database

log = logging.getLogger(__name__)

Handler = Callable[[Session, CloudEvent], None]


class Outcome(enum.Enum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    FAILED = "failed"
    DEAD = "dead"


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Consumer:
    """Reads the streams of the event types in ``handlers`` as consumer group ``group``.

    A failing handler leaves its message pending; it comes back through :meth:`claim_stale`
    once idle for ``claim_idle_ms`` (here or in another consumer of the group), and after
    ``max_deliveries`` tries it goes to the dead letters. Events carrying a tenant are handled
    in a session scoped to that tenant (``tenant_scoped``), so a handler cannot touch another
    merchant's rows; events without one get a system session.
    """

    def __init__(
        self,
        backend: BusBackend,
        database: Database,
        group: str,
        handlers: Mapping[str, Handler],
        consumer_name: str | None = None,
        max_deliveries: int = 5,
        *,
        claim_idle_ms: int = 30_000,
        batch: int = 100,
        block_ms: int = 1000,
        tenant_scoped: bool = True,
    ) -> None:
        self.backend = backend
        self.database = database
        self.group = group
        self.handlers = dict(handlers)
        self.name = consumer_name or default_consumer_name()
        self.max_deliveries = max_deliveries
        self.claim_idle_ms = claim_idle_ms
        self.batch = batch
        self.block_ms = block_ms
        self.tenant_scoped = tenant_scoped
        self.streams = sorted({stream_for_type(event_type) for event_type in self.handlers})
        self._groups_ready = False
        self._next_claim = 0.0

    def ensure_groups(self) -> None:
        for stream in self.streams:
            self.backend.ensure_group(stream, self.group)
        self._groups_ready = True

    def run_once(self, block_ms: int | None = None) -> int:
        """Handle what is waiting (stale claims first, then new messages); returns how many."""
        if not self.streams:
            return 0
        if not self._groups_ready:
            self.ensure_groups()
        messages: list[Message] = []
        if time.monotonic() >= self._next_claim:
            # Checking for stale messages every half idle period is enough: they are already late.
            self._next_claim = time.monotonic() + self.claim_idle_ms / 2000
            messages.extend(self.claim_stale())
        wait = 0 if messages else (self.block_ms if block_ms is None else block_ms)
        messages.extend(self.backend.read(self.group, self.name, self.streams, self.batch, wait))
        to_ack: dict[str, list[str]] = defaultdict(list)
        for message in messages:
            outcome = self.handle(message)
            if outcome in (Outcome.HANDLED, Outcome.DUPLICATE, Outcome.IGNORED):
                to_ack[message.stream].append(message.id)
        for stream, ids in to_ack.items():
            # Acknowledged after the commit: a crash before this line means redelivery, and
            # the processed-event row turns that into a skip.
            self.backend.ack(self.group, stream, ids)
        return len(messages)

    def claim_stale(self, min_idle_ms: int | None = None) -> list[Message]:
        idle = self.claim_idle_ms if min_idle_ms is None else min_idle_ms
        return self.backend.claim_stale(self.group, self.name, self.streams, idle, self.batch)

    def handle(self, message: Message) -> Outcome:
        """Run the handler for one message exactly once per group; does not acknowledge."""
        try:
            event = CloudEvent.from_json(message.payload)
        except InvalidEvent as exc:
            # It will never parse, however often it is delivered.
            self.backend.dead_letter(message, self.group, f"InvalidEvent: {exc}")
            return Outcome.DEAD
        handler = self.handlers.get(event.type)
        if handler is None:
            return Outcome.IGNORED
        if message.deliveries > self.max_deliveries:
            # Consumers died while handling it (killed, out of memory) more often than allowed.
            self.backend.dead_letter(
                message, self.group, f"delivered {message.deliveries} times without success"
            )
            return Outcome.DEAD
        try:
            return self._handle_once(event, handler)
        except Exception as exc:  # noqa: BLE001 - any handler error: roll back, retry later
            error = f"{type(exc).__name__}: {exc}"
            if message.deliveries >= self.max_deliveries:
                log.error(
                    "consumer %s: %s %s failed %d times, dead-lettered: %s",
                    self.group, event.type, event.id, message.deliveries, error,
                )
                self.backend.dead_letter(message, self.group, error)
                return Outcome.DEAD
            log.warning(
                "consumer %s: %s %s failed (delivery %d of %d): %s",
                self.group, event.type, event.id, message.deliveries, self.max_deliveries, error,
            )
            return Outcome.FAILED

    def _session_for(self, event: CloudEvent) -> AbstractContextManager[Session]:
        if self.tenant_scoped and event.tenantid:
            return self.database.tenant_transaction(event.tenantid)
        return self.database.system_transaction()

    def _already_processed(self, event: CloudEvent) -> bool:
        with self.database.system_transaction() as session:
            return session.get(ProcessedEvent, (self.group, event.id)) is not None

    def _handle_once(self, event: CloudEvent, handler: Handler) -> Outcome:
        try:
            with self._session_for(event) as session:
                if session.get(ProcessedEvent, (self.group, event.id)) is not None:
                    return Outcome.DUPLICATE
                # Claim the event id before the handler runs: a second consumer handling the same
                # event at the same moment waits on this row (PostgreSQL) or on the write lock
                # (SQLite) and then finds it taken.
                session.add(ProcessedEvent(consumer=self.group, event_id=event.id))
                session.flush()
                handler(session, event)
        except IntegrityError:
            if self._already_processed(event):
                return Outcome.DUPLICATE
            raise
        return Outcome.HANDLED

    def run_forever(self, stop: threading.Event, *, max_backoff: float = 30.0) -> None:
        """Consume until ``stop`` is set; backs off while the bus is unreachable."""
        backoff = 0.5
        while not stop.is_set():
            try:
                self.run_once()
                backoff = 0.5
            except BusUnavailable as exc:
                log.warning("consumer %s: bus unavailable: %s", self.group, exc)
                self._groups_ready = False
                stop.wait(backoff)
                backoff = min(backoff * 2, max_backoff)
            except Exception:  # noqa: BLE001 - e.g. database down; keep the worker alive
                log.exception("consumer %s: pass failed", self.group)
                stop.wait(backoff)
                backoff = min(backoff * 2, max_backoff)
