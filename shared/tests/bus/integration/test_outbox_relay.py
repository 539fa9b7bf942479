"""Outbox -> relay -> bus -> idempotent consumer, on SQLite and PostgreSQL, embedded bus and Redis."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from smartdist.bus.backends import BusBackend
from smartdist.bus.consumer import Consumer
from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import OutboxEvent
from smartdist.bus.outbox import publish
from smartdist.bus.relay import OutboxRelay
from smartdist.db import CrossTenantWrite, Database, utcnow

SCANNED = "smartdist.wms.parcel.scanned"
# Storage plays no part here; the bus backends are what varies.
SQLITE_ONLY = pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)


def attempts_of(database: Database) -> int:
    with database.system_transaction() as session:
        return int(session.execute(select(OutboxEvent.attempts)).scalar_one())


def drain(consumer: Consumer) -> int:
    handled = 0
    while (count := consumer.run_once(block_ms=50)) > 0:
        handled += count
    return handled


def test_committed_event_reaches_the_consumer_and_is_handled_once(
    bus_database: Database, backend: BusBackend, publish_scan, scan_handlers, count_scans
) -> None:
    sent = publish_scan("P-1")
    relay = OutboxRelay(bus_database, backend)

    assert relay.run_once() == 1
    received: list[CloudEvent] = []

    def remember(session, event: CloudEvent) -> None:
        received.append(event)
        scan_handlers[SCANNED](session, event)

    consumer = Consumer(backend, bus_database, "dispatch", {SCANNED: remember}, "c1")
    assert drain(consumer) == 1
    assert received == [sent]
    assert count_scans("P-1") == 1
    assert relay.run_once() == 0


def test_relayed_row_is_marked_published(bus_database: Database, backend: BusBackend, publish_scan) -> None:
    publish_scan("P-1")
    OutboxRelay(bus_database, backend).run_once()
    with bus_database.system_transaction() as session:
        row = session.execute(select(OutboxEvent)).scalar_one()
    assert row.published_at is not None
    assert row.attempts == 0


def test_rolled_back_change_publishes_no_event(
    bus_database: Database, backend: BusBackend, scan_handlers, count_scans
) -> None:
    session = bus_database.tenant_session("t1")
    with session.begin():
        publish(session, type=SCANNED, subject="P-9", data={"parcel_no": "P-9"}, tenant_id="t1")
        session.rollback()
    session.close()

    assert OutboxRelay(bus_database, backend).run_once() == 0
    assert drain(Consumer(backend, bus_database, "dispatch", scan_handlers, "c1")) == 0
    assert count_scans() == 0


def test_failed_request_takes_its_event_with_it(bus_database: Database, backend: BusBackend) -> None:
    class OutOfStockError(Exception):
        pass

    try:
        with bus_database.tenant_transaction("t1") as session:
            publish(session, type=SCANNED, subject="P-9", data={"parcel_no": "P-9"}, tenant_id="t1")
            raise OutOfStockError
    except OutOfStockError:
        pass
    assert OutboxRelay(bus_database, backend).run_once() == 0


def test_event_published_while_bus_down_is_delivered_after_it_comes_back(
    bus_database: Database, bus_with_outage, publish_scan, scan_handlers, count_scans
) -> None:
    backend = bus_with_outage.backend
    relay = OutboxRelay(bus_database, backend)
    consumer = Consumer(backend, bus_database, "dispatch", scan_handlers, "c1")
    consumer.ensure_groups()

    bus_with_outage.outage.cut()
    publish_scan("P-1")  # the request commits although the bus is down
    assert relay.run_once() == 0
    assert relay.last_error is not None
    with bus_database.system_transaction() as session:
        row = session.execute(select(OutboxEvent)).scalar_one()
    assert row.published_at is None
    assert row.attempts == 1

    bus_with_outage.outage.restore()
    assert relay.run_once() == 1
    assert relay.last_error is None
    assert drain(consumer) == 1
    assert count_scans("P-1") == 1


@SQLITE_ONLY
def test_relay_thread_keeps_retrying_until_bus_returns(
    bus_database: Database, bus_with_outage, publish_scan, scan_handlers, count_scans
) -> None:
    backend = bus_with_outage.backend
    consumer = Consumer(backend, bus_database, "dispatch", scan_handlers, "c1")
    consumer.ensure_groups()
    bus_with_outage.outage.cut()
    publish_scan("P-1")
    stop = threading.Event()
    relay = OutboxRelay(bus_database, backend)
    thread = threading.Thread(target=relay.run_forever, args=(stop, 0.02), kwargs={"max_backoff": 0.2})
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while attempts_of(bus_database) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert attempts_of(bus_database) >= 2
        bus_with_outage.outage.restore()
        deadline = time.monotonic() + 10
        while count_scans("P-1") == 0 and time.monotonic() < deadline:
            consumer.run_once(block_ms=100)
    finally:
        stop.set()
        thread.join(5)
    assert count_scans("P-1") == 1


def test_two_relays_at_once_publish_each_event_once(
    bus_database: Database, make_bus: Callable[[], BusBackend], publish_scan
) -> None:
    with bus_database.tenant_transaction("t1") as session:
        for number in range(300):
            publish(session, type=SCANNED, subject=f"P-{number}", data={"parcel_no": f"P-{number}"}, tenant_id="t1")
    relays = [OutboxRelay(bus_database, make_bus(), name=f"relay-{n}") for n in range(2)]
    totals = [0, 0]
    start = threading.Barrier(2)

    def relay_all(index: int) -> None:
        start.wait()
        while (count := relays[index].run_once(batch=50)) > 0:
            totals[index] += count

    threads = [threading.Thread(target=relay_all, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sum(totals) == 300
    reader = make_bus()
    reader.ensure_group("smartdist.wms", "audit")
    seen: list[str] = []
    while batch := reader.read("audit", "a1", ["smartdist.wms"], 500, 0):
        seen += [CloudEvent.from_json(message.payload).subject or "" for message in batch]
    assert len(seen) == 300
    assert len(set(seen)) == 300


def test_events_leave_in_outbox_order(bus_database: Database, backend: BusBackend, publish_scan) -> None:
    for number in range(5):
        publish_scan(f"P-{number}")
    OutboxRelay(bus_database, backend).run_once()
    backend.ensure_group("smartdist.wms", "audit")
    messages = backend.read("audit", "a1", ["smartdist.wms"], 10, 0)
    assert [CloudEvent.from_json(m.payload).subject for m in messages] == [f"P-{n}" for n in range(5)]


def test_purge_drops_old_published_rows_but_never_unpublished_ones(
    bus_database: Database, backend: BusBackend, publish_scan
) -> None:
    publish_scan("P-old")
    relay = OutboxRelay(bus_database, backend)
    relay.run_once()
    publish_scan("P-waiting")
    with bus_database.system_transaction() as session:
        session.execute(update(OutboxEvent).values(created_at=utcnow() - timedelta(days=30)))
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.published_at.is_not(None))
            .values(published_at=utcnow() - timedelta(days=30))
        )

    assert relay.purge_published(keep=timedelta(days=7)) == 1
    with bus_database.system_transaction() as session:
        left = session.execute(select(OutboxEvent.subject)).scalars().all()
    assert left == ["P-waiting"]


def test_request_of_one_tenant_cannot_publish_an_event_of_another(bus_database: Database) -> None:
    with pytest.raises(CrossTenantWrite), bus_database.tenant_transaction("t1") as session:
        publish(session, type=SCANNED, subject="P-1", data={"parcel_no": "P-1"}, tenant_id="t2")
    with bus_database.system_transaction() as session:
        assert session.execute(select(OutboxEvent)).first() is None


@SQLITE_ONLY
def test_pending_count_shows_events_waiting_for_the_bus(
    bus_database: Database, backend: BusBackend, publish_scan
) -> None:
    relay = OutboxRelay(bus_database, backend)
    publish_scan("P-1")
    publish_scan("P-2")
    assert relay.pending_count() == 2
    relay.run_once()
    assert relay.pending_count() == 0


@SQLITE_ONLY
def test_relay_sends_an_event_as_soon_as_its_transaction_commits(
    bus_database: Database, backend: BusBackend, publish_scan
) -> None:
    stop = threading.Event()
    relay = OutboxRelay(bus_database, backend)
    # A poll this slow would miss the deadline below: only the commit's wake-up can make it.
    thread = threading.Thread(target=relay.run_forever, args=(stop, 5.0))
    thread.start()
    try:
        time.sleep(0.2)  # the relay is now waiting
        publish_scan("P-1")
        committed = time.monotonic()
        deadline = committed + 3.5
        while relay.pending_count() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert relay.pending_count() == 0
    finally:
        stop.set()
        thread.join(10)
