"""Group commit for quote sets: one writer thread stores every quote set waiting, in one transaction.

A quote's answer waits for its set to be stored (a booking may reach another worker at once).
Concurrent quotes under one platform's hang all finish at the deadline together; written one
transaction each they queue for the database's write lock (SQLite) and pay a commit each, and the
last one answers late. The writer takes whatever is queued and commits it together, so a burst
costs about one commit. A failed batch is retried set by set, so one bad set fails alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from dataclasses import dataclass
from typing import Any, cast

import structlog
from sqlalchemy import Table, delete, insert, text

from smartdist.db import Database
from smartdist_delivery_broker.quotes.domain import QuoteSet
from smartdist_delivery_broker.quotes.models import QuoteSetRow
from smartdist_delivery_broker.quotes.store import quote_set_row

log = structlog.get_logger(__name__)
MAX_BATCH = 64


@dataclass(frozen=True)
class _Pending:
    database: Database
    tenant_id: str
    quote_set: QuoteSet
    loop: asyncio.AbstractEventLoop
    done: asyncio.Future[None]


class QuoteSetWriter:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()  # guards starting the thread only
        self.batches = 0
        self.written = 0

    async def store(self, database: Database, tenant_id: str, quote_set: QuoteSet) -> None:
        """Store `quote_set` for `tenant_id`; returns once it is committed (raises if it failed)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._ensure_thread()
        self._queue.put(_Pending(database, tenant_id, quote_set, loop, done))
        await done

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="quote-set-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            by_database: dict[int, list[_Pending]] = {}
            for item in batch:
                by_database.setdefault(id(item.database), []).append(item)
            for items in by_database.values():
                self._write(items)

    def _write(self, items: list[_Pending]) -> None:
        try:
            write_quote_sets(items[0].database, [(i.tenant_id, i.quote_set) for i in items])
            self.batches += 1
            self.written += len(items)
            for item in items:
                _settle(item, None)
            return
        except Exception as exc:  # noqa: BLE001 - retried one by one below, or reported to each caller
            if len(items) == 1:
                _settle(items[0], exc)
                return
            log.warning("quote_set_batch_failed", size=len(items), error=repr(exc))
        for item in items:
            self._write([item])


def write_quote_sets(database: Database, sets: list[tuple[str, QuoteSet]]) -> None:
    """Upsert the sets in one transaction, committed without waiting for the disk.

    A quote set lives minutes and losing the last ones in a power cut only means quoting again,
    so its commit does not wait for a flush to disk (PostgreSQL `synchronous_commit = off` for
    this transaction; SQLite `synchronous = NORMAL` on this connection while it writes, which in
    WAL mode still survives a crash of the process). The flush was most of a quote's write time.
    """
    table = cast(Table, QuoteSetRow.__table__)
    rows = [quote_set_row(tenant_id, quote_set) for tenant_id, quote_set in sets]
    values = [{column.key: getattr(row, column.key) for column in table.columns} for row in rows]
    with database.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        driver = conn.connection.driver_connection if sqlite else None
        before = int(driver.execute("PRAGMA synchronous").fetchone()[0]) if driver is not None else 2
        if driver is not None:
            driver.execute("PRAGMA synchronous = NORMAL")  # outside a transaction, as SQLite requires
        try:
            with conn.begin():
                if not sqlite:
                    conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
                # Upsert: a set stored provisionally before the deadline is replaced by its final form.
                conn.execute(delete(table).where(table.c.id.in_([v["id"] for v in values])))
                conn.execute(insert(table), values)
        finally:
            if driver is not None:
                driver.execute(f"PRAGMA synchronous = {before}")


def _settle(item: _Pending, error: BaseException | None) -> None:
    def resolve(future: asyncio.Future[Any] = item.done) -> None:
        if future.done():
            return  # the request was cancelled (client gone)
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)

    # A closed event loop (RuntimeError) means nobody waits any more.
    with contextlib.suppress(RuntimeError):
        item.loop.call_soon_threadsafe(resolve)
