"""Webhook ingestion with concurrent duplicates, on SQLite and PostgreSQL."""

import asyncio
import random
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from smartdist.bus.models import OutboxEvent
from smartdist.db import Database, PlatformBase
from smartdist.migrate import import_platform_models
from smartdist_delivery_broker.adapters.port import BookingRequest, Place, TripRequest
from smartdist_delivery_broker.adapters.sandbox import CourierScenario, SandboxBehaviour, SandboxPlatform
from smartdist_delivery_broker.db import Base
from smartdist_delivery_broker.orders.models import DeliveryOrder, DeliveryStatusEvent
from smartdist_delivery_broker.orders.service import ingest_status_updates, new_order
from smartdist_delivery_broker.quotes.domain import ProviderQuote, QuoteSet

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


@pytest.fixture
def broker_db(empty_database: Database) -> Database:
    empty_database.ensure_schema()
    import_platform_models()
    PlatformBase.metadata.create_all(empty_database.engine)
    Base.metadata.create_all(empty_database.engine)
    return empty_database


def booked_order(db: Database, sandbox: SandboxPlatform, tenant: str) -> DeliveryOrder:
    trip = TripRequest(Place(25.034, 121.5645), Place(25.0478, 121.517), 5025)
    delivery = asyncio.run(sandbox.create(BookingRequest(trip, f"{tenant}-ref")))
    quote_set = QuoteSet(5025, 0, (), None, T0, None, trip=trip)
    quote = ProviderQuote(sandbox.provider, True, 150, {"base": 85, "distance": 65, "cod": 0})
    with db.tenant_transaction(tenant) as session:
        order = new_order(
            tenant, quote_set, quote, reference=None, goods_value=0, pickup=trip.pickup, dropoff=trip.dropoff, now=T0
        )
        order.platform_ref = delivery.platform_ref
        session.add(order)
    return order


def test_concurrent_duplicate_and_reordered_webhooks_change_each_status_once(broker_db: Database) -> None:
    clock = lambda: T0  # noqa: E731
    sandbox = SandboxPlatform("pandago", SandboxBehaviour(scenario=CourierScenario.DELIVER), clock)
    order = booked_order(broker_db, sandbox, "tenant-w")
    sim = sandbox.orders[order.platform_ref or ""]
    hooks = [sandbox.render_webhook(sim, step) for step in sim.script]
    stream = hooks * 3
    random.Random(3).shuffle(stream)
    chunks = [stream[i::4] for i in range(4)]
    errors: list[BaseException] = []

    def deliver(chunk: list[tuple[dict[str, str], bytes]]) -> None:
        for headers, body in chunk:
            try:
                ingest_status_updates(broker_db, sandbox.parse_webhook(headers, body))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    with broker_db.tenant_transaction("tenant-w") as session:
        stored = session.scalar(select(DeliveryOrder))
        events = session.scalar(select(func.count()).select_from(DeliveryStatusEvent))
        changes = session.scalars(select(OutboxEvent.type)).all()
    assert stored is not None and stored.status == "delivered"
    assert events == len(hooks)  # every distinct webhook stored once, repeats not at all
    announced = [t for t in changes if t.endswith("status_changed")]
    # assigned/picked_up may be back-filled if they arrive late, but no change is announced twice
    assert len(announced) <= 3 and changes.count("smartdist.delivery-broker.delivery.completed") == 1
