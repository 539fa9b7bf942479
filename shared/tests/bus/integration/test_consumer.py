"""Idempotent consumer: duplicates, a consumer killed mid-message, poison messages, dead letters."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.bus.backends import BusBackend, DeadLetterNotFound
from smartdist.bus.backends.embedded import EmbeddedBusBackend
from smartdist.bus.backends.redis import RedisBusBackend
from smartdist.bus.consumer import Consumer, Outcome
from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import ProcessedEvent
from smartdist.bus.relay import OutboxRelay
from smartdist.db import CrossTenantWrite, Database

SCANNED = "smartdist.wms.parcel.scanned"
# Storage plays no part here; the bus backends are what varies.
SQLITE_ONLY = pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
STREAM = "smartdist.wms"


def scan_event(parcel_no: str, tenant_id: str = "t1") -> CloudEvent:
    return CloudEvent.create(type=SCANNED, subject=parcel_no, data={"parcel_no": parcel_no}, tenant_id=tenant_id)


def drain(consumer: Consumer) -> int:
    handled = 0
    while (count := consumer.run_once(block_ms=50)) > 0:
        handled += count
    return handled


def test_same_event_delivered_twice_has_its_effect_once(
    bus_database: Database, backend: BusBackend, scan_handlers, count_scans
) -> None:
    event = scan_event("P-1")
    consumer = Consumer(backend, bus_database, "dispatch", scan_handlers, "c1")
    consumer.ensure_groups()
    # What a relay that crashed between publishing and marking the row would do.
    backend.publish(STREAM, event.to_json())
    backend.publish(STREAM, event.to_json())

    assert drain(consumer) == 2
    assert count_scans("P-1") == 1


@SQLITE_ONLY
def test_each_group_handles_the_event_once_for_itself(
    bus_database: Database, backend: BusBackend, publish_scan, scan_handlers, count_scans
) -> None:
    publish_scan("P-1")
    OutboxRelay(bus_database, backend).run_once()
    drain(Consumer(backend, bus_database, "dispatch", scan_handlers, "c1"))
    drain(Consumer(backend, bus_database, "surplus-market", scan_handlers, "c1"))
    assert count_scans("P-1") == 2


def test_message_of_a_consumer_killed_before_commit_is_claimed_and_handled_once(
    bus_database: Database, make_bus: Callable[[], BusBackend], scan_handlers, count_scans
) -> None:
    doomed_bus, survivor_bus = make_bus(), make_bus()
    doomed = Consumer(doomed_bus, bus_database, "dispatch", scan_handlers, "doomed")
    doomed.ensure_groups()
    doomed_bus.publish(STREAM, scan_event("P-1").to_json())
    # The doomed consumer takes the message and dies before handling it: no ack, no commit.
    taken = doomed_bus.read("dispatch", "doomed", [STREAM], 10, 0)
    assert len(taken) == 1
    doomed_bus.close()

    survivor = Consumer(survivor_bus, bus_database, "dispatch", scan_handlers, "survivor", claim_idle_ms=0)
    assert drain(survivor) == 1
    assert count_scans("P-1") == 1
    assert survivor_bus.claim_stale("dispatch", "survivor", [STREAM], 0) == []


def test_message_of_a_consumer_killed_after_commit_before_ack_is_not_handled_again(
    bus_database: Database, make_bus: Callable[[], BusBackend], scan_handlers, count_scans
) -> None:
    doomed_bus, survivor_bus = make_bus(), make_bus()
    doomed = Consumer(doomed_bus, bus_database, "dispatch", scan_handlers, "doomed")
    doomed.ensure_groups()
    doomed_bus.publish(STREAM, scan_event("P-1").to_json())
    [message] = doomed_bus.read("dispatch", "doomed", [STREAM], 10, 0)
    assert doomed.handle(message) is Outcome.HANDLED  # committed ...
    doomed_bus.close()  # ... and died before acknowledging

    survivor = Consumer(survivor_bus, bus_database, "dispatch", scan_handlers, "survivor", claim_idle_ms=0)
    [claimed] = survivor.claim_stale()
    assert claimed.deliveries == 2
    assert survivor.handle(claimed) is Outcome.DUPLICATE
    survivor_bus.ack("dispatch", STREAM, [claimed.id])
    assert count_scans("P-1") == 1
    assert survivor_bus.claim_stale("dispatch", "survivor", [STREAM], 0) == []


@SQLITE_ONLY
def test_fresh_pending_message_is_not_taken_from_a_live_consumer(
    bus_database: Database, backend: BusBackend, scan_handlers
) -> None:
    busy = Consumer(backend, bus_database, "dispatch", scan_handlers, "busy")
    busy.ensure_groups()
    backend.publish(STREAM, scan_event("P-1").to_json())
    backend.read("dispatch", "busy", [STREAM], 10, 0)

    other = Consumer(backend, bus_database, "dispatch", scan_handlers, "other", claim_idle_ms=60_000)
    assert other.claim_stale() == []


def test_failed_handler_leaves_no_effect_and_the_retry_succeeds(
    bus_database: Database, backend: BusBackend, scan_handlers, count_scans
) -> None:
    attempts: list[int] = []

    def fails_once(session: Session, event: CloudEvent) -> None:
        scan_handlers[SCANNED](session, event)  # the effect is written ...
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("carrier API timed out")  # ... and must roll back

    consumer = Consumer(backend, bus_database, "dispatch", {SCANNED: fails_once}, "c1", claim_idle_ms=0)
    consumer.ensure_groups()
    backend.publish(STREAM, scan_event("P-1").to_json())

    [message] = backend.read("dispatch", "c1", [STREAM], 10, 0)
    assert consumer.handle(message) is Outcome.FAILED
    assert count_scans("P-1") == 0
    assert processed_ids(bus_database) == []

    assert drain(consumer) == 1  # claimed back as stale, handled
    assert count_scans("P-1") == 1
    assert len(attempts) == 2


@SQLITE_ONLY
def test_poison_message_goes_to_dead_letters_after_max_deliveries_and_replay_brings_it_back(
    bus_database: Database, backend: BusBackend, scan_handlers, count_scans
) -> None:
    healthy = {"carrier": False}

    def needs_carrier(session: Session, event: CloudEvent) -> None:
        if not healthy["carrier"]:
            raise RuntimeError("carrier rejected the parcel")
        scan_handlers[SCANNED](session, event)

    consumer = Consumer(
        backend, bus_database, "dispatch", {SCANNED: needs_carrier}, "c1", max_deliveries=3, claim_idle_ms=0
    )
    consumer.ensure_groups()
    event = scan_event("P-1")
    backend.publish(STREAM, event.to_json())
    for _ in range(6):
        consumer.run_once(block_ms=0)

    [letter] = backend.dead_letters()
    assert letter.stream == STREAM
    assert letter.group == "dispatch"
    assert letter.deliveries == 3
    assert "carrier rejected the parcel" in letter.error
    assert CloudEvent.from_json(letter.payload) == event
    assert consumer.claim_stale() == []  # acknowledged: no longer pending
    assert count_scans() == 0

    healthy["carrier"] = True
    backend.replay_dead(letter.id)
    assert backend.dead_letters() == []
    assert drain(consumer) == 1
    assert count_scans("P-1") == 1
    with pytest.raises(DeadLetterNotFound):
        backend.replay_dead(letter.id)


@SQLITE_ONLY
def test_message_that_is_not_a_cloudevent_goes_straight_to_dead_letters(
    bus_database: Database, backend: BusBackend, scan_handlers
) -> None:
    consumer = Consumer(backend, bus_database, "dispatch", scan_handlers, "c1", claim_idle_ms=0)
    consumer.ensure_groups()
    backend.publish(STREAM, "{not json")
    consumer.run_once(block_ms=0)

    [letter] = backend.dead_letters()
    assert letter.payload == "{not json"
    assert letter.error.startswith("InvalidEvent")
    assert consumer.claim_stale() == []


@SQLITE_ONLY
def test_event_type_without_handler_is_acknowledged_and_ignored(
    bus_database: Database, backend: BusBackend, scan_handlers, count_scans
) -> None:
    consumer = Consumer(backend, bus_database, "dispatch", scan_handlers, "c1", claim_idle_ms=0)
    consumer.ensure_groups()
    other = CloudEvent.create(type="smartdist.wms.lot.nearing_expiry", subject="L-1", data={}, tenant_id="t1")
    backend.publish(STREAM, other.to_json())

    [message] = backend.read("dispatch", "c1", [STREAM], 10, 0)
    assert consumer.handle(message) is Outcome.IGNORED
    backend.ack("dispatch", STREAM, [message.id])
    assert consumer.claim_stale() == []
    assert count_scans() == 0


def test_handler_cannot_write_rows_of_another_tenant(
    bus_database: Database, backend: BusBackend, scan_model, count_scans
) -> None:
    def writes_for_another_tenant(session: Session, event: CloudEvent) -> None:
        session.add(scan_model(parcel_no="X", tenant_id="t2"))

    consumer = Consumer(backend, bus_database, "dispatch", {SCANNED: writes_for_another_tenant}, "c1", max_deliveries=1)
    consumer.ensure_groups()
    backend.publish(STREAM, scan_event("P-1", tenant_id="t1").to_json())
    [message] = backend.read("dispatch", "c1", [STREAM], 10, 0)

    assert consumer.handle(message) is Outcome.DEAD
    [letter] = backend.dead_letters()
    assert CrossTenantWrite.__name__ in letter.error
    assert count_scans() == 0


def processed_ids(database: Database) -> list[str]:
    with database.system_transaction() as session:
        return list(session.execute(select(ProcessedEvent.event_id)).scalars())


def test_batch_of_several_tenants_stamps_each_effect_with_its_own_tenant(
    bus_database: Database, backend: BusBackend, scan_model
) -> None:
    t1_rows: list[object] = []  # held, so the session's weak identity map would keep them
    t1_ids: list[int] = []
    seen_by_t2: list[int] = []

    def record_and_look(session: Session, event: CloudEvent) -> None:
        row = scan_model(parcel_no=event.data["parcel_no"])
        session.add(row)
        session.flush()
        if event.tenantid == "t1":
            t1_rows.append(row)
            t1_ids.append(row.id)
            return
        # The t1 rows of this same transaction must stay out of reach of a t2 handler, by query
        # and by primary key.
        seen_by_t2.extend(r.id for r in session.scalars(select(scan_model)) if r.tenant_id != "t2")
        seen_by_t2.extend(pk for pk in t1_ids if session.get(scan_model, pk) is not None)

    consumer = Consumer(backend, bus_database, "dispatch", {SCANNED: record_and_look}, "c1")
    consumer.ensure_groups()
    backend.publish_batch(
        [
            (STREAM, scan_event(f"P-{n}", tenant_id=tenant).to_json())
            for n, tenant in enumerate(["t1", "t2", "t1", "t2"])
        ]
    )
    messages = backend.read("dispatch", "c1", [STREAM], 10, 0)
    assert consumer.handle_batch(messages) == [Outcome.HANDLED] * 4

    with bus_database.system_transaction() as session:
        rows = {(r.parcel_no, r.tenant_id) for r in session.scalars(select(scan_model))}
    assert rows == {("P-0", "t1"), ("P-1", "t2"), ("P-2", "t1"), ("P-3", "t2")}
    assert seen_by_t2 == []


def test_one_failing_handler_in_a_batch_does_not_hold_back_the_others(
    bus_database: Database, backend: BusBackend, scan_handlers, count_scans
) -> None:
    def refuses_p2(session: Session, event: CloudEvent) -> None:
        scan_handlers[SCANNED](session, event)
        if event.data["parcel_no"] == "P-2":
            raise ValueError("damaged label")

    consumer = Consumer(backend, bus_database, "dispatch", {SCANNED: refuses_p2}, "c1")
    consumer.ensure_groups()
    backend.publish_batch([(STREAM, scan_event(f"P-{n}").to_json()) for n in range(4)])
    messages = backend.read("dispatch", "c1", [STREAM], 10, 0)

    assert consumer.handle_batch(messages) == [Outcome.HANDLED, Outcome.HANDLED, Outcome.FAILED, Outcome.HANDLED]
    assert count_scans() == 3
    assert count_scans("P-2") == 0


def forget_streams_and_groups(backend: BusBackend) -> None:
    """What a Redis restart without persistence does to the bus."""
    if isinstance(backend, EmbeddedBusBackend):
        with backend._transaction() as conn:
            conn.execute("DELETE FROM bus_group")
            conn.execute("DELETE FROM bus_pending")
            conn.execute("DELETE FROM bus_message")
    else:
        assert isinstance(backend, RedisBusBackend)
        backend.delete_namespace()


@SQLITE_ONLY
def test_consumer_recreates_its_group_after_the_bus_forgot_it(
    bus_database: Database, backend: BusBackend, publish_scan, scan_handlers, count_scans
) -> None:
    relay = OutboxRelay(bus_database, backend)
    consumer = Consumer(backend, bus_database, "dispatch", scan_handlers, "c1")
    publish_scan("P-1")
    relay.run_once()
    assert drain(consumer) == 1

    forget_streams_and_groups(backend)
    publish_scan("P-2")
    relay.run_once()
    assert drain(consumer) == 1
    assert count_scans("P-2") == 1
