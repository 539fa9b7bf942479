"""SPEC §5 flow 4 across processes: a consumer reserves a supplier's case lot for home delivery ->
the surplus market books the courier through the delivery broker's REST API (pickup at the
listing's place) -> the reservation's delivery follows the broker's status events to delivered.
A repeated and a stale status event change nothing; one booking; KPI logs in both services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import ProcessedEvent
from smartdist.db import new_id

from .conftest import Stack, eventually, ok

pytestmark = pytest.mark.slow
STATUS_CHANGED = "smartdist.delivery-broker.delivery.status_changed"
SUPPLIER = {"lat": 25.0339, "lng": 121.5645}
HOME = {"lat": 25.0478, "lng": 121.5170, "address": "台北市中正區北平西路3號"}


def consumed_by_market(stack: Stack, event_ids: list[str]) -> bool:
    with stack.database("surplus-market").system_transaction() as session:
        done = set(
            session.scalars(
                select(ProcessedEvent.event_id).where(
                    ProcessedEvent.consumer == "surplus-market", ProcessedEvent.event_id.in_(event_ids)
                )
            )
        )
    return done == set(event_ids)


def test_supplier_case_lot_is_delivered_by_a_broker_courier_once(stack: Stack) -> None:
    tenant = new_id()
    market, broker = stack.api("surplus-market"), stack.api("delivery-broker")
    clerk = stack.headers(tenant, ("clerk",))
    listing = ok(
        market.post(
            "/listings",
            headers=clerk,
            json={
                "title": "鮮乳 12 瓶/箱",
                "mode": "supplier",
                "category": "dairy",
                "unit": "箱",
                "quantity": 5,
                "list_price": 600,
                "best_before": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
                "location": SUPPLIER,
                "markdown": [],
                "weight_kg": 12,
            },
        ),
        201,
    )
    me = stack.consumer_headers("consumer-flow4", "王小明")
    body = {
        "listing_id": listing["id"],
        "quantity": 2,
        "delivery": {"dropoff": HOME, "contact": {"name": "王小明", "phone": "0912345678"}},
    }
    reservation = ok(market.post("/reservations", json=body, headers=me | {"Idempotency-Key": "sr-1"}), 201)
    again = ok(market.post("/reservations", json=body, headers=me | {"Idempotency-Key": "sr-1"}), 201)
    assert again["id"] == reservation["id"]
    rid = reservation["id"]

    def view() -> dict[str, Any]:
        return dict(ok(market.get(f"/reservations/{rid}", headers=clerk)))

    booked = eventually(lambda: (v := view())["delivery"].get("provider") and v, "the courier booked")
    at_broker = [d for d in ok(broker.get("/deliveries", headers=clerk))["items"] if d["reference"] == rid]
    assert len(at_broker) == 1 and at_broker[0]["provider"] == booked["delivery"]["provider"]
    assert (at_broker[0]["pickup"]["lat"], at_broker[0]["pickup"]["lng"]) == (SUPPLIER["lat"], SUPPLIER["lng"])
    assert (at_broker[0]["dropoff"]["lat"], at_broker[0]["dropoff"]["lng"]) == (HOME["lat"], HOME["lng"])

    done = eventually(lambda: (v := view())["delivery"]["status"] == "delivered" and v, "delivered", 60)
    assert done["status"] == "delivered"

    events = [e for e in stack.outbox("delivery-broker", tenant, STATUS_CHANGED) if e.data["reference"] == rid]
    delivered = next(e for e in events if e.data["status"] == "delivered")
    stale = CloudEvent.create(
        type=STATUS_CHANGED,
        subject=delivered.subject,
        tenant_id=tenant,
        data={**delivered.data, "status": "picked_up", "previous_status": "assigned"},
    )
    stack.inject(delivered)
    stack.inject(stale)
    eventually(lambda: consumed_by_market(stack, [delivered.id, stale.id]), "the market to consume both")
    assert view()["delivery"]["status"] == "delivered" and view()["status"] == "delivered"
    again_at_broker = [d for d in ok(broker.get("/deliveries", headers=clerk))["items"] if d["reference"] == rid]
    assert [d["id"] for d in again_at_broker] == [at_broker[0]["id"]]

    assert [s for _, no, s in stack.kpi("surplus-market", tenant) if no == rid] == ["reserved", "delivered"]
    broker_log = [s for _, no, s in stack.kpi("delivery-broker", tenant) if no == at_broker[0]["no"]]
    assert broker_log[0] == "pending" and broker_log.count("delivered") == 1
    assert market.get(f"/reservations/{rid}", headers=stack.headers(new_id(), ("clerk",))).status_code == 404
