"""Supplier mode (SPEC §5 flow 4): a case-lot reservation with a drop-off is booked through the broker
and follows the broker's status events to delivered, each change once."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from smartdist.bus.envelope import CloudEvent
from smartdist.db import utcnow
from smartdist_surplus_market.adapters.delivery_broker import DeliveryRequest
from smartdist_surplus_market.app import DEFINITION
from smartdist_surplus_market.reservations.consumer import DELIVERY_STATUS_CHANGED
from smartdist_surplus_market.reservations.jobs import queue_due_bookings
from smartdist_surplus_market.reservations.models import Reservation
from smartdist_surplus_market.reservations.service import _SANDBOX_BROKER

from ..conftest import clerk_headers, consumer_headers, listing_body

DROPOFF = {"lat": 25.0478, "lng": 121.5170, "address": "台北市中正區北平西路3號"}


def status_event(svc, tenant: str, data: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    event = CloudEvent.create(
        type=DELIVERY_STATUS_CHANGED, subject=None, data=data, tenant_id=tenant, source="/smartdist/delivery-broker"
    )
    with svc.database.tenant_transaction(tenant) as s:
        DEFINITION.subscriptions[DELIVERY_STATUS_CHANGED](s, event)


def settled(svc, rid: str, headers: dict[str, str], *, attempts: int = 1) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The reservation once its courier booking (a job after the commit) has been tried ``attempts`` times."""
    deadline = time.monotonic() + 10
    while True:
        seen: dict[str, Any] = svc.client.get(f"/api/v1/reservations/{rid}", headers=headers).json()
        if seen["delivery"]["attempts"] >= attempts or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)


def test_supplier_order_is_delivered_through_the_broker(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = clerk_headers(svc, t)
        lid = svc.client.post(
            "/api/v1/listings",
            json=listing_body(
                mode="supplier", unit="箱", title="鮮乳 12 瓶/箱", list_price=600, markdown=[], weight_kg=12
            ),
            headers=h,
        ).json()["id"]
        me = consumer_headers(svc)
        body = {
            "listing_id": lid,
            "quantity": 2,
            "delivery": {"dropoff": DROPOFF, "contact": {"name": "王小明", "phone": "0912345678"}},
        }
        r = svc.client.post("/api/v1/reservations", json=body, headers={**me, "Idempotency-Key": "s-1"})
        assert r.status_code == 201, r.text
        res = r.json()
        assert res["status"] == "reserved" and res["amount"] == 1200
        seen = settled(svc, res["id"], me)
        booked = len(_SANDBOX_BROKER.booked)
        again = svc.client.post("/api/v1/reservations", json=body, headers={**me, "Idempotency-Key": "s-1"})
        assert again.json()["id"] == res["id"] and len(_SANDBOX_BROKER.booked) == booked  # booked once
        request = [b for b in _SANDBOX_BROKER.booked if b.reference == res["id"]]
        assert len(request) == 1 and request[0].dropoff.address == DROPOFF["address"]
        assert (request[0].pickup.lat, request[0].pickup.lng) == (25.0339, 121.5645)  # the listing's place
        assert seen["delivery"]["provider"] == "pandago" and seen["delivery"]["status"] == "pending"
        assert seen["delivery"]["attempts"] == 1 and seen["delivery"]["next_attempt_at"] is None
        delivery_id = seen["delivery"]["delivery_id"]
        for status in ["assigned", "picked_up", "assigned", "picked_up"]:  # repeated and out of order
            status_event(
                svc, t, {"delivery_id": delivery_id, "reference": res["id"], "provider": "pandago", "status": status}
            )
        seen = svc.client.get(f"/api/v1/reservations/{res['id']}", headers=h).json()
        assert seen["delivery"]["status"] == "picked_up" and seen["status"] == "reserved"
        for _ in range(2):
            status_event(
                svc,
                t,
                {"delivery_id": delivery_id, "reference": res["id"], "provider": "pandago", "status": "delivered"},
            )
        seen = svc.client.get(f"/api/v1/reservations/{res['id']}", headers=me).json()
        assert seen["delivery"]["status"] == "delivered" and seen["status"] == "delivered"
        assert seen["payment_status"] == "captured"
        summary = svc.client.get("/api/v1/kpi/summary", headers=svc.headers(t)).json()
        assert {k["code"]: k["value"] for k in summary["kpis"]}["transactions_matched"] == 1
        # another tenant's event about this delivery changes nothing
        other = svc.new_tenant()
        status_event(svc, other, {"delivery_id": delivery_id, "reference": res["id"], "status": "returned"})
        assert (
            svc.client.get(f"/api/v1/reservations/{res['id']}", headers=me).json()["delivery"]["status"] == "delivered"
        )


def test_delivery_rules(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = clerk_headers(svc, t)
        store = svc.client.post("/api/v1/listings", json=listing_body(), headers=h).json()["id"]
        r = svc.client.post(
            "/api/v1/reservations",
            json={"listing_id": store, "quantity": 1, "delivery": {"dropoff": DROPOFF}},
            headers=consumer_headers(svc),
        )
        assert r.status_code == 422
        supplier = svc.client.post("/api/v1/listings", json=listing_body(mode="supplier"), headers=h).json()["id"]
        _SANDBOX_BROKER.fail_next = "no platform can take this delivery"
        r = svc.client.post(
            "/api/v1/reservations",
            json={"listing_id": supplier, "quantity": 1, "delivery": {"dropoff": DROPOFF}},
            headers=consumer_headers(svc),
        )
        assert r.status_code == 201
        seen = settled(svc, r.json()["id"], h)
        assert seen["delivery"]["status"] == "failed" and "no platform" in seen["delivery"]["error"]
        # the seller cancels it: the units return and the payment is voided
        assert (
            svc.client.post(f"/api/v1/reservations/{r.json()['id']}/cancel", headers=h).json()["status"] == "cancelled"
        )
        assert svc.client.get(f"/api/v1/listings/{supplier}").json()["quantity"] == 5
        # a delivery order is not handed over at the counter
        r2 = svc.client.post(
            "/api/v1/reservations",
            json={"listing_id": supplier, "quantity": 1, "delivery": {"dropoff": DROPOFF}},
            headers=consumer_headers(svc),
        ).json()
        assert (
            svc.client.post(
                f"/api/v1/reservations/{r2['id']}/pickup", json={"pickup_code": r2["pickup_code"]}, headers=h
            ).status_code
            == 409
        )


def test_the_courier_is_booked_after_the_commit_and_a_failure_is_retried(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = clerk_headers(svc, t)
        listing = listing_body(mode="supplier", unit="箱", quantity=2, list_price=500, markdown=[])
        lid = svc.client.post("/api/v1/listings", json=listing, headers=h).json()["id"]
        seen_from_outside: list[bool] = []

        def look(request: DeliveryRequest) -> None:
            # another connection sees the reservation: its transaction committed before the broker call
            with svc.database.tenant_transaction(t, read_only=True) as s:
                seen_from_outside.append(s.get(Reservation, request.reference) is not None)

        _SANDBOX_BROKER.on_book = look
        _SANDBOX_BROKER.fail_next = "broker answered 503"
        try:
            me = consumer_headers(svc)
            body = {"listing_id": lid, "quantity": 2, "delivery": {"dropoff": DROPOFF}}
            r = svc.client.post("/api/v1/reservations", json=body, headers={**me, "Idempotency-Key": "k-1"})
            assert r.status_code == 201, r.text
            rid = r.json()["id"]
            seen = settled(svc, rid, h)
            assert seen_from_outside == [True]
            assert seen["delivery"]["status"] == "failed" and seen["delivery"]["error"] == "broker answered 503"
            assert seen["delivery"]["attempts"] == 1 and seen["delivery"]["next_attempt_at"] is not None
            assert seen["status"] == "reserved" and seen["payment_status"] == "authorised"
            # never oversold: the units stay taken while the courier is retried
            assert svc.client.get(f"/api/v1/listings/{lid}").json()["quantity"] == 0
            other = svc.client.post(
                "/api/v1/reservations", json={**body, "quantity": 1}, headers={**me, "Idempotency-Key": "k-2"}
            )
            assert other.status_code == 409
            # nothing due yet; once the pause has passed the retry loop books it, once
            assert queue_due_bookings(svc.database) == 0
            with svc.database.tenant_transaction(t) as s:
                row = s.scalar(select(Reservation).where(Reservation.id == rid))
                assert row is not None
                row.delivery_retry_at = utcnow() - timedelta(seconds=1)
            assert queue_due_bookings(svc.database) == 1
            seen = settled(svc, rid, h, attempts=2)
            assert seen["delivery"]["status"] == "pending" and seen["delivery"]["delivery_id"]
            assert seen["delivery"]["error"] is None and seen["delivery"]["next_attempt_at"] is None
            assert queue_due_bookings(svc.database) == 0
            # a retry of a booked order is refused; the broker saw one booking for this reservation
            again = svc.client.post(f"/api/v1/reservations/{rid}/delivery/retry", headers=h)
            assert again.status_code == 409
            assert [b.reference for b in _SANDBOX_BROKER.booked].count(rid) == 1
            # another merchant cannot retry it
            foreign = svc.client.post(
                f"/api/v1/reservations/{rid}/delivery/retry", headers=clerk_headers(svc, svc.new_tenant())
            )
            assert foreign.status_code == 404
        finally:
            _SANDBOX_BROKER.on_book = None
            _SANDBOX_BROKER.fail_next = None
