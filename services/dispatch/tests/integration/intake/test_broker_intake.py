"""Own-fleet bookings from the delivery broker become dispatch orders once (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import OutboxEvent
from smartdist.kpi import KpiRecord
from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.intake.consumer import DELIVERY_REQUESTED, on_delivery_requested
from smartdist_dispatch.orders.models import DeliveryOrder


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def requested(tenant: str, no: str = "DR20261126-AAAA0001", **changes: Any) -> CloudEvent:
    data = {
        "delivery_id": "d-" + no, "delivery_no": no, "no": no, "provider": "own_fleet", "status": "pending",
        "pickup": {"lat": 25.04, "lng": 121.54, "address": "Store", "contact_name": "Store",
                   "contact_phone": "+886227001234"},
        "dropoff": {"lat": 25.05, "lng": 121.52, "address": "Main Station", "contact_name": "Lin",
                    "contact_phone": "+886912345678"},
        "cod_amount": 650, "scheduled_at": None, "notes": "",
    } | changes  # fmt: skip
    return CloudEvent.create(
        type=DELIVERY_REQUESTED, subject=no, data=data, tenant_id=tenant, source="/smartdist/delivery-broker"
    )


def handle(svc: ServiceUnderTest, event: CloudEvent) -> None:
    assert event.tenantid is not None
    with svc.database.tenant_transaction(event.tenantid) as session:
        on_delivery_requested(session, event)


def rows(svc: ServiceUnderTest, tenant: str) -> tuple[list[DeliveryOrder], list[OutboxEvent], list[KpiRecord]]:
    with svc.database.tenant_transaction(tenant) as session:
        orders = list(session.scalars(select(DeliveryOrder)))
        events = list(session.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == tenant)))
        records = list(session.scalars(select(KpiRecord)))
        session.expunge_all()
    return orders, events, records


def test_own_fleet_booking_becomes_one_order_with_its_kpi_record_and_event_even_when_redelivered(
    svc: ServiceUnderTest,
) -> None:
    handle(svc, requested("t1"))
    handle(svc, requested("t1"))  # the broker republished it (new event id): nothing new
    orders, events, records = rows(svc, "t1")
    assert [(o.order_no, o.cash_to_collect_twd, o.customer_name) for o in orders] == [
        ("BRK-DR20261126-AAAA0001", 650, "Lin")
    ]
    assert "delivery-broker d-DR20261126-AAAA0001" in orders[0].notes
    assert [e.type for e in events] == ["smartdist.dispatch.order.created"]
    assert [(r.doc_no, r.status) for r in records] == [("BRK-DR20261126-AAAA0001", "created")]
    listed = svc.client.get("/api/v1/orders", headers=svc.headers("t1", ("dispatcher",))).json()
    assert [o["order_no"] for o in listed["items"]] == ["BRK-DR20261126-AAAA0001"]
    # Another merchant sees nothing of it.
    assert svc.client.get("/api/v1/orders", headers=svc.headers("t2", ("dispatcher",))).json()["items"] == []


def test_bad_coordinates_are_rejected_back_to_the_broker_and_create_nothing(svc: ServiceUnderTest) -> None:
    handle(svc, requested("t1", dropoff={"lat": 95.0, "lng": 121.52, "contact_name": "Lin"}))
    orders, events, records = rows(svc, "t1")
    assert orders == [] and records == []
    assert [e.type for e in events] == ["smartdist.dispatch.order.rejected"]
    data = CloudEvent.from_json(events[0].payload).data
    assert data["order_no"] == "BRK-DR20261126-AAAA0001" and data["source_ref"] == "d-DR20261126-AAAA0001"
    assert "dropoff.lat" in data["reason"]


def test_platform_bookings_are_not_for_our_drivers(svc: ServiceUnderTest) -> None:
    handle(svc, requested("t1", provider="pandago"))
    orders, events, _ = rows(svc, "t1")
    assert orders == [] and events == []
