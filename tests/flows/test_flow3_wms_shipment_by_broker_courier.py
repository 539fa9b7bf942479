"""SPEC §5 flow 3 across processes: a WMS outbound order with a home delivery ships with an empty
body -> the WMS books a courier through the delivery broker's REST API after the ship commits
(a worker job) -> the broker's sandbox courier moves (its webhooks repeated and out of order) ->
the order's delivery follows the broker's status events to delivered. A repeated and a stale
status event change nothing; one booking at the broker; KPI logs in both services."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import ProcessedEvent
from smartdist.db import new_id

from .conftest import Stack, eventually, ok

pytestmark = pytest.mark.slow
STATUS_CHANGED = "smartdist.delivery-broker.delivery.status_changed"
STATION = {"lat": 25.0478, "lng": 121.5170, "address": "台北市中正區北平西路3號"}


def consumed_by_wms(stack: Stack, event_ids: list[str]) -> bool:
    with stack.database("wms").system_transaction() as session:
        done = set(
            session.scalars(
                select(ProcessedEvent.event_id).where(
                    ProcessedEvent.consumer == "wms", ProcessedEvent.event_id.in_(event_ids)
                )
            )
        )
    return done == set(event_ids)


def test_shipment_gets_a_broker_courier_followed_to_delivered_once(stack: Stack) -> None:
    tenant = new_id()
    wms, broker = stack.api("wms"), stack.api("delivery-broker")
    h = stack.headers(tenant)
    ok(wms.post("/products", json={"sku": "TEA-1", "name": "烏龍茶 600ml"}, headers=h), 201)
    ok(wms.post("/locations", json={"code": "B-01"}, headers=h), 201)
    ok(
        wms.post(
            "/stock/adjustments", json={"sku": "TEA-1", "location": "B-01", "qty": 10, "reason": "opening"}, headers=h
        ),
        201,
    )
    body = {
        "ref": "SHOP-1001",
        "customer": "林小姐",
        "lines": [{"sku": "TEA-1", "qty": 2}],
        "delivery": {"dropoff": STATION, "contact": {"name": "林小姐", "phone": "0912345678"}, "cod_amount": 0},
    }
    order = ok(wms.post("/outbound-orders", json=body, headers=h | {"Idempotency-Key": "so-1"}), 201)
    assert order["delivery"]["status"] == "requested"
    assert order["delivery"]["pickup"]["lat"] == 25.0418  # the warehouse's place by default
    oid = order["id"]
    ok(wms.post(f"/outbound-orders/{oid}/allocate", headers=h | {"Idempotency-Key": "al-1"}))
    ok(
        wms.post(
            f"/outbound-orders/{oid}/picks",
            json={"location": "B-01", "sku": "TEA-1", "qty": 2},
            headers=h | {"Idempotency-Key": "pk-1"},
        ),
        201,
    )
    shipped = ok(wms.post(f"/outbound-orders/{oid}/ship", headers=h | {"Idempotency-Key": "sh-1"}))
    assert shipped["status"] == "shipped" and shipped["delivery"]["status"] in ("booking", "pending", "assigned")

    def view() -> dict[str, Any]:
        return dict(ok(wms.get(f"/outbound-orders/{oid}", headers=h)))

    booked = eventually(lambda: (v := view())["delivery"]["provider"] and v, "the courier booked")
    booked = view()  # again: one GET reads the order and its delivery in two statements (read committed)
    assert isinstance(booked["delivery"]["fee"], int) and booked["delivery"]["fee"] > 0
    assert booked["carrier"] == booked["delivery"]["provider"] and booked["tracking_no"]
    at_broker = [d for d in ok(broker.get("/deliveries", headers=h))["items"] if d["reference"] == "SHOP-1001"]
    assert len(at_broker) == 1
    assert at_broker[0]["provider"] == booked["delivery"]["provider"]
    assert at_broker[0]["id"] == booked["delivery"]["delivery_id"]
    assert (at_broker[0]["dropoff"]["lat"], at_broker[0]["dropoff"]["lng"]) == (STATION["lat"], STATION["lng"])

    done = eventually(lambda: (v := view())["delivery"]["status"] == "delivered" and v, "delivered", 60)
    assert done["status"] == "shipped"

    # The delivered event again (same id) and a stale 'assigned' one arriving after it.
    events = [
        e
        for e in stack.outbox("delivery-broker", tenant, STATUS_CHANGED)
        if e.data["delivery_id"] == at_broker[0]["id"]
    ]
    delivered = next(e for e in events if e.data["status"] == "delivered")
    stale = CloudEvent.create(
        type=STATUS_CHANGED,
        subject=delivered.subject,
        tenant_id=tenant,
        data={**delivered.data, "status": "assigned", "previous_status": "pending"},
    )
    stack.inject(delivered)
    stack.inject(stale)
    eventually(lambda: consumed_by_wms(stack, [delivered.id, stale.id]), "the WMS to consume both")
    assert view()["delivery"]["status"] == "delivered"
    # Booked once, in spite of the job, the retry loop and the events racing.
    again = [d for d in ok(broker.get("/deliveries", headers=h))["items"] if d["reference"] == "SHOP-1001"]
    assert [d["id"] for d in again] == [at_broker[0]["id"]] and again[0]["status"] == "delivered"

    no = order["no"]
    assert [s for _, doc, s in stack.kpi("wms", tenant) if doc == no] == [
        "created",
        "allocated",
        "picking",
        "picked",
        "shipped",
        "delivered",
    ]
    broker_log = [s for _, doc, s in stack.kpi("delivery-broker", tenant) if doc == at_broker[0]["no"]]
    assert broker_log[0] == "pending" and broker_log[-1] == "delivered" and broker_log.count("delivered") == 1
    other = stack.headers(new_id())
    assert wms.get(f"/outbound-orders/{oid}", headers=other).status_code == 404
