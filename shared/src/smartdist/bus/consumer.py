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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartdist.bus.backends import BusBackend, BusUnavailable, Message
from smartdist.bus.envelope import CloudEvent, InvalidEvent, stream_for_type
from smartdist.bus.metrics import EVENTS_CONSUMED
from smartdist.bus.models import ProcessedEvent
from smartdist.db import TENANT_KEY, Database

log = logging.getLogger(__name__)

# A handler writes through the session it is given and may flush, never commit: the consumer
# commits its writes together with the processed-event row.
Handler = Callable[[Session, CloudEvent], None]


class Outcome(enum.Enum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    FAILED = "failed"
    DEAD = "dead"


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True, slots=True)
class _Work:
    index: int
    message: Message
    event: CloudEvent
    handler: Handler
    tenant: str | None


class Consumer:
    """Reads the streams of the event types in ``handlers`` as consumer group ``group``.

    A failing handler leaves its message pending; it comes back through :meth:`claim_stale`
    once idle for ``claim_idle_ms`` (here or in another consumer of the group), and after
    ``max_deliveries`` tries it goes to the dead letters. Up to ``transaction_batch`` messages
    commit together (see :meth:`handle_batch`). Events carrying a tenant are handled
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
        transaction_batch: int = 50,
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
        self.transaction_batch = max(1, transaction_batch)
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
        for message, outcome in zip(messages, self.handle_batch(messages), strict=True):
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
        return self.handle_batch([message])[0]

    def handle_batch(self, messages: Sequence[Message]) -> list[Outcome]:
        """Handle messages, committing up to ``transaction_batch`` of them together.

        One commit per batch instead of per message is what lets a consumer keep up on a disk
        where a commit costs ~10 ms. Batches are optimistic: if any handler (or the commit)
        fails, the whole batch rolls back and its messages are redone one transaction each, so
        only the failing message is left for a retry. Does not acknowledge.
        """
        outcomes: list[Outcome | None] = [None] * len(messages)
        # Tenant events and system events (no tenant) never share a transaction.
        work: dict[bool, list[_Work]] = defaultdict(list)
        for index, message in enumerate(messages):
            try:
                event = CloudEvent.from_json(message.payload)
            except InvalidEvent as exc:
                # It will never parse, however often it is delivered.
                self.backend.dead_letter(message, self.group, f"InvalidEvent: {exc}")
                outcomes[index] = Outcome.DEAD
                continue
            handler = self.handlers.get(event.type)
            if handler is None:
                outcomes[index] = Outcome.IGNORED
            elif message.deliveries > self.max_deliveries:
                # Consumers died while handling it (killed, out of memory) more often than allowed.
                self.backend.dead_letter(message, self.group, f"delivered {message.deliveries} times without success")
                outcomes[index] = Outcome.DEAD
            else:
                tenant = event.tenantid if self.tenant_scoped else None
                work[tenant is not None].append(_Work(index, message, event, handler, tenant))
        for items in work.values():
            for start in range(0, len(items), self.transaction_batch):
                chunk = items[start : start + self.transaction_batch]
                for item, result in zip(chunk, self._handle_chunk(chunk), strict=True):
                    outcomes[item.index] = self._settle(item, result)
        settled = [outcome or Outcome.FAILED for outcome in outcomes]
        for outcome in settled:
            EVENTS_CONSUMED.labels(self.group, outcome.value).inc()
        return settled

    def _handle_chunk(self, chunk: list[_Work]) -> list[Outcome | Exception]:
        if len(chunk) > 1:
            try:
                return list(self._handle_in_one_transaction(chunk))
            except Exception:  # noqa: BLE001 - redo one by one to find the failing message
                log.debug("consumer %s: batch of %d failed, redoing singly", self.group, len(chunk))
        results: list[Outcome | Exception] = []
        for item in chunk:
            try:
                results.extend(self._handle_in_one_transaction([item]))
            except IntegrityError as exc:
                # Another consumer committed the same event while we ran it: ours rolled back.
                results.append(Outcome.DUPLICATE if self._already_processed(item.event) else exc)
            except Exception as exc:  # noqa: BLE001 - any handler error: its writes rolled back
                results.append(exc)
        return results

    def _handle_in_one_transaction(self, chunk: list[_Work]) -> list[Outcome]:
        """All-or-nothing: every handler's writes and processed rows commit, or none do.

        Tenant events of several tenants may share the transaction: where the tenant changes,
        the rows written so far are flushed (stamped and checked as their tenant's) and dropped
        from the session, and the session is switched to the next tenant, so no handler can
        reach another tenant's objects, by query or by identity map.
        """
        first = chunk[0].tenant
        session = self.database.tenant_session(first) if first else self.database.system_session()
        results: list[Outcome] = []
        processed: list[ProcessedEvent] = []
        with session, session.begin():
            done = self._processed_among(session, [item.event.id for item in chunk])
            current_tenant = first
            for item in chunk:
                if item.event.id in done:
                    results.append(Outcome.DUPLICATE)
                    continue
                if item.tenant != current_tenant:
                    session.flush()  # the previous tenant's rows, stamped and checked as that tenant
                    session.expunge_all()
                    session.info[TENANT_KEY] = current_tenant = item.tenant
                if len(chunk) == 1:
                    # Claim the event id before the handler runs: a second consumer handling the
                    # same event at the same moment waits on this row (PostgreSQL) or on the
                    # write lock (SQLite) and then finds it taken.
                    session.add(ProcessedEvent(consumer=self.group, event_id=item.event.id))
                    session.flush()
                else:
                    processed.append(ProcessedEvent(consumer=self.group, event_id=item.event.id))
                item.handler(session, item.event)
                done.add(item.event.id)
                results.append(Outcome.HANDLED)
            # Processed-event rows are no tenant's data: one multi-row insert for the batch.
            session.add_all(processed)
        return results

    def _already_processed(self, event: CloudEvent) -> bool:
        with self.database.system_transaction() as session:
            return bool(self._processed_among(session, [event.id]))

    def _processed_among(self, session: Session, event_ids: list[str]) -> set[str]:
        return set(
            session.scalars(
                select(ProcessedEvent.event_id).where(
                    ProcessedEvent.consumer == self.group, ProcessedEvent.event_id.in_(event_ids)
                )
            )
        )

    def _settle(self, item: _Work, result: Outcome | Exception) -> Outcome:
        if isinstance(result, Outcome):
            return result
        error = f"{type(result).__name__}: {result}"
        event, message = item.event, item.message
        if message.deliveries >= self.max_deliveries:
            log.error(
                "consumer %s: %s %s failed %d times, dead-lettered: %s",
                self.group,
                event.type,
                event.id,
                message.deliveries,
                error,
            )
            self.backend.dead_letter(message, self.group, error)
            return Outcome.DEAD
        log.warning(
            "consumer %s: %s %s failed (delivery %d of %d), will retry: %s",
            self.group,
            event.type,
            event.id,
            message.deliveries,
            self.max_deliveries,
            error,
        )
        return Outcome.FAILED

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
